import { PGlite, types, type Transaction } from "@electric-sql/pglite";
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { StorageError } from "../core/errors.js";
import { emptyStats, type QueryResult, type SqlDriver, type SqlExecutor } from "./driver.js";
import { sqlLiterals } from "./sql-literal.js";

const parsers = { [types.INT8]: (v: string) => Number(v) };

/**
 * PostgreSQL's default 128 MB of shared buffers lives inside the WebAssembly
 * heap and roughly doubles the process's memory. A chatbot's working set is
 * small, and the OS page cache still holds the files, so 32 MB is plenty.
 * The prepared statements (below) are planned for their arguments each time:
 * with the generic plans PostgreSQL switches to after five runs, the inbox
 * worker ran at 119-125 turns a second instead of 189 (150 unprepared).
 */
const POSTGRESQL_CONF = "shared_buffers = 32MB\nplan_cache_mode = force_custom_plan";

/** Statement texts prepared at most (they are a few dozen; a text built per call would go no further). */
const MAX_PREPARED = 500;

/**
 * Embedded PostgreSQL (PGlite). `dataDir` undefined means in memory;
 * `loadDataDir` starts from a snapshot made with `dumpDataDir` (test fixtures).
 * A lock file keeps a second process from opening the same directory, which
 * PGlite itself does not prevent and which would corrupt the data.
 */
export interface PgliteDriver extends SqlDriver {
  /** A gzip snapshot of the whole database, for `loadDataDir`. */
  dump(): Promise<Blob>;
}

export async function createPgliteDriver(options: { dataDir?: string; loadDataDir?: Blob } = {}): Promise<PgliteDriver> {
  const { dataDir } = options;
  let releaseLock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    releaseLock = acquireLock(join(dataDir, "rotabot.lock"));
  }
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: dataDir ? join(dataDir, "pgdata") : undefined, loadDataDir: options.loadDataDir, parsers, postgresqlconf: POSTGRESQL_CONF });
  } catch (err) {
    releaseLock();
    throw new StorageError(`Could not open the embedded database in ${dataDir ?? "memory"}: ${String(err)}`, { cause: err });
  }
  const stats = emptyStats();
  const wrap = (q: PGlite | Transaction): SqlExecutor => ({
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      stats.statements++;
      stats.roundTrips++;
      const r = await q.query<R>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string) {
      stats.statements++;
      stats.roundTrips++;
      await q.exec(sql);
    },
  });
  // Named statements: PGlite parses, analyses and plans every parameterized query anew (about two thirds of the
  // engine's time for a turn's statements). Outside transactions each statement text is prepared once (PREPARE)
  // and run as EXECUTE with its parameters as literals (sql-literal.ts), over the simple protocol: 0.47 ms instead
  // of 1.24-1.44 ms for the inbox's batch read on this machine. A statement that cannot be prepared, or whose
  // parameters have no literal, takes the ordinary path.
  const conforming = (await db.query<{ standard_conforming_strings: string }>("SHOW standard_conforming_strings")).rows[0]?.standard_conforming_strings === "on";
  const prepared = new Map<string, string | null>();
  const preparedName = async (sql: string): Promise<string | null> => {
    let name = prepared.get(sql);
    if (name !== undefined) return name;
    name = prepared.size < MAX_PREPARED ? `rotabot_${prepared.size}` : null;
    if (name) {
      // Once per statement text and process: not counted in the per-turn figures (DriverStats).
      try {
        await db.exec(`PREPARE ${name} AS ${sql}`);
      } catch {
        name = null;
      }
    }
    prepared.set(sql, name);
    return name;
  };
  const plain = wrap(db);
  const root: SqlExecutor = {
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const literals = conforming && params.length > 0 ? sqlLiterals(params) : undefined;
      const name = literals ? await preparedName(sql) : null;
      if (!literals || !name) return plain.query<R>(sql, params);
      stats.statements++;
      stats.roundTrips++;
      let results;
      try {
        results = await db.exec(`EXECUTE ${name}(${literals.join(", ")})`);
      } catch (err) {
        // A plan made before a change of the tables it reads ("cached plan must not change result type").
        if ((err as { code?: string }).code !== "0A000") throw err;
        prepared.set(sql, null);
        return plain.query<R>(sql, params);
      }
      const r = results[results.length - 1];
      return { rows: (r?.rows ?? []) as R[], rowCount: r?.affectedRows ?? r?.rows.length ?? 0 };
    },
    exec: plain.exec,
  };
  // PGlite runs one statement at a time on this thread. Our own two-lane queue feeds it
  // one job at a time, so a webhook's insert waits for the statement or transaction in
  // progress only, not for every worker query queued before it.
  const urgent: (() => void)[] = [];
  const normal: (() => void)[] = [];
  let busy = false;
  const pump = () => {
    if (busy) return;
    const next = urgent.shift() ?? normal.shift();
    if (!next) return;
    busy = true;
    next();
  };
  function schedule<T>(job: () => Promise<T>, isUrgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (isUrgent ? urgent : normal).push(() => {
        job()
          // A worker query's result is handed back on the next turn of the event loop, not as a microtask: the
          // engine answers synchronously, so a chain of turns' queries would otherwise run back to back and keep
          // webhook requests (waiting as I/O) from being read at all until the whole backlog paused.
          .then((v) => (isUrgent ? resolve(v) : setImmediate(resolve, v)), (e: unknown) => (isUrgent ? reject(e) : setImmediate(reject, e)))
          .finally(() => {
            busy = false;
            pump();
          });
      });
      pump();
    });
  }
  // One process owns the directory (the lock file), so in-process locks are all the locks there are.
  const held = new Set<string>();
  let closed = false;
  return {
    kind: "pglite",
    stats,
    dump: async () => db.dumpDataDir("gzip"),
    query: (sql, params, options) => schedule(() => root.query(sql, params), options?.urgent),
    exec: (sql) => schedule(() => root.exec(sql)),
    transaction: (fn) =>
      schedule(() => {
        // PGlite sends BEGIN and COMMIT (or ROLLBACK) itself: two more calls into the engine.
        stats.transactions++;
        stats.statements += 2;
        stats.roundTrips += 2;
        return db.transaction((tx) => fn(wrap(tx)));
      }),
    async tryLock(key) {
      if (held.has(key)) return null;
      held.add(key);
      return async (check) => {
        held.delete(key);
        if (!check) return undefined;
        const r = await schedule(() => root.query<{ answer: boolean }>(`SELECT (${check.sql}) AS answer`, check.params));
        return r.rows[0]?.answer === true;
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        releaseLock();
      }
    },
  };
}

/** The data directory's lock file (see createPgliteDriver); also taken by `rotabot restore` while it swaps the data. */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8"));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new StorageError(
          `The data directory ${path.replace(/\/rotabot\.lock$/, "")} is in use by another rotabot process (pid ${pid}). ` +
            "Stop it, or point ROTABOT_DATA_DIR at another directory.",
        );
      }
      unlinkSync(path); // stale lock from a process that died
    }
  }
  throw new StorageError(`Could not take the lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
