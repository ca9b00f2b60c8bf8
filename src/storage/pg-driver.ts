import { createHash } from "node:crypto";
import pg from "pg";
import type { QueryResult, SqlDriver, SqlExecutor } from "./driver.js";

const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

const names = new Map<string, string>();
/** A stable prepared-statement name per SQL text. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `rotabot_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

/** PostgreSQL through a `pg` pool. */
export function createPgDriver(options: { connectionString: string; max?: number }): SqlDriver {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types: typeParsers,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => {});
  const wrap = (q: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      // Named statements are parsed and planned once per connection, then reused.
      const r = params.length > 0 ? await q.query({ name: statementName(sql), text: sql, values: params }) : await q.query(sql);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await q.query(sql);
    },
  });
  const root = wrap(pool);
  return {
    kind: "postgres",
    query: root.query,
    exec: root.exec,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
