import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createBot } from "../src/dialog/bot.js";
import { staticKnowledge } from "../src/nlu/knowledge-source.js";
import { loadConfig, PACKAGE_ROOT } from "../src/config.js";
import { loadKnowledge } from "../src/knowledge/loader.js";
import { silentLogger } from "../src/logger.js";
import { openStorage, type StorageTarget } from "../src/storage/open-storage.js";
import { createPgDriver } from "../src/storage/pg-driver.js";
import { benchCommand } from "./command.js";
import { startCost, startProfile } from "./cost.js";
import type { InFlightFigures } from "./in-flight.js";
import { saveAndCompare, startRun } from "./results.js";
import { WARMUP_TURNS, workload } from "./workload.js";

const BIN = join(PACKAGE_ROOT, "src", "bin.js");



export interface BenchFigures {
  store: string;
  turns: number;
  firstTurnMs: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  /** Percentiles of each turn's own CPU time (process.cpuUsage around it), ms: a p99 the machine's load moves less. */
  cpuP50Ms: number;
  cpuP99Ms: number;
  /** CPU time of this process per timed turn (user + system), µs: the load-independent figure. */
  cpuUsPerTurn: number;
  /** CPU time of the PostgreSQL backends per timed turn, µs; null on PGlite. */
  serverCpuUsPerTurn: number | null;
  statementsPerTurn: number;
  roundTripsPerTurn: number;
  transactionsPerTurn: number;
}

/** Runs the workload through bot.handle on one store, in this process. */
export async function measureTurns(target: StorageTarget, turns: number, conversations: number, label: string, options: { profile?: string; warmup?: number } = {}): Promise<BenchFigures> {
  const config = loadConfig();
  const { kb } = loadKnowledge(config.knowledgeDir);
  const storage = await openStorage(target);
  const bot = createBot({ store: storage.store, knowledge: staticKnowledge(kb), logger: silentLogger });
  const latencies: number[] = [];
  const cpuTimes: number[] = [];
  const work = workload(turns, conversations);
  let firstTurnMs = 0;
  let started = 0;
  let cost: Awaited<ReturnType<Awaited<ReturnType<typeof startCost>>["stop"]>> | undefined;
  // Sampled, not getrusage's maxRSS: on Linux that survives exec and would report the parent's peak.
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  try {
    for (const [i, w] of workload(options.warmup ?? WARMUP_TURNS, 20).entries()) {
      const t0 = performance.now();
      await bot.handle({ id: `warmup-${i}`, channel: "test", conversation: `warmup-${w.conversation}`, sender: w.conversation, text: w.text, receivedAt: new Date() });
      if (i === 0) firstTurnMs = performance.now() - t0;
    }
    const profiler = options.profile ? await startProfile() : undefined;
    const meter = await startCost(storage.driver);
    started = performance.now();
    for (const [i, w] of work.entries()) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await bot.handle({ id: `bench-${i}`, channel: "test", conversation: w.conversation, sender: w.conversation, text: w.text, receivedAt: new Date() });
      latencies.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
      if (i % 20 === 0) sample();
    }
    cost = await meter.stop();
    await profiler?.stop(options.profile as string);
    sample();
  } finally {
    await storage.close();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const pctOf = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  const pct = (p: number) => pctOf(latencies, p);
  return {
    store: label,
    turns,
    firstTurnMs,
    turnsPerSecond: turns / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuP50Ms: pctOf(cpuTimes, 0.5),
    cpuP99Ms: pctOf(cpuTimes, 0.99),
    peakRssMb: peakRss / 1024 / 1024,
    cpuUsPerTurn: (cost?.cpuUs ?? 0) / turns,
    serverCpuUsPerTurn: cost?.serverCpuUs == null ? null : cost.serverCpuUs / turns,
    statementsPerTurn: (cost?.sql.statements ?? 0) / turns,
    roundTripsPerTurn: (cost?.sql.roundTrips ?? 0) / turns,
    transactionsPerTurn: (cost?.sql.transactions ?? 0) / turns,
  };
}

/** The measured process of `npm run bench -- worker`: one store's figures as JSON on stdout. */
export async function runTurnsWorker(store: "pglite" | "postgres", opts: { turns: number; conversations: number; dataDir?: string; profile?: string; warmup?: number }): Promise<void> {
  const db = loadConfig().database;
  const target: StorageTarget = store === "postgres" && db.kind === "postgres" ? db : { kind: "pglite", dataDir: opts.dataDir };
  const figures = await measureTurns(target, opts.turns, opts.conversations, store, { profile: opts.profile, warmup: opts.warmup });
  process.stdout.write(JSON.stringify(figures));
}

