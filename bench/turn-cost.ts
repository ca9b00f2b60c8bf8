import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { workload } from "./workload.js";

/**
 * `npm run bench -- turn-cost --root <checkout>`: the CPU time per turn of the
 * fixed workload (bench/workload.ts, so the same messages at every commit)
 * through bot.handle of the checkout at `root`, on an in-memory PGlite or on
 * PostgreSQL. It finds the modules where each era of the code kept them, so it
 * runs on old commits too (the bisect in README, Benchmark): a worktree of the
 * commit with this checkout's node_modules linked in.
 */

const firstExisting = (root: string, ...paths: string[]) => {
  const found = paths.map((p) => join(root, p)).find((p) => existsSync(p));
  if (!found) throw new Error(`none of ${paths.join(", ")} in ${root}`);
  return pathToFileURL(found).href;
};

export interface TurnCost {
  root: string;
  store: string;
  turns: number;
  cpuUsPerTurn: number;
  serverCpuUsPerTurn: number | null;
  wallMsPerTurn: number;
  statementsPerTurn: number | null;
}

export async function measureTurnCost(o: { root: string; store: "pglite" | "postgres"; turns: number; warmup: number }): Promise<TurnCost> {
  const root = resolve(o.root);
  const [botMod, ksMod, loaderMod, configMod, loggerMod, storageMod] = await Promise.all(
    [
      firstExisting(root, "src/dialog/bot.ts", "src/core/bot.ts"),
      firstExisting(root, "src/nlu/knowledge-source.ts", "src/core/knowledge-source.ts"),
      firstExisting(root, "src/knowledge/loader.ts"),
      firstExisting(root, "src/config.ts"),
      firstExisting(root, "src/logger.ts"),
      firstExisting(root, "src/storage/open-storage.ts"),
    ].map((u) => import(u)),
  );
  const config = configMod.loadConfig();
  const { kb } = loaderMod.loadKnowledge(join(root, "knowledge"));
  const target = o.store === "postgres" ? { kind: "postgres", url: config.database.url ?? process.env.DATABASE_URL } : { kind: "pglite" };
  const storage = await storageMod.openStorage(target);
  const bot = botMod.createBot({ store: storage.store, knowledge: ksMod.staticKnowledge(kb), logger: loggerMod.silentLogger });
  const turn = (id: string, conversation: string, text: string) =>
    bot.handle({ id, channel: "test", conversation, sender: conversation, text, receivedAt: new Date() });
  try {
    for (const [i, w] of workload(o.warmup, 20).entries()) await turn(`warmup-${i}`, `warmup-${w.conversation}`, w.text);
    // Statements counted by wrapping the driver object (every era's stores hold that object), BEGIN/COMMIT included.
    let statements = 0;
    const driver = storage.driver;
    const query = driver.query.bind(driver);
    const transaction = driver.transaction.bind(driver);
    driver.query = (...args: unknown[]) => {
      statements++;
      return query(...args);
    };
    driver.transaction = (fn: (tx: { query: (...a: unknown[]) => unknown }) => unknown) =>
      transaction((tx: { query: (...a: unknown[]) => unknown; exec: unknown }) => {
        statements += 2;
        return fn({ ...tx, query: (...args: unknown[]) => (statements++, tx.query(...args)) });
      });
    const pids: number[] =
      o.store === "postgres" ? (await storage.driver.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).rows.map((r: { pid: number }) => Number(r.pid)) : [];
    const { readFileSync } = await import("node:fs");
    const serverTicks = () =>
      pids.reduce((sum, pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          return sum + Number(f[11]) + Number(f[12]);
        } catch {
          return sum;
        }
      }, 0);
    const server0 = serverTicks();
    statements = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const [i, w] of workload(o.turns, 200).entries()) await turn(`bench-${i}`, w.conversation, w.text);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      root,
      store: o.store,
      turns: o.turns,
      cpuUsPerTurn: (cpu.user + cpu.system) / o.turns,
      serverCpuUsPerTurn: o.store === "postgres" ? ((serverTicks() - server0) * 10_000) / o.turns : null,
      wallMsPerTurn: wall / o.turns,
      statementsPerTurn: statements / o.turns,
    };
  } finally {
    await storage.close();
  }
}
