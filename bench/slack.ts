import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createSlackApi, createWebClient } from "../src/channels/slack/api.js";
import { createSlackRelay } from "../src/channels/slack/relay.js";
import { fixedClock, systemClock, type Clock } from "../src/core/clock.js";
import { loadConfig } from "../src/config.js";
import type { SqlDriver } from "../src/storage/driver.js";
import { openStorage, type Storage } from "../src/storage/open-storage.js";
import { createPgDriver } from "../src/storage/pg-driver.js";
import { enqueueCard } from "../src/storage/sql-leads.js";

/**
 * The Slack part of `rotabot bench`: the real relay, storage and Web API
 * client against a minimal fake Slack on loopback.
 * 1. Lead-to-card latency with Slack up: leads are written as the turn writes
 *    them (lead row and card row), one every ~1.1 s, and timed until the fake
 *    receives their `chat.postMessage`; the relay paces at Slack's 1/s.
 * 2. Drain after an outage, on a fake clock: Slack refuses connections for 30
 *    simulated minutes while 200 leads are created, then comes back; every
 *    card must arrive once, a second apart.
 */

const TOKEN = "xoxb-bench-token";
const CHANNEL = "CBENCHLEADS";

interface FakeSlack {
  url: string;
  /** Lead id of each posted card, with when it arrived (by `now`). */
  posts: { leadId: number; at: number }[];
  now: () => number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

/** Message timestamps unique across fakes, as Slack's are within a channel. */
let ts = 0;

async function startFakeSlack(now: () => number): Promise<FakeSlack> {
  const fake: FakeSlack = { url: "", posts: [], now, refuse, accept, close: refuse };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const params = new URLSearchParams(body);
      const answer = (payload: object) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer({ ok: false, error: "invalid_auth" });
      if (req.url?.endsWith("/chat.postMessage")) {
        const leadId = Number(/Lead #(\d+)/.exec(params.get("text") ?? "")?.[1]);
        fake.posts.push({ leadId, at: fake.now() });
        return answer({ ok: true, channel: params.get("channel"), ts: `1800000000.${String(++ts).padStart(6, "0")}` });
      }
      return answer({ ok: true });
    });
  });
  let port = 0;
  const listen = () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  await listen();
  port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}/api/`;
  async function refuse() {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  async function accept() {
    await listen();
  }
  return fake;
}

async function insertLead(db: SqlDriver, n: number, at: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ id: number }>(
      `INSERT INTO leads (channel, conversation, sender, status, "trigger", consent, created_at, updated_at)
       VALUES ('telegram', $1, $1, 'queued', 'asked', 'declined', $2, $2) RETURNING id`,
      [`bench-${n}`, at],
    );
    const id = Number(r.rows[0]?.id);
    await enqueueCard(tx, id, 1, at);
    return id;
  });
}

function relayOn(storage: Storage, fake: FakeSlack, clock: Clock, sleep?: (ms: number) => Promise<void>) {
  return createSlackRelay({
    outbox: storage.slackOutbox,
    desk: storage.desk,
    api: createSlackApi(createWebClient(TOKEN, fake.url, 5_000)),
    leadsChannel: CHANNEL,
    clock,
    sleep,
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** A throwaway database: PostgreSQL when DATABASE_URL is set, otherwise PGlite in memory. */
async function withDatabase<T>(fn: (storage: Storage, label: string) => Promise<T>): Promise<T> {
  const db = loadConfig().database;
  if (db.kind !== "postgres") {
    const storage = await openStorage({ kind: "pglite" });
    try {
      return await fn(storage, "PGlite in memory");
    } finally {
      await storage.close();
    }
  }
  const name = `rotabot_bench_slack_${process.pid}`;
  const admin = createPgDriver({ connectionString: db.url, max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(db.url);
    url.pathname = `/${name}`;
    const storage = await openStorage({ kind: "postgres", url: url.toString() });
    try {
      return await fn(storage, "PostgreSQL");
    } finally {
      await storage.close();
    }
  } finally {
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  }
}

export async function runSlackBench(opts: { leads: number; outageLeads: number }, print: (line: string) => void): Promise<void> {
  await withDatabase(async (storage, label) => {
    // 1. Latency with Slack up, real time.
    const fake = await startFakeSlack(() => performance.now());
    const relay = relayOn(storage, fake, systemClock);
    relay.start();
    const latencies: number[] = [];
    try {
      for (let i = 0; i < opts.leads; i++) {
        const t0 = performance.now();
        const id = await insertLead(storage.driver, i, new Date());
        while (!fake.posts.some((p) => p.leadId === id)) await new Promise((r) => setTimeout(r, 2));
        latencies.push((fake.posts.find((p) => p.leadId === id)?.at ?? t0) - t0);
        // Leads arrive a little slower than Slack's 1/s, so each one meets an idle relay.
        await new Promise((r) => setTimeout(r, 1100 - Math.min(1000, performance.now() - t0)));
      }
    } finally {
      await relay.stop();
      await fake.close();
    }
    latencies.sort((a, b) => a - b);
    print(`slack (${label}): lead-to-card latency over ${opts.leads} leads, Slack up: p50 ${pct(latencies, 0.5).toFixed(0)} ms, p99 ${pct(latencies, 0.99).toFixed(0)} ms (target p99 < 1 s)`);

    // 2. A 30-minute outage on a fake clock.
    await storage.driver.query("UPDATE outbox SET status = 'sent' WHERE channel = 'slack' AND status = 'pending'");
    const clock = fixedClock(new Date());
    const down = await startFakeSlack(() => clock.now().getTime());
    const wall = performance.now();
    const outageRelay = relayOn(storage, down, clock, async (ms) => clock.advance(ms));
    try {
      await down.refuse();
      const created: number[] = [];
      const gap = (30 * 60_000) / opts.outageLeads;
      while (created.length < opts.outageLeads) {
        created.push(await insertLead(storage.driver, 100_000 + created.length, clock.now()));
        await outageRelay.tick();
        clock.advance(gap);
      }
      await down.accept();
      const recovered = clock.now().getTime();
      const delivered = () => new Set(down.posts.map((p) => p.leadId)).size;
      const limit = recovered + 3 * 3600_000;
      while (delivered() < created.length && clock.now().getTime() < limit) {
        if ((await outageRelay.tick()) === 0) clock.advance(1000);
      }
      for (let i = 0; i < 60; i++) {
        clock.advance(1000);
        await outageRelay.tick();
      }
      const posts = down.posts;
      const duplicates = posts.length - delivered();
      const gaps = posts.slice(1).map((p, i) => p.at - (posts[i] as { at: number }).at);
      const drainS = ((posts.at(-1)?.at ?? recovered) - recovered) / 1000;
      print(
        `slack (${label}): ${created.length} leads created during a 30-min outage (fake clock): ${delivered()} delivered, ${duplicates} duplicates, ` +
          `drain ${drainS.toFixed(0)} s simulated after recovery (min gap between posts ${Math.min(...gaps)} ms), wall time ${((performance.now() - wall) / 1000).toFixed(1)} s`,
      );
    } finally {
      await down.close().catch(() => {});
    }
  });
}
