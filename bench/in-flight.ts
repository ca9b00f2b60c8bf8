import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { loadConfig } from "../src/config.js";
import type { Reply } from "../src/core/model.js";
import type { ChannelSender } from "../src/core/ports.js";
import { createBot } from "../src/dialog/bot.js";
import { createInboxWorker } from "../src/inbox/inbox-worker.js";
import { loadKnowledge } from "../src/knowledge/loader.js";
import { silentLogger } from "../src/logger.js";
import { staticKnowledge } from "../src/nlu/knowledge-source.js";
import { openStorage, type StorageTarget } from "../src/storage/open-storage.js";
import { benchCommand } from "./command.js";
import { startCost, traceStatements } from "./cost.js";
import { WARMUP_TURNS, workload } from "./workload.js";

/**
 * The messenger path under load: messages already accepted into the inbox (as
 * the webhooks leave them), then the real inbox worker with `concurrency`
 * conversations in flight (WORKER_CONCURRENCY), each turn through bot.process,
 * its replies through the outbox to a sender that only counts them. This is
 * what `rotabot serve` does per message, minus HTTP and the platform's API.
 */
export interface InFlightFigures {
  store: string;
  turns: number;
  concurrency: number;
  processes: number;
  turnsPerSecond: number;
  cpuUsPerTurn: number;
  serverCpuUsPerTurn: number | null;
  statementsPerTurn: number;
  roundTripsPerTurn: number;
  transactionsPerTurn: number;
  /** Epoch ms of the start and end of the timed part (to combine processes). */
  startedAt: number;
  endedAt: number;
}

interface InFlightOptions {
  turns: number;
  conversations: number;
  concurrency: number;
  /** Distinguishes the conversations of several processes on one database. */
  prefix?: string;
  /** Print each statement's count and time per turn on stderr. */
  trace?: boolean;
  /** Untimed turns first, on conversations of their own (default WARMUP_TURNS). */
  warmup?: number;
  /** Called when the inbox is loaded; the timed part starts when it resolves (a start signal). */
  ready?: () => Promise<void>;
}


export async function measureInFlight(target: StorageTarget, label: string, o: InFlightOptions): Promise<InFlightFigures> {
  const { kb } = loadKnowledge(loadConfig().knowledgeDir);
  // A pool as large as the conversations in flight, as rotabot serve sizes it.
  const storage = await openStorage(target);
  const bot = createBot({ store: storage.store, knowledge: staticKnowledge(kb), logger: silentLogger });
  let replies = 0;
  const sender: ChannelSender = {
    channel: "telegram",
    async send(_conversation: string, _reply: Reply) {
      replies++;
    },
  };
  const worker = createInboxWorker({ bot, inbox: storage.inbox, senders: [sender], logger: silentLogger, concurrency: o.concurrency, settleMs: 0 });
  const prefix = o.prefix ?? "";
  let seq = 0;
  const load = async (items: { conversation: string; text: string }[], tag: string) => {
    for (const [i, w] of items.entries()) {
      const inbound = { id: `${prefix}${tag}-${i}`, channel: "telegram" as const, conversation: `${prefix}${tag}-${w.conversation}`, sender: `${prefix}${tag}-${w.conversation}`, text: w.text, receivedAt: new Date() };
      await storage.inbox.accept(inbound, { seq: seq++ });
    }
    return [...new Set(items.map((w) => `${prefix}${tag}-${w.conversation}`))];
  };
  const drain = async (conversations: string[]) => {
    for (const c of conversations) worker.notify("telegram", c);
    // notify schedules with a zero settle delay: let those timers fire before waiting for idle.
    await new Promise((r) => setTimeout(r, 5));
    await worker.idle();
  };
  try {
    await drain(await load(workload(o.warmup ?? WARMUP_TURNS, 20), "warmup"));
    const conversations = await load(workload(o.turns, o.conversations), "bench");
    await o.ready?.();
    const before = replies;
    const traced = o.trace ? traceStatements(storage.driver) : undefined;
    const meter = await startCost(storage.driver);
    const startedAt = Date.now();
    const t0 = performance.now();
    await drain(conversations);
    const seconds = (performance.now() - t0) / 1000;
    const endedAt = Date.now();
    const cost = await meter.stop();
    for (const t of traced?.() ?? []) process.stderr.write(`${(t.count / o.turns).toFixed(2).padStart(6)} × ${(t.totalMs / t.count).toFixed(2).padStart(6)} ms  ${t.sql}\n`);
    // This process's conversations only: another process may share the database.
    const left = await storage.driver.query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE status = 'pending' AND conversation LIKE $1", [`${prefix}bench-%`]);
    if (Number(left.rows[0]?.n) > 0) throw new Error(`inbox not drained: ${left.rows[0]?.n} messages pending`);
    if (replies - before < o.turns) throw new Error(`only ${replies - before} replies to ${o.turns} turns`);
    return {
      store: label,
      turns: o.turns,
      concurrency: o.concurrency,
      processes: 1,
      turnsPerSecond: o.turns / seconds,
      cpuUsPerTurn: cost.cpuUs / o.turns,
      serverCpuUsPerTurn: cost.serverCpuUs === null ? null : cost.serverCpuUs / o.turns,
      statementsPerTurn: cost.sql.statements / o.turns,
      roundTripsPerTurn: cost.sql.roundTrips / o.turns,
      transactionsPerTurn: cost.sql.transactions / o.turns,
      startedAt,
      endedAt,
    };
  } finally {
    await worker.stop();
    await storage.close();
  }
}

