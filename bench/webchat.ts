import { spawn } from "node:child_process";
import type { SqlDriver } from "../src/storage/driver.js";
import { benchCommand } from "./command.js";
import { postAtRate } from "./load.js";
import type { WebhookFigures } from "./webhooks.js";

/**
 * The web chat's part of the webhook load in `rotabot bench`. A driver
 * process plays the browsers: it opens one visitor session and one event
 * stream per chat, posts messages at a fixed rate with loadtest (as the other
 * channels' webhooks are posted), and times each reply from the POST of its
 * message to its arrival on the stream. A reply is checked against the
 * messages stored: none missing, none shown twice.
 */

/** Settings that turn the web chat on in the bench's server; its limits are lifted, as the per-student limit is. */
export const WEBCHAT_BENCH_ENV = { WEBCHAT_SECRET: "bench-webchat-secret-0123456789abcdef", WEBCHAT_RATE_LIMIT_PER_IP: "100000" };

/** Questions with one reply each (as the other channels' bench uses). */
const QUESTIONS = ["what is an observership?", "how much does an observership cost?", "what is an externship?", "hello"];

export interface WebchatFigures extends WebhookFigures {
  /** The failed requests by status code ("-1": no answer, a timeout or a refused connection). */
  failures: Record<string, number>;
  /** From the POST of a message until its reply arrives on the visitor's stream. */
  replyP50Ms: number;
  replyP99Ms: number;
}

interface WebchatDriverOptions {
  channel: "webchat";
  url: string;
  seconds: number;
  rate: number;
  chats: number;
}

interface WebchatDriverResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  failures: Record<string, number>;
  ackP50: number;
  ackP99: number;
  replyP50: number;
  replyP99: number;
  /** Replies to the timed load that arrived, and every distinct reply (warm-up included). */
  replies: number;
  distinct: number;
  duplicates: number;
  warmupSent: number;
  loadStartedAt: number;
  loadEndedAt: number;
  lastReplyAt: number;
}

/** Drives the web chat's load in a process of its own and checks it against the database. */
export async function loadWebchat(o: { url: string; store: string; seconds: number; rate: number; chats: number; db: SqlDriver }): Promise<WebchatFigures> {
  const count = async (sql: string) => Number((await o.db.query<{ n: number }>(sql)).rows[0]?.n);
  const acceptedNow = () => count("SELECT count(*) AS n FROM messages WHERE channel = 'webchat' AND direction = 'in'");
  // Once the load has been sent: wait, as for the other channels, until nothing of the web chat is pending.
  const drained = async () => {
    const deadline = Date.now() + 90_000;
    const pending = () =>
      count(`SELECT (SELECT count(*) FROM messages WHERE channel = 'webchat' AND direction = 'in' AND status = 'pending')
                  + (SELECT count(*) FROM outbox WHERE channel = 'webchat' AND status = 'pending') AS n`);
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return acceptedNow();
  };
  const r = await inChild({ channel: "webchat", url: o.url, seconds: o.seconds, rate: o.rate, chats: o.chats }, drained);
  const accepted = await acceptedNow();
  // A 2xx without a stored row, or a stored message without its reply on the stream, is lost.
  const lost = Math.max(0, accepted - r.distinct) + Math.max(0, r.ok + r.warmupSent - accepted);
  return {
    channel: "webchat",
    store: o.store,
    seconds: o.seconds,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    ackP50Ms: r.ackP50,
    ackP99Ms: r.ackP99,
    accepted,
    replies: r.replies,
    turnsPerSecond: r.replies / ((Math.max(r.lastReplyAt, r.loadEndedAt) - r.loadStartedAt) / 1000),
    drainSeconds: Math.max(0, r.lastReplyAt - r.loadEndedAt) / 1000,
    lost,
    duplicates: r.duplicates,
    failures: r.failures,
    replyP50Ms: r.replyP50,
    replyP99Ms: r.replyP99,
  };
}

export function formatWebchatFigures(f: WebchatFigures): string {
  return (
    `${"webchat POST".padEnd(18)} ${f.seconds} s  ${f.requests} req  ack p50 ${f.ackP50Ms.toFixed(1)} ms  p99 ${f.ackP99Ms.toFixed(1)} ms  ` +
    `non-2xx ${f.non2xx + f.errors}${f.non2xx + f.errors > 0 ? ` ${JSON.stringify(f.failures)}` : ""}  reply on the stream p50 ${f.replyP50Ms.toFixed(0)} ms  p99 ${f.replyP99Ms.toFixed(0)} ms  ${f.turnsPerSecond.toFixed(0)} turns/s ` +
    `(drain ${f.drainSeconds.toFixed(1)} s after the load)  ${f.replies} replies  lost ${f.lost}  duplicates ${f.duplicates}`
  );
}

