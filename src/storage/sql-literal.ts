/**
 * Parameters written as SQL literals, for PGlite's prepared statements (see pglite-driver.ts): PGlite offers no
 * named statements through its API, and an EXECUTE takes its arguments as literals. With
 * standard_conforming_strings on (checked when the driver opens), a string literal is closed only by a single
 * quote, so doubling each one is the whole of the quoting; a text with a NUL byte, or a value of another kind,
 * has no literal here and its statement takes the driver's ordinary path.
 */
export function sqlLiteral(value: unknown): string | undefined {
  if (value === null || value === undefined) return "NULL";
  if (isScalar(value)) return quote(String(value));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : quote(value.toISOString());
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value) {
      if (item === null || item === undefined) items.push("NULL");
      else if (isScalar(item)) items.push(`"${String(item).replace(/[\\"]/g, (c) => `\\${c}`)}"`);
      else return undefined;
    }
    return quote(`{${items.join(",")}}`);
  }
  return undefined;
}

/** A text, number or boolean: written as its string form. */
const isScalar = (v: unknown): v is string | number | bigint | boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "bigint" || typeof v === "boolean";

function quote(text: string): string | undefined {
  return text.includes("\u0000") ? undefined : `'${text.replace(/'/g, "''")}'`;
}

/** All of a statement's parameters as literals, or undefined when one has none. */
export function sqlLiterals(params: readonly unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const p of params) {
    const literal = sqlLiteral(p);
    if (literal === undefined) return undefined;
    out.push(literal);
  }
  return out;
}
