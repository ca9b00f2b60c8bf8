import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { DriverStats, SqlDriver } from "../src/storage/driver.js";

/**
 * Load-independent measures of a stretch of work: the CPU time this process
 * spent (process.cpuUsage), the CPU time of the PostgreSQL backends serving it
 * (from /proc, when the server runs on this machine), and what the driver sent
 * to the database. On a shared machine wall-clock figures swing with the other
 * load; these swing much less, so before/after comparisons use them.
 */
export interface Cost {
  /** Microseconds of CPU (user + system) of this process. */
  cpuUs: number;
  /** Microseconds of CPU of the database's backend processes; null on PGlite or a remote server. */
  serverCpuUs: number | null;
  sql: DriverStats;
}

export interface CostMeter {
  stop(): Promise<Cost>;
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux

/** utime + stime of the processes, in microseconds; processes that are gone count 0. */
function procCpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* not on this machine, or gone */
    }
  }
  return ticks * TICK_US;
}

/** The backend pids of this database's connections (all of them: the bench is alone on its database). */
async function backendPids(db: SqlDriver): Promise<number[]> {
  if (db.kind !== "postgres") return [];
  const r = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
  return r.rows.map((row) => Number(row.pid));
}

/** Starts measuring; the driver's statements of the measuring itself are left out. */
export async function startCost(db: SqlDriver): Promise<CostMeter> {
  const pids = await backendPids(db);
  const server0 = procCpuUs(pids);
  const sql0 = { ...db.stats };
  const cpu0 = process.cpuUsage();
  return {
    async stop() {
      const cpu = process.cpuUsage(cpu0);
      const sql = { statements: db.stats.statements - sql0.statements, roundTrips: db.stats.roundTrips - sql0.roundTrips, transactions: db.stats.transactions - sql0.transactions };
      // Backends opened during the run (the pool grew) count from zero: their whole life was in it.
      const after = await backendPids(db);
      const fresh = after.filter((p) => !pids.includes(p));
      const serverCpuUs = db.kind === "postgres" && pids.length + fresh.length > 0 ? procCpuUs(pids) - server0 + procCpuUs(fresh) : null;
      return { cpuUs: cpu.user + cpu.system, serverCpuUs, sql };
    },
  };
}

/** A CPU profile of this process from now until `stop` (the .cpuprofile format of `node --cpu-prof`). */
export async function startProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return {
    async stop(path) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * Counts each distinct statement the driver runs and the time until its answer
 * (diagnosis: which statements a turn runs, and which are slow). Patches the
 * driver object in place, so the stores that hold it are traced too.
 */
export function traceStatements(db: SqlDriver): () => { sql: string; count: number; totalMs: number }[] {
  const seen = new Map<string, { count: number; totalMs: number }>();
  const label = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 110);
  const timed = <T>(sql: string, run: () => Promise<T>) => {
    const t0 = performance.now();
    return run().finally(() => {
      const e = seen.get(label(sql)) ?? { count: 0, totalMs: 0 };
      e.count++;
      e.totalMs += performance.now() - t0;
      seen.set(label(sql), e);
    });
  };
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);
  const target = db as { -readonly [K in keyof SqlDriver]: SqlDriver[K] };
  target.query = (sql, params, options) => timed(sql, () => query(sql, params, options));
  target.transaction = (fn) =>
    timed("(transaction)", () => transaction((tx) => fn({ query: (sql, params, options) => timed(sql, () => tx.query(sql, params, options)), exec: (sql) => tx.exec(sql) })));
  const tryLock = db.tryLock.bind(db);
  target.tryLock = (key) =>
    timed("(tryLock)", async () => {
      const release = await tryLock(key);
      return release && ((check) => timed("(unlock)", () => release(check)));
    });
  return () => [...seen.entries()].map(([sql, e]) => ({ sql, ...e })).sort((a, b) => b.count - a.count);
}