/**
 * Runs the driver; when it says the load is sent ("loaded"), waits for the
 * server to drain and tells it how many messages were stored, so that it
 * waits for exactly that many replies on its streams.
 */
function inChild(o: WebchatDriverOptions, drained: () => Promise<number>): Promise<WebchatDriverResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, benchCommand("webhook-driver", JSON.stringify(o)), { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes("loaded\n") && out.includes("loaded\n")) {
        drained().then(
          (accepted) => child.stdin.end(`${accepted}\n`),
          () => child.stdin.end("0\n"),
        );
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as WebchatDriverResult);
      } catch {
        reject(new Error(`the web chat load generator exited with code ${code} and no figures`));
      }
    });
  });
}

interface Visitor {
  token: string;
  /** When each timed message was posted, in order; the k-th reply answers the k-th message. */
  sent: number[];
  replies: number[];
  seen: Set<number>;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

/** Reads a visitor's event stream, counting each reply stamp once. */
async function stream(url: string, v: Visitor, counts: { duplicates: number; lastReplyAt: number; distinct: number }, signal: AbortSignal): Promise<void> {
  const r = await fetch(`${url}/webchat/api/stream?token=${encodeURIComponent(v.token)}&after=0`, { signal });
  if (!r.ok || !r.body) throw new Error(`stream: ${r.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          if (!id || !/^event: reply$/m.test(block)) continue;
          const seq = Number(id);
          if (v.seen.has(seq)) counts.duplicates++;
          else {
            v.seen.add(seq);
            counts.distinct++;
            v.replies.push(Date.now());
            counts.lastReplyAt = Date.now();
          }
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
  })();
}

/** `npm run bench -- webhook-driver '{"channel":"webchat",…}'`: the browsers' side of the load; prints its figures as JSON. */
export async function runWebchatDriver(o: WebchatDriverOptions): Promise<void> {
  const abort = new AbortController();
  const counts = { duplicates: 0, lastReplyAt: 0, distinct: 0 };
  const visitors: Visitor[] = [];
  for (let i = 0; i < o.chats; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, o.chats - i) }, async () => {
        const r = await fetch(`${o.url}/webchat/api/session`, { method: "POST" });
        const v: Visitor = { token: ((await r.json()) as { token: string }).token, sent: [], replies: [], seen: new Set() };
        await stream(o.url, v, counts, abort.signal);
        return v;
      }),
    );
    visitors.push(...batch);
  }
  const post = (v: Visitor, id: string, text: string) =>
    fetch(`${o.url}/webchat/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: v.token, id, text }) });
  const until = async (check: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  // Untimed warm-up, as for the other channels; its replies are checked too.
  const warm = visitors.slice(0, 10);
  for (let round = 0; round < 10; round++) await Promise.all(warm.map((v, i) => post(v, `warmup-${round}-${i}`, QUESTIONS[round % QUESTIONS.length] as string).then((r) => r.arrayBuffer())));
  const warmupSent = warm.length * 10;
  await until(() => counts.distinct >= warmupSent, 30_000);
  for (const v of visitors) v.replies = [];

  let n = 0;
  const loadStartedAt = Date.now();
  const load = await postAtRate({ url: `${o.url}/webchat/api/messages`, rate: o.rate, seconds: o.seconds }, () => {
    const v = visitors[n % visitors.length] as Visitor;
    const body = JSON.stringify({ token: v.token, id: `load-${String(n).padStart(8, "0")}`, text: QUESTIONS[Math.floor(n / visitors.length) % QUESTIONS.length] });
    n++;
    v.sent.push(Date.now());
    return { headers: { "content-type": "application/json" }, body };
  });
  const loadEndedAt = Date.now();
  const { ok, non2xx } = load;
  // The bench waits for the server to drain, then says how many messages it stored: one reply each is due.
  process.stdout.write("loaded\n");
  let input = "";
  for await (const chunk of process.stdin) input += String(chunk);
  const stored = Number(input.trim()) || warmupSent + ok;
  await until(() => counts.distinct >= stored, 15_000);
  // Longer than the streams' poll: a late duplicate would arrive now.
  await new Promise((r) => setTimeout(r, 2500));
  abort.abort();

  const latencies = visitors.flatMap((v) => v.replies.slice(0, v.sent.length).map((at, k) => at - (v.sent[k] as number)));
  const out: WebchatDriverResult = {
    requests: load.requests,
    ok,
    non2xx,
    errors: load.errors,
    failures: load.failures,
    ackP50: load.p50,
    ackP99: load.p99,
    replyP50: percentile(latencies, 50),
    replyP99: percentile(latencies, 99),
    replies: visitors.reduce((s, v) => s + v.replies.length, 0),
    distinct: counts.distinct,
    duplicates: counts.duplicates,
    warmupSent,
    loadStartedAt,
    loadEndedAt,
    lastReplyAt: counts.lastReplyAt,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
