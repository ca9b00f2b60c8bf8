import { pathToFileURL } from "node:url";
import { join } from "node:path";

/**
 * `npm run bench -- startup --data-dir <dir>`: what a warm console start spends
 * before its first reply, phase by phase, run one after the other in this
 * process so each phase's CPU time is its own: loading the modules of
 * `rotabot chat` (from dist/, the build `rotabot` runs), reading the knowledge
 * base, training the classifier, opening the on-disk database, the first turn.
 * Prints JSON lines { phase, ms, cpuMs }.
 */
export async function measureStartup(o: { root: string; dataDir: string }): Promise<{ phase: string; ms: number; cpuMs: number }[]> {
  const phases: { phase: string; ms: number; cpuMs: number }[] = [];
  // Everything before this module ran: node itself, tsx, the bench's own CLI.
  phases.push({ phase: "node and the bench's loader (not part of rotabot chat)", ms: performance.now(), cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
  const time = async <T>(phase: string, fn: () => Promise<T> | T): Promise<T> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await fn();
    const c = process.cpuUsage(c0);
    phases.push({ phase, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
    return out;
  };
  const dist = (p: string) => import(pathToFileURL(join(o.root, "dist", p)).href);
  const [main, config, loader, ks, bot, logger, storage] = await time("load the modules (dist/)", () =>
    Promise.all([dist("main.js"), dist("config.js"), dist("knowledge/loader.js"), dist("nlu/knowledge-source.js"), dist("dialog/bot.js"), dist("logger.js"), dist("storage/open-storage.js")]),
  );
  void main; // what cli.ts imports for chat
  // The cache of the checked base (knowledge/cache.ts), where this checkout has one, as `rotabot chat` uses it.
  const cache = await dist("knowledge/cache.js").catch(() => null);
  const load = cache ? cache.cachedKnowledge(loader.loadKnowledge) : loader.loadKnowledge;
  const cfg = config.loadConfig();
  const { kb } = await time(cache ? "read knowledge/ (cached when unchanged)" : "read and validate knowledge/", () => load(cfg.knowledgeDir));
  const knowledge = await time("train the classifier", () => ks.staticKnowledge(kb));
  const opened = await time("open the on-disk database (PGlite) and migrate", () => storage.openStorage({ kind: "pglite", dataDir: o.dataDir }));
  const b = bot.createBot({ store: opened.store, knowledge, logger: logger.silentLogger });
  await time("first turn", () => b.handle({ id: `start-${Date.now()}`, channel: "console", conversation: "start", sender: "start", text: "hello", receivedAt: new Date() }));
  await time("close the database", () => opened.close());
  return phases;
}
