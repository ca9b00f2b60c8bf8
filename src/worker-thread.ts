/**
 * Entry of the worker thread of `rotabot serve` (see worker-thread-host.ts):
 * runs the worker runtime and talks to the server thread by messages.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerObserver } from "./inbox/inbox-worker.js";
import { RotabotError } from "./core/errors.js";
import { createLogger } from "./logger.js";
import type { FromThread, ThreadData, ToThread } from "./worker-thread-host.js";
import { startWorkerRuntime, type WorkerRuntime } from "./worker-runtime.js";

const port = parentPort;
if (!port) throw new Error("worker-thread.ts runs only as a worker thread");

/**
 * Turns are background work; acknowledging webhooks is what has a deadline. On
 * Linux a thread has its own nice value, so this thread yields the CPU to the
 * server thread when both want it. Elsewhere (no /proc/thread-self) it keeps
 * the process's priority.
 */
const TURN_THREAD_NICE = 10;
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.max(getPriority(tid), TURN_THREAD_NICE));
} catch {
  // Not Linux, or not allowed: same priority as the server thread.
}
const data = workerData as ThreadData;
const post = (m: FromThread) => port.postMessage(m);

// Log lines go to the server thread, which writes them with its own logger (one stream, one format).
const logger = createLogger(data.logLevel, { write: (line: string) => post({ type: "log", line }) }, { idKey: data.logIdKey });
const observer: WorkerObserver = {
  turn: (...args) => post({ type: "observe", what: "turn", args }),
  delivery: (...args) => post({ type: "observe", what: "delivery", args }),
  error: (...args) => post({ type: "observe", what: "error", args }),
};

let runtime: WorkerRuntime | undefined;
/** How often the LLM layer's counters go to the server thread, for /metrics. */
const LLM_STATS_MS = 1000;
let llmTimer: NodeJS.Timeout | undefined;
const sendLlm = (rt: WorkerRuntime) => {
  if (rt.app.llm) post({ type: "llm", snapshot: rt.app.llm.stats.snapshot() });
};
// Messages that arrive while the runtime starts are handled once it runs.
const early: ToThread[] = [];

port.on("message", (m: ToThread) => {
  if (runtime) void handle(runtime, m);
  else early.push(m);
});

async function handle(rt: WorkerRuntime, m: ToThread) {
  switch (m.type) {
    case "notify":
      rt.worker.notify(m.channel, m.conversation);
      break;
    case "idle":
      await rt.worker.idle();
      post({ type: "idle", id: m.id });
      break;
    case "status":
      post({ type: "status", id: m.id, knowledgeEntries: rt.app.knowledge.current().kb.entries.length });
      break;
    case "stop":
      clearInterval(llmTimer);
      sendLlm(rt);
      await rt.close();
      post({ type: "stopped" });
      port?.close();
      break;
  }
}

try {
  const webchatEvents = {
    replied: (conversation: string) => post({ type: "webchat", what: "replied", conversation }),
    typing: (conversation: string) => post({ type: "webchat", what: "typing", conversation }),
  };
  runtime = await startWorkerRuntime(data.config, { ...data.options, logger, observer, webchatEvents });
  post({ type: "ready", channels: runtime.channels });
  const rt = runtime;
  if (rt.app.llm) llmTimer = setInterval(() => sendLlm(rt), LLM_STATS_MS);
  for (const m of early.splice(0)) void handle(runtime, m);
} catch (err) {
  const code = err instanceof RotabotError ? err.code : "E_WORKER";
  post({ type: "fatal", code, name: err instanceof Error ? err.name : "Error", message: err instanceof Error ? err.message : String(err) });
  port.close();
}
