import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlLiteral } from "../../src/storage/sql-literal.js";
import { createPgliteTestDatabase, type TestDatabase } from "../helpers/databases.js";

/**
 * PGlite runs parameterized statements as prepared EXECUTEs with literal arguments (pglite-driver.ts): every
 * value must come back from the database exactly as it went in, whatever a student typed.
 */
const TEXTS = [
  "plain",
  "it's O'Brien''s",
  "'); DROP TABLE messages; --",
  "back\\slash \\' and \\\\",
  "$1 $$ dollar $tag$ quoting $tag$",
  "emoji 🩺, Urdu کتنا, Hindi कितना",
  "line\nbreak\ttab\r",
  "",
  " E'\\x41' ",
];

describe("parameters as literals on PGlite", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgliteTestDatabase();
  });
  afterAll(() => db?.dispose());

  it("gives back every text exactly, and runs a statement once prepared", async () => {
    for (const text of TEXTS) {
      const r = await db.driver.query<{ v: string; n: number }>("SELECT $1::text AS v, length($1::text) AS n", [text]);
      expect(r.rows[0]).toEqual({ v: text, n: [...text].length });
    }
  });

  it("gives back numbers, booleans, times, nulls and arrays of texts", async () => {
    const at = new Date("2026-12-03T10:00:00.123Z");
    const r = await db.driver.query<{ i: number; f: number; b: boolean; t: Date; z: null; a: string[] }>(
      "SELECT $1::int AS i, $2::float8 AS f, $3::boolean AS b, $4::timestamptz AS t, $5::text AS z, $6::text[] AS a",
      [42, 0.25, false, at, null, ['a"b', "c\\d", "it's", "x,y", "{}"]],
    );
    expect(r.rows[0]).toEqual({ i: 42, f: 0.25, b: false, t: at, z: null, a: ['a"b', "c\\d", "it's", "x,y", "{}"] });
  });

  it("counts the rows a write changed, as the ordinary path does", async () => {
    await db.driver.exec("CREATE TABLE literal_probe (k text PRIMARY KEY)");
    const insert = "INSERT INTO literal_probe (k) VALUES ($1) ON CONFLICT (k) DO NOTHING";
    expect((await db.driver.query(insert, ["one"])).rowCount).toBe(1);
    expect((await db.driver.query(insert, ["one"])).rowCount).toBe(0);
    // It went the prepared way.
    const prepared = await db.driver.query<{ n: number }>("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE $1", ["%INTO literal_probe%"]);
    expect(prepared.rows[0]?.n).toBe(1);
  });

  it("has no literal for a text with a NUL byte or for an object (the driver's ordinary path takes those)", () => {
    expect(sqlLiteral("a\u0000b")).toBeUndefined();
    expect(sqlLiteral({ a: 1 })).toBeUndefined();
    expect(sqlLiteral([{ a: 1 }])).toBeUndefined();
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral(null)).toBe("NULL");
  });
});
