import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { UserFromGetMe } from "grammy/types";
import { RotabotError } from "./core/errors.js";
import type { InboxWorker, WorkerObserver } from "./inbox/inbox-worker.js";
import type { Channel } from "./core/model.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { LlmStatsSnapshot } from "./llm/stats.js";
import type { StorageTarget } from "./storage/open-storage.js";

/** What the thread is started with: plain data only (it is copied to the thread). */
export interface ThreadData {
  config: Readonly<Config>;
  logLevel: string;
  /** The server thread's pseudonym key, so that both threads log an id the same way. */
  logIdKey?: string;
  options: {
    storage?: StorageTarget;
    telegramBotInfo?: UserFromGetMe;
    telegramPerChatMinMs?: number;
    sweepMs?: number;
    watchKnowledge?: boolean;
  };
}

export type ToThread =
  | { type: "notify"; channel: Channel; conversation: string }
  | { type: "idle"; id: number }
  | { type: "status"; id: number }
  | { type: "stop" };

export type FromThread =
  | { type: "ready"; channels: string[] }
  | { type: "fatal"; code: string; name: string; message: string }
  | { type: "log"; line: string }
  | { type: "observe"; what: keyof WorkerObserver; args: unknown[] }
  | { type: "idle"; id: number }
  | { type: "status"; id: number; knowledgeEntries: number }
  | { type: "llm"; snapshot: LlmStatsSnapshot }
  | { type: "webchat"; what: "replied" | "typing"; conversation: string }
  | { type: "stopped" };

export interface ThreadedWorker extends InboxWorker {
  /** The thread runs (it restarts by itself after a crash). */
  readonly running: boolean;
  /** Knowledge entries the thread's bot answers from; 0 while it is not running. */
  knowledgeEntries(): Promise<number>;
  /** Ends the thread at once, as a crash would; it is started again like after a crash. */
  kill(): Promise<void>;
  /** The LLM layer's counters as the thread last sent them (every second), when the layer is on. */
  llmSnapshot(): LlmStatsSnapshot | undefined;
}

/** How long a crashed thread waits before it is started again. */
const RESTART_MS = 1000;

/**
 * Runs the worker runtime (bot, senders, inbox worker) in a worker thread, so
 * that the server thread does nothing but verify, store and acknowledge
 * webhooks: a turn's CPU time never delays an acknowledgement. The thread
 * opens its own database connections (PostgreSQL only: an embedded database
 * belongs to one thread). A crashed thread is started again; the inbox and
 * outbox are in the database, so nothing is lost, and the sweeper picks up
 * what was in flight. Resolves once the thread is ready; throws the thread's
 * start-up error (a broken knowledge file, an unreachable database).
 */
export async function startWorkerThread(
  data: ThreadData,
  options: { logger: Logger; observer?: WorkerObserver; webchatEvents?: { replied(conversation: string): void; typing(conversation: string): void } },
): Promise<ThreadedWorker> {
  const { logger, observer = {} } = options;
  let worker: Worker | undefined;
  let running = false;
  let stopping = false;
  let nextId = 1;
  const waiting = new Map<number, (value: number) => void>();
  let stopped: (() => void) | undefined;
  // Counters of the threads before a crash are kept: a restarted thread counts from zero.
  let llmBefore: LlmStatsSnapshot | undefined;
  let llmNow: LlmStatsSnapshot | undefined;

  const relayLog = (line: string) => {
    try {
      const { level, msg, time: _time, ...rest } = JSON.parse(line) as { level: number; msg?: string; time?: unknown };
      const label = (logger.levels.labels[level] ?? "info") as "info";
      logger[label]({ ...rest, thread: "worker" }, msg);
    } catch {
      logger.warn({ thread: "worker" }, "unreadable log line from the worker thread");
    }
  };

  function spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = newThread(data);
      worker = w;
      let started = false;
      w.on("message", (m: FromThread) => {
        switch (m.type) {
          case "ready":
            started = true;
            running = true;
            resolve();
            break;
          case "fatal": {
            const err = new RotabotError(m.code, m.message);
            err.name = m.name;
            if (!started) reject(err);
            else logger.error({ err: m.message }, "worker thread failed");
            break;
          }
          case "log":
            relayLog(m.line);
            break;
          case "observe":
            (observer[m.what] as ((...a: unknown[]) => void) | undefined)?.(...m.args);
            break;
          case "idle":
          case "status":
            waiting.get(m.id)?.(m.type === "status" ? m.knowledgeEntries : 0);
            waiting.delete(m.id);
            break;
          case "llm":
            llmNow = m.snapshot;
            break;
          case "webchat":
            options.webchatEvents?.[m.what](m.conversation);
            break;
          case "stopped":
            stopped?.();
            break;
        }
      });
      w.on("error", (err) => {
        logger.error({ err: `${err.name}: ${err.message}` }, "worker thread crashed");
        if (!started) reject(err);
      });
      w.on("exit", (code) => {
        running = false;
        if (llmNow) llmBefore = addSnapshots(llmBefore, llmNow);
        llmNow = undefined;
        // Whoever waits for an answer from this thread gets none: let them go.
        for (const r of waiting.values()) r(0);
        waiting.clear();
        stopped?.();
        if (!started) {
          reject(new RotabotError("E_WORKER", `the worker thread exited with code ${code} before it was ready`));
          return;
        }
        if (stopping) return;
        logger.error({ code }, "worker thread exited; starting it again");
        setTimeout(() => {
          if (!stopping) spawn().catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, "worker thread did not restart"));
        }, RESTART_MS).unref();
      });
    });
  }

  function ask(type: "idle" | "status"): Promise<number> {
    if (!worker || !running) return Promise.resolve(0);
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      worker?.postMessage({ type, id } satisfies ToThread);
    });
  }

  await spawn();
  return {
    get running() {
      return running;
    },
    notify(channel, conversation) {
      // A thread that is restarting misses the wake-up; its sweeper finds the message.
      if (running) worker?.postMessage({ type: "notify", channel, conversation } satisfies ToThread);
    },
    // The thread's worker started itself.
    start() {},
    async stop() {
      stopping = true;
      if (!worker || !running) return;
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage({ type: "stop" } satisfies ToThread);
      await done;
      await worker.terminate();
    },
    idle: () => ask("idle").then(() => {}),
    knowledgeEntries: () => ask("status"),
    async kill() {
      await worker?.terminate();
    },
    llmSnapshot: () => (llmNow ? addSnapshots(llmBefore, llmNow) : llmBefore),
  };
}

/**
 * The built thread entry (dist/worker-thread.js) when it exists; from the
 * sources (tsx, tests), the .ts entry loaded through tsx's loader.
 */
function newThread(data: ThreadData): Worker {
  const js = new URL("./worker-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: data });
  const ts = new URL("./worker-thread.ts", import.meta.url).href;
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

function addSnapshots(a: LlmStatsSnapshot | undefined, b: LlmStatsSnapshot): LlmStatsSnapshot {
  if (!a) return b;
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    calls: add(a.calls, b.calls),
    modelCalls: a.modelCalls + b.modelCalls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: a.costUsd + b.costUsd,
    rejections: add(a.rejections, b.rejections),
  };
}