/** `npm run bench -- in-flight-worker`: one process's figures as JSON; with --wait-for-go it starts the timed part on a line on stdin. */
export async function runInFlightWorker(o: { store: "pglite" | "postgres"; dataDir?: string; turns: number; conversations: number; concurrency: number; warmup?: number; prefix?: string; waitForGo?: boolean; trace?: boolean }) {
  const db = loadConfig().database;
  const target: StorageTarget = o.store === "postgres" && db.kind === "postgres" ? db : { kind: "pglite", dataDir: o.dataDir };
  const ready = o.waitForGo
    ? () =>
        new Promise<void>((resolve) => {
          process.stderr.write("ready\n");
          createInterface({ input: process.stdin }).once("line", () => resolve());
        })
    : undefined;
  const figures = await measureInFlight(target, o.store, { ...o, ready });
  process.stdout.write(JSON.stringify(figures));
}

/**
 * Several processes on one PostgreSQL database, each with conversations of its
 * own and `concurrency` in flight, started together once all have loaded their
 * inbox: the combined turns per second from the first start to the last end.
 */
export async function measureProcesses(env: NodeJS.ProcessEnv, o: { processes: number; turns: number; conversations: number; concurrency: number }): Promise<InFlightFigures> {
  const children = Array.from({ length: o.processes }, (_, i) => {
    const args = ["in-flight-worker", "--store", "postgres", "--turns", String(o.turns), "--conversations", String(o.conversations), "--concurrency", String(o.concurrency), "--prefix", `p${i}-`, "--wait-for-go"];
    const child = spawn(process.execPath, benchCommand(...args), { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => (d.toString().includes("ready") ? resolve() : process.stderr.write(d)));
      child.on("exit", (code) => reject(new Error(`in-flight worker exited with ${code} before it was ready`)));
    });
    const done = new Promise<InFlightFigures>((resolve, reject) => {
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as InFlightFigures) : reject(new Error(`in-flight worker exited with ${code}`))));
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end("go\n");
  const all = await Promise.all(children.map((c) => c.done));
  const startedAt = Math.min(...all.map((f) => f.startedAt));
  const endedAt = Math.max(...all.map((f) => f.endedAt));
  const turns = all.reduce((s, f) => s + f.turns, 0);
  const mean = (k: "cpuUsPerTurn" | "statementsPerTurn" | "roundTripsPerTurn" | "transactionsPerTurn") => all.reduce((s, f) => s + f[k] * f.turns, 0) / turns;
  return {
    store: "postgresql",
    turns,
    concurrency: o.concurrency,
    processes: o.processes,
    turnsPerSecond: turns / ((endedAt - startedAt) / 1000),
    cpuUsPerTurn: mean("cpuUsPerTurn"),
    // Each process sees every backend of the database: the server figure is not per process.
    serverCpuUsPerTurn: null,
    statementsPerTurn: mean("statementsPerTurn"),
    roundTripsPerTurn: mean("roundTripsPerTurn"),
    transactionsPerTurn: mean("transactionsPerTurn"),
    startedAt,
    endedAt,
  };
}
