import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { loadConfig } from "../src/config.js";
import { botInfo } from "../test/fakes/telegram-api.js";
import { benchCommand } from "./command.js";
import { postAtRate } from "./load.js";
import type { Channel } from "../src/core/model.js";
import { silentLogger } from "../src/logger.js";
import type { SqlDriver } from "../src/storage/driver.js";
import type { StorageTarget } from "../src/storage/open-storage.js";
import { createPgDriver } from "../src/storage/pg-driver.js";
import { formatWebchatFigures, loadWebchat, runWebchatDriver, WEBCHAT_BENCH_ENV } from "./webchat.js";

/**
 * The webhook part of `rotabot bench`: `rotabot serve` in this process, on
 * loopback, with a minimal fake Telegram Bot API and WhatsApp Graph API that
 * answer every send with success and count replies per chat. loadtest posts
 * correctly authenticated updates (a unique update id or wamid each, spread
 * over many chats) at a fixed rate; then the bench waits for the inbox and
 * the outbox to drain and checks that every accepted message got exactly one
 * reply.
 */

const TOKEN = "7000000001:BENCH-token";
const SECRET = "bench_secret-0123456789";
const APP_SECRET = "bench-app-secret";
const PHONE_NUMBER_ID = "100000000000001";
const GRAPH_VERSION = "v21.0";
/** Questions with one reply message each, on both channels. */
const QUESTIONS = ["what is an observership?", "how much does an observership cost?", "what is an externship?", "hello"];


export interface WebhookBenchOptions {
  /** Seconds of load on /whatsapp/webhook. */
  seconds: number;
  /** Seconds of load on /telegram/webhook (its replies leave at Telegram's 30/s). */
  telegramSeconds: number;
  /** Requests per second. */
  rate: number;
  /** Distinct chats the requests are spread over. */
  chats: number;
}

export interface WebhookFigures {
  channel: Channel;
  store: string;
  seconds: number;
  requests: number;
  non2xx: number;
  errors: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** Messages stored (warm-up included), each of which must get one reply. */
  accepted: number;
  /** Replies to the timed load. */
  replies: number;
  /** Replies per second from the start of the load until the last reply. */
  turnsPerSecond: number;
  /** Seconds from the end of the load until the last reply. */
  drainSeconds: number;
  /** Accepted (2xx or stored) but no reply. */
  lost: number;
  duplicates: number;
}

/** What the fake platform APIs counted: replies per `channel:chat`, per channel, and when the last one came (Date.now()). */
interface ReplyCounts {
  replies: Record<string, number>;
  totals: Record<string, number>;
  lastReplyAt: Record<string, number>;
}

/** The fake platform APIs, in a process of their own (as the real ones are elsewhere): every send succeeds. */
interface FakeApis {
  url: string;
  counts(): Promise<ReplyCounts>;
  close(): Promise<void>;
}

/**
 * `npm run bench -- fake-apis`: a minimal fake Telegram Bot API and Graph API
 * that answer every send with success and count the replies; `GET /counts`
 * reports them. Prints its URL, and runs until its standard input closes.
 */
export async function runFakeApis(): Promise<void> {
  const counts: ReplyCounts = { replies: {}, totals: {}, lastReplyAt: {} };
  let messageId = 0;
  const count = (channel: Channel, chat: string) => {
    const key = `${channel}:${chat}`;
    counts.replies[key] = (counts.replies[key] ?? 0) + 1;
    counts.totals[channel] = (counts.totals[channel] ?? 0) + 1;
    counts.lastReplyAt[channel] = Date.now();
  };
  const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      } catch {
        // grammY sends JSON; anything else is answered like an empty call.
      }
      const url = req.url ?? "";
      if (url === "/counts") return json(res, counts);
      const telegram = /^\/bot[^/]+\/([A-Za-z]+)/.exec(url);
      if (telegram) {
        if (telegram[1] === "sendMessage") {
          count("telegram", String(body.chat_id));
          const id = Number(body.chat_id);
          return json(res, { ok: true, result: { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id, type: "private", first_name: "Student" }, text: body.text } });
        }
        return json(res, { ok: true, result: true });
      }
      if (url.startsWith(`/${GRAPH_VERSION}/${PHONE_NUMBER_ID}/messages`)) {
        if (body.status === "read") return json(res, { success: true });
        count("whatsapp", String(body.to));
        return json(res, { messaging_product: "whatsapp", contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: `wamid.BENCH${++messageId}` }] });
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on("end", resolve).on("close", resolve).resume();
  });
  server.closeAllConnections();
  server.close();
}

