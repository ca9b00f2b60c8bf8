import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { KNOWLEDGE_DIR } from "../helpers/bot.js";
import { postgresUrl } from "../helpers/databases.js";
import { startTestServer, WHATSAPP_APP_SECRET, type TestServer } from "../helpers/server.js";
import { postWhatsApp, waEnvelope, waText } from "../helpers/whatsapp-webhook.js";
import type { ThreadedWorker } from "../../src/worker-thread-host.js";

let student = 15_550_300_000;
const newStudent = () => String(++student);

describe("rotabot serve on the embedded database", () => {
  it("answers in its own thread: the database belongs to one thread", async () => {
    const t = await startTestServer("pglite");
    try {
      expect(t.server.workerMode).toBe("inline");
    } finally {
      await t.close();
    }
  });
});

// A worker thread needs PostgreSQL (its own connections); these run whenever DATABASE_URL is set, as in CI.
describe.skipIf(!postgresUrl)("rotabot serve with a worker thread (PostgreSQL)", () => {
  let t: TestServer;
  const logs: string[] = [];
  beforeAll(async () => {
    t = await startTestServer("postgres", { logger: createLogger("debug", { write: (line: string) => logs.push(line) }) });
  });
  afterAll(async () => t?.close());

  const ask = async (from: string, text: string) => {
    // The fake Graph API keeps Meta's 24-hour window: it must know the student wrote.
    t.graph.noteInbound(from);
    const res = await postWhatsApp(t.url, waEnvelope(waText({ from, text })), { appSecret: WHATSAPP_APP_SECRET });
    expect(res.status).toBe(200);
  };

  it("answers students from a worker thread and reports ready", async () => {
    expect(t.server.workerMode).toBe("thread");
    const from = newStudent();
    await ask(from, "how much does an observership cost?");
    await t.until(() => t.graph.sent(from).length === 1, "the reply");
    expect(JSON.stringify(t.graph.sent(from)[0])).toMatch(/observership/i);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { database: "ok", knowledge: "ok" } });
  });

  it.skipIf(process.platform !== "linux")("runs the turns at a lower priority than the server thread, which acknowledges webhooks", () => {
    // /proc/<pid>/task/<tid>/stat: the 19th field, counted after the command name in parentheses, is the nice value.
    const nice = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]?.split(" ")[16]);
    const threads = readdirSync("/proc/self/task").map((tid) => ({ tid, nice: nice(tid) }));
    expect(threads.find((th) => th.tid === String(process.pid))?.nice).toBe(0);
    expect(threads.filter((th) => th.nice === 10).length).toBeGreaterThanOrEqual(1);
  });

  it("writes the thread's log lines through the server's logger, redacted", async () => {
    await t.server.worker.idle();
    const fromThread = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.thread === "worker");
    expect(fromThread.some((l) => l.msg === "turn done")).toBe(true);
    expect(logs.join("\n")).not.toMatch(/how much does an observership cost/);
  });

  it("counts the thread's turns in /metrics", async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/rotabot_turns_total\{channel="whatsapp",outcome="answered"\} [1-9]/);
  });

  it("starts a crashed thread again, and answers what arrived meanwhile exactly once", async () => {
    const thread = t.server.worker as ThreadedWorker;
    await thread.kill();
    const from = newStudent();
    // Stored while no thread runs: the 200 never waits for the worker.
    await ask(from, "what is an externship?");
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    await t.until(() => thread.running, "the thread to start again", 10_000);
    await t.until(() => t.graph.sent(from).length === 1, "the reply after the restart", 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.graph.sent(from)).toHaveLength(1);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });
});

describe.skipIf(!postgresUrl)("rotabot serve start-up with a worker thread", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotabot-thread-kb-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails with the knowledge file's problem when the thread cannot start", async () => {
    cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
    writeFileSync(join(dir, "costs-overview.md"), "---\nid: costs-overview\n---\nno title\n");
    await expect(startTestServer("postgres", { env: { KNOWLEDGE_DIR: dir } })).rejects.toThrow(/costs-overview\.md:\d+/);
  });
});
