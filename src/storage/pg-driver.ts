import { createHash } from "node:crypto";
import pg from "pg";
import { emptyStats, type QueryResult, type SqlDriver, type SqlExecutor } from "./driver.js";

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

const UNLOCK = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";
const TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok";

/** PostgreSQL through a `pg` pool. */
export function createPgDriver(options: { connectionString: string; max?: number; maxLocks?: number }): SqlDriver {
  const settings = {
    connectionString: options.connectionString,
    types: typeParsers,
    // An outage must fail fast (the webhook answers 503 and the platform redelivers), not hang.
    connectionTimeoutMillis: 3_000,
    query_timeout: 10_000,
  };
  // At least as many connections as turns in flight (WORKER_CONCURRENCY, 16 by default), so no turn waits for one.
  const pool = new pg.Pool({ ...settings, max: options.max ?? 20 });
  // Webhooks storing what they are about to acknowledge never queue behind the worker's queries.
  const urgentPool = new pg.Pool({ ...settings, max: 4 });
  // Conversation locks hold a connection each while a turn runs; they get their
  // own pool so that a slow platform never starves the queries.
  const lockPool = new pg.Pool({ ...settings, max: options.maxLocks ?? 20 });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => {});
  urgentPool.on("error", () => {});
  lockPool.on("error", () => {});
  const stats = emptyStats();
  /** Every exchange with the server goes through here, so the counts are complete. */
  const send = <R extends pg.QueryResultRow>(q: pg.Pool | pg.PoolClient, config: string | pg.QueryConfig, values?: unknown[]) => {
    stats.statements++;
    stats.roundTrips++;
    return typeof config === "string" ? q.query<R>(config, values) : q.query<R>(config);
  };
  const wrap = (q: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      // Named statements are parsed and planned once per connection, then reused.
      const r = params.length > 0 ? await send(q, { name: statementName(sql), text: sql, values: params }) : await send(q, sql);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await send(q, sql);
    },
  });
  const root = wrap(pool);
  const urgent = wrap(urgentPool);
  return {
    kind: "postgres",
    stats,
    query: (sql, params, options) => (options?.urgent ? urgent.query(sql, params) : root.query(sql, params)),
    exec: root.exec,
    async transaction(fn) {
      const { client, broken, release } = await checkOut(pool);
      stats.transactions++;
      try {
        await send(client, "BEGIN");
        const result = await fn(wrap(client));
        await send(client, "COMMIT");
        return result;
      } catch (err) {
        if (!broken()) await send(client, "ROLLBACK").catch(() => {});
        throw err;
      } finally {
        release();
      }
    },
    async tryLock(key) {
      const { client, release } = await checkOut(lockPool);
      let ok = false;
      try {
        const r = await send<{ ok: boolean }>(client, { name: statementName(TRY_LOCK), text: TRY_LOCK, values: [key] });
        ok = r.rows[0]?.ok === true;
      } catch (err) {
        release(true);
        throw err;
      }
      if (!ok) {
        release();
        return null;
      }
      return async (check) => {
        try {
          if (!check) {
            await send(client, { name: statementName(UNLOCK), text: UNLOCK, values: [key] });
            release();
            return undefined;
          }
          // The check's parameters come first, the lock's key last.
          const text = `SELECT (${check.sql}) AS answer, pg_advisory_unlock(hashtextextended($${check.params.length + 1}, 0))`;
          const r = await send<{ answer: boolean }>(client, { name: statementName(text), text, values: [...check.params, key] });
          release();
          return r.rows[0]?.answer === true;
        } catch (err) {
          // The connection is gone, and the lock with it: never reuse that client.
          release(true);
          if (check) throw err;
          return undefined;
        }
      };
    },
    async close() {
      await Promise.all([pool.end(), urgentPool.end(), lockPool.end()]);
    },
  };
}

/**
 * A client out of the pool, with an error listener for as long as it is out:
 * the pool only listens on idle clients, and a connection lost while a client
 * is checked out (a database restart during a turn) would otherwise be an
 * unhandled 'error' event that kills the process. A broken client is
 * destroyed on release, never reused.
 */
async function checkOut(pool: pg.Pool) {
  const client = await pool.connect();
  let failed = false;
  const onError = () => {
    failed = true;
  };
  client.on("error", onError);
  let released = false;
  return {
    client,
    broken: () => failed,
    release(destroy = false) {
      if (released) return;
      released = true;
      client.off("error", onError);
      client.release(destroy || failed);
    },
  };
}
