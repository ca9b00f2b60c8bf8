import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";
import { createRequire } from "node:module";
import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import type { KnowledgeEntry } from "./loader.js";
import { frontMatterSchema } from "./schema.js";

/**
 * Reading the knowledge folder's YAML (front matter and the _*.yaml files)
 * with zod, and pointing every problem at its file and line.
 */

export type Report = (file: string, line: number, message: string, severity?: "error" | "warning") => void;

/** `yaml` knows where every node is; it is loaded only when a problem needs a line (start-up time). */
let yamlLib: typeof import("yaml") | undefined;
const yaml = () => (yamlLib ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));

/** A parsed YAML text that can point at the line of any field; built only when a problem needs a line. */
export class Located {
  private located?: { doc: Document; counter: LineCounter };
  constructor(
    private readonly yamlText: string,
    /** Lines before the YAML in its file (the opening '---' of front matter). */
    readonly offset: number,
  ) {}

  private get parsed() {
    if (!this.located) {
      const { LineCounter: Counter, parseDocument } = yaml();
      const counter = new Counter();
      this.located = { doc: parseDocument(this.yamlText, { lineCounter: counter, prettyErrors: false }), counter };
    }
    return this.located;
  }

  line(path: (string | number)[]): number {
    return fieldLine(this.parsed.doc, this.parsed.counter, path) + this.offset;
  }

  syntaxErrors(): { line: number; message: string }[] {
    const { doc, counter } = this.parsed;
    return doc.errors.map((err) => ({ line: counter.linePos(err.pos[0]).line + this.offset, message: `YAML syntax: ${err.message.split("\n")[0]}` }));
  }

  reportIssues(issues: z.core.$ZodIssue[], file: string, report: Report) {
    reportIssues(issues, this.parsed.doc, this.parsed.counter, this.offset, file, report);
  }
}

/**
 * Parses YAML with js-yaml (about twice as fast as `yaml` on start-up) and
 * validates it; `yaml`, which knows where every node is, is only used to
 * point at the line of a problem. Null (with problems reported) when invalid.
 */
export function parseAndValidate<S extends z.ZodType>(yamlText: string, offset: number, schema: S, file: string, report: Report): { data: z.infer<S>; located: Located } | null {
  const located = new Located(yamlText, offset);
  let raw: unknown;
  try {
    raw = loadYaml(yamlText, { schema: CORE_SCHEMA });
  } catch {
    const errors = located.syntaxErrors();
    if (errors.length === 0) errors.push({ line: offset + 1, message: "YAML syntax: cannot be read" });
    for (const e of errors) report(file, e.line, e.message);
    return null;
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    located.reportIssues(parsed.error.issues, file, report);
    return null;
  }
  return { data: parsed.data, located };
}

/** A Markdown file's YAML front matter (between two `---` lines at the top) and the text below it; null without one. */
export function splitFrontMatter(text: string): { yaml: string; body: string } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  return m ? { yaml: m[1] ?? "", body: m[2] ?? "" } : null;
}

export function parseEntryFile(dir: string, file: string, report: Report): { entry: KnowledgeEntry; located: Located } | null {
  const text = readFileSync(join(dir, file), "utf8").replace(/^\uFEFF/, "");
  const parts = splitFrontMatter(text);
  if (!parts) {
    report(file, 1, "must start with a front matter block between two '---' lines");
    return null;
  }
  const yamlText = parts.yaml;
  const result = parseAndValidate(yamlText, 1, frontMatterSchema, file, report);
  if (!result) return null;
  const entry = { ...result.data, body: parts.body.trim(), file, exampleLines: exampleLines(yamlText, result.data.examples.length, 1) };
  return { entry, located: result.located };
}

/**
 * The line of each example question, read off the block list under
 * `examples:` (the format every entry uses); the `examples:` line itself for
 * any other layout.
 */
export function exampleLines(yamlText: string, count: number, offset: number): number[] {
  const lines = yamlText.split(/\r?\n/);
  const start = lines.findIndex((l) => /^examples:\s*$/.test(l));
  const items: number[] = [];
  for (let i = start + 1; start >= 0 && i < lines.length && !/^\S/.test(lines[i] ?? ""); i++) {
    if (/^\s+-\s/.test(lines[i] ?? "")) items.push(i + 1 + offset);
  }
  const fallback = start >= 0 ? start + 1 + offset : 1;
  return items.length === count ? items : Array.from({ length: count }, () => fallback);
}

export function loadYamlFile<S extends z.ZodType>(dir: string, file: string, schema: S, report: Report): z.infer<S> | null {
  let text: string;
  try {
    text = readFileSync(join(dir, file), "utf8");
  } catch {
    report(file, 0, `missing: the knowledge directory needs ${file}`);
    return null;
  }
  return parseAndValidate(text, 0, schema, file, report)?.data ?? null;
}

export function reportIssues(
  issues: z.core.$ZodIssue[],
  doc: Document,
  counter: LineCounter,
  offset: number,
  file: string,
  report: Report,
) {
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const field = path.length ? path.join(".") : "front matter";
    let message = issue.message;
    if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
    if (issue.code === "unrecognized_keys") message = `unknown field(s): ${issue.keys.join(", ")}`;
    report(file, fieldLine(doc, counter, path) + offset, `${field}: ${message}`);
  }
}

/** The 1-based line of the deepest existing node on `path`. */
function fieldLine(doc: Document, counter: LineCounter, path: (string | number)[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const node = sub.length ? doc.getIn(sub, true) : doc.contents;
    if (yaml().isNode(node) && node.range) {
      // For a mapping key, report the key's line rather than its value's.
      const pair = sub.length ? findPairLine(doc, counter, sub) : null;
      return pair ?? counter.linePos(node.range[0]).line;
    }
  }
  return 1;
}

function findPairLine(doc: Document, counter: LineCounter, path: (string | number)[]): number | null {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (parent && typeof parent === "object" && "items" in parent && Array.isArray(parent.items)) {
    for (const item of parent.items as unknown[]) {
      if (item && typeof item === "object" && "key" in item) {
        const key = (item as { key: unknown }).key;
        if (yaml().isNode(key) && "value" in key && (key as { value: unknown }).value === last && key.range) {
          return counter.linePos(key.range[0]).line;
        }
      }
    }
  }
  return null;
}