function startFakeApis(): Promise<FakeApis> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, benchCommand("fake-apis"), { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (!out.includes("\n") || !line) return;
      child.stdout.off("data", onData);
      resolve({
        url: line.trim(),
        counts: async () => (await (await fetch(`${line.trim()}/counts`)).json()) as ReplyCounts,
        close: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.stdin.end();
          }),
      });
    };
    child.stdout.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the fake APIs exited with code ${code} before they listened`)));
  });
}

/** One request body per call: a fresh update id or wamid, the next chat, the next question. */
function requestFactory(channel: Channel, chats: number, start = 0): () => { chat: string; body: string; headers: Record<string, string> } {
  let n = start;
  const chatBase = channel === "telegram" ? 900_000_000 : 15_550_000_000;
  const runId = Date.now().toString(36);
  return () => {
    n++;
    const chat = String(chatBase + (n % chats));
    const text = QUESTIONS[Math.floor(n / chats) % QUESTIONS.length] as string;
    const now = Math.floor(Date.now() / 1000);
    if (channel === "telegram") {
      const body = JSON.stringify({
        update_id: 100_000_000 + n,
        message: { message_id: n, from: { id: Number(chat), is_bot: false, first_name: "Student" }, chat: { id: Number(chat), type: "private", first_name: "Student" }, date: now, text },
      });
      const headers: Record<string, string> = { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET };
      return { chat, body, headers };
    }
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [{
        id: "102290129340398",
        changes: [{
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
            contacts: [{ profile: { name: "Student" }, wa_id: chat }],
            messages: [{ from: chat, id: `wamid.BENCH${runId}${n}`, timestamp: String(now), type: "text", text: { body: text } }],
          },
        }],
      }],
    });
    const signature = `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;
    const headers: Record<string, string> = { "content-type": "application/json", "x-hub-signature-256": signature };
    return { chat, body, headers };
  };
}