/** Runs `npm run bench -- worker …` in a fresh process so its memory figure is its own. */
function runWorker(args: string[], env: NodeJS.ProcessEnv): Promise<BenchFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, benchCommand("worker", ...args), { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as BenchFigures) : reject(new Error(`bench worker exited with ${code}`))));
  });
}

/** CPU seconds (user + system) a live process has used so far, from /proc; 0 where there is none. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Seconds from spawning `rotabot chat` until its first reply is printed, and the CPU seconds it used until then. */
function timeToFirstReply(dataDir: string): Promise<{ seconds: number; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, "chat"], {
      env: { ...process.env, ROTABOT_DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    let elapsed = 0;
    let cpuSeconds = 0;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!elapsed && out.includes("rotabot ›")) {
        elapsed = (performance.now() - t0) / 1000;
        cpuSeconds = processCpuSeconds(child.pid);
        child.stdin.end();
      }
    });
    child.stdin.write("hello\n");
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 && elapsed ? resolve({ seconds: elapsed, cpuSeconds }) : reject(new Error(`chat exited with ${code}`))));
  });
}

export async function runBench(opts: {
  turns: number;
  conversations: number;
  webhooks?: boolean;
  webhookSeconds?: number;
  telegramSeconds?: number;
  webhookRate?: number;
  /** Only the Slack figures (`--slack`); `slack: false` skips them. */
  slackOnly?: boolean;
  slack?: boolean;
  slackLeads?: number;
  /** The inbox worker with conversations in flight, and two processes on PostgreSQL (default on). */
  inFlight?: boolean;
  concurrency?: number;
  /** Untimed turns before each measured process's timed ones (default 200). */
  warmup?: number;
  saveBaseline?: boolean;
}): Promise<void> {
  const slackBench = async () => {
    const { runSlackBench } = await import("./slack.js");
    await runSlackBench({ leads: opts.slackLeads ?? 30, outageLeads: 200 }, console.log);
  };
  if (opts.slackOnly) return slackBench();
  const config = loadConfig();
  const warmup = opts.warmup ?? WARMUP_TURNS;
  const run = startRun(warmup);
  const print = (f: BenchFigures) =>
    console.log(
      `${f.store.padEnd(18)} ${f.turns} turns  ${f.turnsPerSecond.toFixed(0).padStart(5)} turns/s  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms  ` +
        `peak RSS ${f.peakRssMb.toFixed(0)} MB  (first turn of the process ${f.firstTurnMs.toFixed(1)} ms)\n` +
        `${"".padEnd(18)} per turn: CPU ${(f.cpuUsPerTurn / 1000).toFixed(2)} ms (p50 ${f.cpuP50Ms.toFixed(2)}, p99 ${f.cpuP99Ms.toFixed(2)})` +
        (f.serverCpuUsPerTurn === null ? "" : ` + server ${(f.serverCpuUsPerTurn / 1000).toFixed(2)} ms`) +
        `  SQL ${f.statementsPerTurn.toFixed(2)} statements, ${f.roundTripsPerTurn.toFixed(2)} round trips, ${f.transactionsPerTurn.toFixed(2)} transactions`,
    );
  const printInFlight = (label: string, f: InFlightFigures) =>
    console.log(
      `${label.padEnd(18)} ${f.turns} turns, ${f.concurrency} in flight × ${f.processes} process${f.processes > 1 ? "es" : ""}  ${f.turnsPerSecond.toFixed(0).padStart(5)} turns/s\n` +
        `${"".padEnd(18)} per turn: CPU ${(f.cpuUsPerTurn / 1000).toFixed(2)} ms` +
        (f.serverCpuUsPerTurn === null ? "" : ` + server ${(f.serverCpuUsPerTurn / 1000).toFixed(2)} ms`) +
        `  SQL ${f.statementsPerTurn.toFixed(2)} statements, ${f.roundTripsPerTurn.toFixed(2)} round trips, ${f.transactionsPerTurn.toFixed(2)} transactions`,
    );
  const turnArgs = ["--turns", String(opts.turns), "--conversations", String(opts.conversations), "--warmup", String(warmup)];
  const flightArgs = ["--turns", String(opts.turns), "--conversations", String(Math.max(opts.conversations, 1000)), "--concurrency", String(opts.concurrency ?? 16), "--warmup", String(warmup)];
  const tmp = mkdtempSync(join(tmpdir(), "rotabot-bench-"));
  try {
    console.log(
      `rotabot bench: ${opts.turns} turns over ${opts.conversations} conversations through bot.handle, after ${warmup} untimed warm-up turns; node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    // Create the on-disk database first, so the measured process reopens it as a deployment does.
    const dataDir = join(tmp, "pglite");
    await (await openStorage({ kind: "pglite", dataDir })).close();
    const pglite = await runWorker(["--store", "pglite", "--data-dir", dataDir, ...turnArgs], { ...process.env, DATABASE_URL: "" });
    print({ ...pglite, store: "pglite (on disk)" });
    run.add("pglite", pglite);
    if (opts.inFlight !== false) {
      const flight = await runJson<InFlightFigures>(["in-flight-worker", "--store", "pglite", "--data-dir", join(tmp, "pglite-flight"), ...flightArgs], { ...process.env, DATABASE_URL: "" });
      printInFlight("pglite inbox", flight);
      run.add("pglite.inFlight", flight);
    }

    if (config.database.kind === "postgres") {
      const dbName = `rotabot_bench_${process.pid}`;
      const admin = createPgDriver({ connectionString: config.database.url, max: 1 });
      const url = new URL(config.database.url);
      url.pathname = `/${dbName}`;
      const env = { ...process.env, DATABASE_URL: url.toString() };
      const fresh = async () => {
        await admin.exec(`DROP DATABASE IF EXISTS ${dbName}`);
        await admin.exec(`CREATE DATABASE ${dbName}`);
        // Migrate once, so that parallel processes do not race to create the tables.
        await (await openStorage({ kind: "postgres", url: url.toString() })).close();
      };
      try {
        await fresh();
        const pg = await runWorker(["--store", "postgres", ...turnArgs], env);
        print({ ...pg, store: "postgresql" });
        run.add("postgres", pg);
        if (opts.inFlight !== false) {
          await fresh();
          const flight = await runJson<InFlightFigures>(["in-flight-worker", "--store", "postgres", ...flightArgs], env);
          printInFlight("postgresql inbox", flight);
          run.add("postgres.inFlight", flight);
          await fresh();
          const { measureProcesses } = await import("./in-flight.js");
          const two = await measureProcesses(env, { processes: 2, turns: opts.turns, conversations: Math.max(opts.conversations, 1000), concurrency: opts.concurrency ?? 16 });
          printInFlight("postgresql inbox", two);
          run.add("postgres.twoProcesses", two);
        }
      } finally {
        await admin.exec(`DROP DATABASE IF EXISTS ${dbName}`);
        await admin.close();
      }
    } else {
      console.log("postgresql             skipped (set DATABASE_URL to include it)");
    }

    const chatDir = join(tmp, "chat");
    // `rotabot` runs dist/ when it is as new as the sources (npm install builds it), and the sources through tsx
    // otherwise: build first, so that the start measured is the one an installed copy makes.
    const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    if (build.status !== 0) console.log("console chat start     (npm run build failed: the start below ran the sources through tsx)");
    const cold = await timeToFirstReply(chatDir);
    const warm = await timeToFirstReply(chatDir);
    console.log(
      `console chat start     cold ${cold.seconds.toFixed(2)} s (new data directory)  warm ${warm.seconds.toFixed(2)} s (time to first reply; CPU ${warm.cpuSeconds.toFixed(2)} s)`,
    );
    run.add("chat", { coldSeconds: cold.seconds, warmSeconds: warm.seconds, warmCpuSeconds: warm.cpuSeconds });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (opts.webhooks !== false) {
    const { runWebhookBench } = await import("./webhooks.js");
    const hooks = await runWebhookBench({ seconds: opts.webhookSeconds ?? 20, telegramSeconds: opts.telegramSeconds ?? 3, rate: opts.webhookRate ?? 200, chats: 500 }, console.log);
    for (const h of hooks) run.add(`webhook.${h.store}.${h.channel}`, { ackP50Ms: h.ackP50Ms, ackP99Ms: h.ackP99Ms, turnsPerSecond: h.turnsPerSecond, lost: h.lost, duplicates: h.duplicates });
  }
  saveAndCompare(run.finish(), console.log, { saveBaseline: opts.saveBaseline });
  if (opts.slack !== false) await slackBench();
}

/** Runs `npm run bench -- <args>` in a fresh process and parses the JSON it prints. */
function runJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, benchCommand(...args), { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`bench ${args[0]} exited with ${code}`))));
  });
}