/** Drives one channel's webhook, waits for the drain, and checks every accepted message got one reply. */
async function loadChannel(o: {
  channel: Channel;
  store: string;
  url: string;
  seconds: number;
  rate: number;
  chats: number;
  apis: FakeApis;
  db: SqlDriver;
}): Promise<WebhookFigures> {
  const next = requestFactory(o.channel, o.chats);
  const path = `/${o.channel}/webhook`;
  const pendingCount = async () =>
    Number(
      (
        await o.db.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM messages WHERE channel = $1 AND direction = 'in' AND status = 'pending')
                + (SELECT count(*) FROM outbox WHERE channel = $1 AND status = 'pending') AS n`,
          [o.channel],
        )
      ).rows[0]?.n,
    );
  const drained = async (ms: number) => {
    const deadline = Date.now() + ms;
    while ((await pendingCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  };

  // Untimed warm-up (JIT, prepared statements, pools), as in the turn bench; its messages are checked too.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 10; i++) {
        const r = next();
        await fetch(`${o.url}${path}`, { method: "POST", headers: r.headers, body: r.body }).then((res) => res.arrayBuffer());
      }
    }),
  );
  await drained(30_000);
  const repliesBefore = (await o.apis.counts()).totals[o.channel] ?? 0;

  const started = Date.now();
  // The load comes from a process of its own, so that generating it does not slow the server it measures.
  const result = await driveInChild({ channel: o.channel, url: o.url, seconds: o.seconds, rate: o.rate, chats: o.chats, start: 1_000_000 });
  const loadEnded = Date.now();

  // Drained: nothing pending in the inbox or the outbox of this channel.
  await drained(90_000);
  // Longer than a sweep: a late duplicate would arrive now.
  await new Promise((r) => setTimeout(r, 1200));

  const rows = await o.db.query<{ conversation: string; n: number }>(
    "SELECT conversation, count(*) AS n FROM messages WHERE channel = $1 AND direction = 'in' GROUP BY conversation",
    [o.channel],
  );
  const counts = await o.apis.counts();
  let accepted = 0;
  let lost = 0;
  let duplicates = 0;
  for (const row of rows.rows) {
    const expected = Number(row.n);
    const got = counts.replies[`${o.channel}:${row.conversation}`] ?? 0;
    accepted += expected;
    lost += Math.max(0, expected - got);
    duplicates += Math.max(0, got - expected);
  }
  const ok2xx = result["2xx"];
  // A 2xx without a stored row would be a lost message too.
  lost += Math.max(0, ok2xx - accepted);
  const replies = (counts.totals[o.channel] ?? 0) - repliesBefore;
  const lastReply = counts.lastReplyAt[o.channel] ?? loadEnded;
  return {
    channel: o.channel,
    store: o.store,
    seconds: o.seconds,
    requests: result.requests,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ackP50Ms: result.p50,
    ackP99Ms: result.p99,
    accepted,
    replies,
    turnsPerSecond: replies / ((Math.max(lastReply, loadEnded) - started) / 1000),
    drainSeconds: Math.max(0, lastReply - loadEnded) / 1000,
    lost,
    duplicates,
  };
}

interface DriverOptions {
  channel: Channel;
  url: string;
  seconds: number;
  rate: number;
  chats: number;
  /** The first request number: ids must not repeat those of the warm-up. */
  start: number;
}

interface DriverResult {
  requests: number;
  "2xx": number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
}

/**
 * `npm run bench -- webhook-driver`: posts one channel's load at a fixed rate
 * (`postAtRate`, load.ts) and prints the figures as JSON.
 */
export async function runWebhookDriver(o: DriverOptions): Promise<void> {
  if (o.channel === "webchat") return runWebchatDriver({ ...o, channel: "webchat" });
  const next = requestFactory(o.channel, o.chats, o.start);
  const load = await postAtRate({ url: `${o.url}/${o.channel}/webhook`, rate: o.rate, seconds: o.seconds }, next);
  const out: DriverResult = { requests: load.requests, "2xx": load.ok, non2xx: load.non2xx, errors: load.errors, timeouts: 0, p50: load.p50, p99: load.p99 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function driveInChild(o: DriverOptions): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, benchCommand("webhook-driver", JSON.stringify(o)), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as DriverResult);
      } catch {
        reject(new Error(`the load generator exited with code ${code} and no figures`));
      }
    });
  });
}

/** Runs the webhook load on one store: PostgreSQL when DATABASE_URL is set, else PGlite on disk. */
export async function runWebhookBench(opts: WebhookBenchOptions, print: (line: string) => void): Promise<WebhookFigures[]> {
  const database = loadConfig().database;
  const tmp = mkdtempSync(join(tmpdir(), "rotabot-bench-webhooks-"));
  const apis = await startFakeApis();
  let target: StorageTarget;
  let store: string;
  let dropDatabase = async () => {};
  if (database.kind === "postgres") {
    const dbName = `rotabot_bench_webhooks_${process.pid}`;
    const admin = createPgDriver({ connectionString: database.url, max: 1 });
    await admin.exec(`CREATE DATABASE ${dbName}`);
    const url = new URL(database.url);
    url.pathname = `/${dbName}`;
    target = { kind: "postgres", url: url.toString() };
    store = "postgresql";
    dropDatabase = async () => {
      await admin.exec(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.close();
    };
  } else {
    target = { kind: "pglite", dataDir: join(tmp, "pglite") };
    store = "pglite (on disk)";
  }

  const config = loadConfig({
    PORT: "0",
    PUBLIC_URL: "https://rotabot.example.org",
    // The load sends several messages a minute per chat; the per-student limit would answer them with a notice.
    RATE_LIMIT_PER_MINUTE: "10000",
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: apis.url,
    WHATSAPP_ACCESS_TOKEN: "bench-access-token",
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "bench-verify",
    WHATSAPP_API_BASE: `${apis.url}/${GRAPH_VERSION}`,
    ...WEBCHAT_BENCH_ENV,
    ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
    ...(target.kind === "postgres" ? { DATABASE_URL: target.url } : { ROTABOT_DATA_DIR: join(tmp, "data") }),
  });
  const { startServer } = await import("../src/serve.js");
  const server = await startServer(config, { logger: silentLogger, storage: target, host: "127.0.0.1", telegramBotInfo: botInfo, watchKnowledge: false });
  const url = `http://127.0.0.1:${server.port}`;
  const figures: WebhookFigures[] = [];
  try {
    print(
      `webhooks: ${opts.rate} req/s over loopback (loadtest, one request every ${1000 / opts.rate} ms, keep-alive), ${opts.chats} chats, rotabot serve on ${store}, ` +
        `worker concurrency ${config.server.workerConcurrency}, turns in ${server.workerMode === "thread" ? "a worker thread" : "the server's thread"}; Telegram replies paced at its 30/s limit; load generator and fake APIs in processes of their own`,
    );
    for (const [channel, seconds] of [["telegram", opts.telegramSeconds], ["whatsapp", opts.seconds]] as const) {
      const f = await loadChannel({ channel, store, url, seconds, rate: opts.rate, chats: opts.chats, apis, db: server.storage.driver });
      figures.push(f);
      print(formatWebhookFigures(f));
    }
    const web = await loadWebchat({ url, store, seconds: opts.seconds, rate: opts.rate, chats: opts.chats, db: server.storage.driver });
    figures.push(web);
    print(formatWebchatFigures(web));
  } finally {
    await server.close();
    await apis.close();
    await dropDatabase();
    rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

export function formatWebhookFigures(f: WebhookFigures): string {
  return (
    `${`${f.channel} webhook`.padEnd(18)} ${f.seconds} s  ${f.requests} req  ack p50 ${f.ackP50Ms.toFixed(1)} ms  p99 ${f.ackP99Ms.toFixed(1)} ms  ` +
    `non-2xx ${f.non2xx + f.errors}  ${f.turnsPerSecond.toFixed(0)} turns/s (drain ${f.drainSeconds.toFixed(1)} s after the load)  ` +
    `${f.replies} replies  lost ${f.lost}  duplicates ${f.duplicates}${f.ackP99Ms > 50 ? "  (ack p99 over the 50 ms target)" : ""}`
  );
}
