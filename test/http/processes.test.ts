import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqlDriver } from "../../src/storage/driver.js";
import { createPgDriver } from "../../src/storage/pg-driver.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram-api.js";
import { createPostgresTestUrl, postgresUrl } from "../helpers/databases.js";
import { serveEnv, startServeProcess, type ServeProcess } from "../helpers/serve-process.js";
import { TELEGRAM_SECRET } from "../helpers/server.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";

/**
 * rotabot serve as real child processes on one PostgreSQL database: several
 * processes behind one URL, SIGKILL at named points, SIGTERM under load, and
 * the database taken away (through a TCP proxy) under load. Dedupe, order
 * and "nothing lost" must hold across processes because they live in the
 * database, not in memory (RELIABILITY.md cases 8-11).
 */

/** Questions whose answers are told apart by the pattern beside them. */
const QUESTIONS: [string, RegExp][] = [
  ["what is an observership?", /shadowing/],
  ["how much does an observership cost?", /cost nothing or several thousand/],
  ["what is an externship?", /externship is a/],
  ["do I need a visa?", /visitor visa/],
  ["hello", /automated assistant/],
];

/** Env of every process here: no rate limit in the way of load, a quick sweep is the default 1 s. */
const LOAD_ENV = { RATE_LIMIT_PER_MINUTE: "10000" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Posts an update as Telegram does; 0 when the connection failed (refused, reset). */
async function post(url: string, update: object): Promise<number> {
  try {
    const res = await postTelegram(url, update, { secret: TELEGRAM_SECRET });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

let chatSeq = 8_100_000;
let updateSeq = 700_000_000;

describe.skipIf(!postgresUrl)("rotabot serve as separate processes on PostgreSQL", () => {
  let telegram: FakeTelegram;
  let database: { url: string; drop(): Promise<void> };
  let sql: SqlDriver;
  let processes: ServeProcess[];
  let proxy: TcpProxy | undefined;

  beforeEach(async () => {
    telegram = await startFakeTelegram({ perChatMs: 0 });
    database = await createPostgresTestUrl();
    sql = createPgDriver({ connectionString: database.url, max: 2 });
    processes = [];
    proxy = undefined;
  });

  afterEach(async () => {
    for (const p of processes) p.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited));
    await proxy?.close();
    await sql.close();
    await telegram.close();
    await database.drop();
  });

  const start = async (env: Record<string, string> = {}, databaseUrl = database.url) => {
    const p = await startServeProcess(serveEnv({ telegram, databaseUrl, env: { ...LOAD_ENV, ...env } }));
    processes.push(p);
    return p;
  };
  const count = async (query: string, params: unknown[] = []) => Number((await sql.query<{ n: number }>(query, params)).rows[0]?.n);
  /** Every sendMessage for the chat that reached the fake, answered or not: what the student may have seen. */
  const deliveries = (chat: number) => telegram.callsTo("sendMessage").filter((c) => String(c.body.chat_id) === String(chat)).length;
  const inbound = (chat: number) => count("SELECT count(*) AS n FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)]);

  it("two processes on one database answer every message once, in update_id order, with duplicates sent to both", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const urls = [a.url, b.url];
    const pick = () => urls[Math.floor(Math.random() * 2)] as string;
    const other = (url: string) => (url === a.url ? b.url : a.url);
    const chats = Array.from({ length: 30 }, () => ++chatSeq);
    let duplicatesPosted = 0;

    // Each chat posts its 5 messages one after the other, as Telegram does; the 30 chats run at once.
    await Promise.all(
      chats.map(async (chat, c) => {
        for (let i = 0; i < 5; i++) {
          const [text] = QUESTIONS[(c + i) % QUESTIONS.length] as [string, RegExp];
          const update = tgText({ chatId: chat, text, updateId: ++updateSeq });
          const first = pick();
          const roll = Math.random();
          if (roll < 0.2) {
            // The same update to both processes at once.
            duplicatesPosted++;
            expect(await Promise.all([post(first, update), post(other(first), update)])).toEqual([200, 200]);
          } else if (roll < 0.4) {
            // Redelivered to the other process after the first one acknowledged it.
            duplicatesPosted++;
            expect(await post(first, update)).toBe(200);
            expect(await post(other(first), update)).toBe(200);
          } else {
            expect(await post(first, update)).toBe(200);
          }
        }
      }),
    );
    expect(duplicatesPosted).toBeGreaterThan(10);

    await until(() => telegram.sent().length >= chats.length * 5, "150 replies", 60_000);
    // Longer than a sweep: a late duplicate would show up now.
    await sleep(1500);
    for (const [c, chat] of chats.entries()) {
      const texts = telegram.sent(chat).map((m) => m.text);
      expect(texts, `chat ${chat}`).toHaveLength(5);
      texts.forEach((text, i) => expect(text, `chat ${chat} reply ${i + 1}`).toMatch((QUESTIONS[(c + i) % QUESTIONS.length] as [string, RegExp])[1]));
      expect(deliveries(chat)).toBe(5);
    }
    expect(telegram.sent()).toHaveLength(150);
    expect(await count("SELECT count(*) AS n FROM messages WHERE direction = 'in'")).toBe(150);
    expect(await count("SELECT count(*) AS n FROM messages WHERE direction = 'in' AND status <> 'done'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE status <> 'sent'")).toBe(0);
  }, 90_000);

  it("case 8: a message stored by a process killed before processing it is answered once after a restart", async () => {
    const a = await start();
    // Replies cannot leave: whatever a's worker gets to, nothing reaches the student.
    telegram.fault({ kind: "hang", method: "sendMessage" });
    const killedChat = ++chatSeq;
    expect(await post(a.url, tgText({ chatId: killedChat, text: "what is an externship?", updateId: ++updateSeq }))).toBe(200);
    a.kill("SIGKILL");
    await a.exited;
    expect(await inbound(killedChat)).toBe(1);

    // And a row exactly as a crashed process leaves it between the INSERT and the 200.
    const orphanChat = ++chatSeq;
    const orphanId = ++updateSeq;
    await sql.query(
      `INSERT INTO messages (channel, conversation, external_id, direction, sender, text, status, seq)
       VALUES ('telegram', $1, $2, 'in', $1, 'how much does an observership cost?', 'pending', $3)`,
      [String(orphanChat), String(orphanId), orphanId],
    );

    telegram.clearFaults();
    await start();
    await until(() => telegram.sent(killedChat).length >= 1 && telegram.sent(orphanChat).length >= 1, "both replies after the restart");
    await sleep(1500);
    expect(telegram.sent(killedChat).map((m) => m.text)).toEqual([expect.stringMatching(/externship is a/)]);
    expect(telegram.sent(orphanChat).map((m) => m.text)).toEqual([expect.stringMatching(/cost nothing or several thousand/)]);
    expect(await count("SELECT count(*) AS n FROM messages WHERE direction = 'in' AND status <> 'done'")).toBe(0);
  }, 60_000);

  it("case 9: SIGKILL while a reply is being sent: delivered after the restart, at most one duplicate per crash", async () => {
    const a = await start();
    const chat = ++chatSeq;
    telegram.fault({ kind: "slow", ms: 5_000, method: "sendMessage", times: 1 });
    expect(await post(a.url, tgText({ chatId: chat, text: "what is an observership?", updateId: ++updateSeq }))).toBe(200);
    // The send has reached Telegram; the outbox row is not marked yet.
    await until(() => deliveries(chat) === 1, "the send to reach the fake");
    expect(await count("SELECT count(*) AS n FROM outbox WHERE conversation = $1 AND status = 'pending'", [String(chat)])).toBe(1);
    a.kill("SIGKILL");
    await a.exited;
    const crashes = 1;

    await start();
    await until(() => telegram.sent(chat).length >= 1, "the reply after the restart");
    await sleep(1500);
    const duplicates = deliveries(chat) - 1;
    console.log(`case 9: ${deliveries(chat)} sendMessage calls for one reply across ${crashes} crash: ${duplicates} duplicate(s)`);
    expect(duplicates).toBeLessThanOrEqual(crashes);
    expect(telegram.sent(chat)).toHaveLength(1);
    expect(telegram.sent(chat)[0]?.text).toMatch(/shadowing/);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE status = 'sent'")).toBe(1);
  }, 60_000);

  it("case 10: SIGTERM under load stops accepting, finishes the turns in flight, exits 0, and loses nothing", async () => {
    const a = await start();
    telegram.fault({ kind: "slow", ms: 200, method: "sendMessage" });
    const acked: { chat: number; updateId: number }[] = [];
    const refused: number[] = [];
    const postTo = async (url: string, chat: number) => {
      const updateId = ++updateSeq;
      const status = await post(url, tgText({ chatId: chat, text: "what is an observership?", updateId }));
      if (status === 200) acked.push({ chat, updateId });
      else refused.push(status);
      return status;
    };
    // 50 messages in flight: stored, most of them still waiting for a worker.
    const chats = Array.from({ length: 50 }, () => ++chatSeq);
    expect(await Promise.all(chats.map((chat) => postTo(a.url, chat)))).toEqual(chats.map(() => 200));

    a.kill("SIGTERM");
    // Traffic keeps coming while it shuts down: never a 200 without a row (checked below).
    let more = true;
    const lateChats: number[] = [];
    const late = (async () => {
      while (more) {
        const chat = ++chatSeq;
        lateChats.push(chat);
        await postTo(a.url, chat);
        await sleep(20);
      }
    })();
    const code = await a.exited;
    more = false;
    await late;
    expect(code).toBe(0);
    expect(a.signal).toBeNull();
    expect(a.stderr()).toContain("rotabot serve stopped");
    // It stopped accepting: the posts after the exit failed to connect.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((s) => s === 0 || s === 503)).toBe(true);

    // Every acknowledged message has its row; every turn it finished has its reply delivered.
    for (const m of acked) expect(await count("SELECT count(*) AS n FROM messages WHERE channel = 'telegram' AND external_id = $1 AND conversation = $2", [String(m.updateId), String(m.chat)])).toBe(1);
    const done = await count("SELECT count(*) AS n FROM messages WHERE direction = 'in' AND status = 'done'");
    expect(await count("SELECT count(*) AS n FROM outbox WHERE status <> 'sent'")).toBe(0);
    expect(telegram.sent()).toHaveLength(done);
    console.log(`case 10: ${acked.length} acknowledged, ${done} answered before the exit, ${acked.length - done} left pending for the next process`);

    telegram.clearFaults();
    await start();
    await until(async () => telegram.sent().length >= acked.length, "a reply to every acknowledged message", 30_000);
    await sleep(1500);
    for (const m of acked) expect(telegram.sent(m.chat), `chat ${m.chat}`).toHaveLength(1);
    expect(telegram.sent()).toHaveLength(acked.length);
  }, 90_000);
  it("case 11: database unreachable under load: 503 while down, never a 200 without a row, back to 200 without a restart, nothing lost", async () => {
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.host = `${proxy.host}:${proxy.port}`;
    const a = await start({ WORKER_CONCURRENCY: "32" }, viaProxy.toString());
    const ready = async () => {
      try {
        return (await fetch(`${a.url}/readyz`)).status;
      } catch {
        return 0;
      }
    };
    expect(await ready()).toBe(200);

    type Post = { chat: number; update: object; updateId: number; sentAt: number; doneAt: number; status: number };
    const posts: Post[] = [];
    // Many chats, few messages each: Telegram's 1 message a second per chat paces the drain after the outage.
    const chats = Array.from({ length: 60 }, () => ++chatSeq);
    let n = 0;
    let loading = true;
    // Steady load: about 30 webhook posts a second, two in flight at a time.
    const lane = async () => {
      while (loading) {
        const chat = chats[n++ % chats.length] as number;
        const updateId = ++updateSeq;
        const update = tgText({ chatId: chat, text: (QUESTIONS[updateId % QUESTIONS.length] as [string, RegExp])[0], updateId });
        const sentAt = Date.now();
        const status = await post(a.url, update);
        posts.push({ chat, update, updateId, sentAt, doneAt: Date.now(), status });
        await sleep(60);
      }
    };
    const load = Promise.all([lane(), lane()]);

    await sleep(1500);
    await proxy.cut();
    const cutAt = Date.now();
    await sleep(300);
    // 0 here means the process died: its stderr says why.
    expect(await ready(), `the process must stay up; its log ends:\n${a.stderr().slice(-1500)}`).toBe(503);
    await sleep(5_500);
    expect(await ready()).toBe(503);
    const restoreAt = Date.now();
    await proxy.restore();
    // Back without a restart of the process.
    await until(async () => (await ready()) === 200, "/readyz 200 after the restore", 15_000);
    await until(() => posts.some((p) => p.sentAt > restoreAt && p.status === 200), "a 200 after the restore", 15_000);
    const firstOkAfter = Math.min(...posts.filter((p) => p.sentAt > restoreAt && p.status === 200).map((p) => p.sentAt));
    await sleep(1500);
    loading = false;
    await load;

    const during = posts.filter((p) => p.sentAt >= cutAt && p.doneAt <= restoreAt);
    const after = posts.filter((p) => p.sentAt >= firstOkAfter);
    console.log(
      `case 11: ${posts.length} posts; ${during.length} while down (statuses ${[...new Set(during.map((p) => p.status))].join(",")}); ` +
        `first 200 ${firstOkAfter - restoreAt} ms after the restore; ${after.length} after it`,
    );
    expect(during.length).toBeGreaterThan(20);
    expect(during.every((p) => p.status === 503)).toBe(true);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((p) => p.status === 200)).toBe(true);
    expect(posts.every((p) => p.status === 200 || p.status === 503)).toBe(true);
    // Still the same process.
    expect(a.kill("SIGCONT")).toBe(true);

    // Every 200 has its row.
    const rows = new Set((await sql.query<{ id: string }>("SELECT external_id AS id FROM messages WHERE direction = 'in'")).rows.map((r) => r.id));
    const acked = posts.filter((p) => p.status === 200);
    expect(acked.filter((p) => !rows.has(String(p.updateId)))).toEqual([]);
    // Telegram redelivers what got a 503.
    for (const p of posts.filter((q) => q.status === 503)) expect(await post(a.url, p.update)).toBe(200);

    const expected = new Map<number, number>();
    for (const p of posts) expected.set(p.chat, (expected.get(p.chat) ?? 0) + 1);
    await until(() => [...expected].every(([chat, n]) => telegram.sent(chat).length >= n), `${posts.length} replies`, 60_000);
    await sleep(1500);
    // A send that reached Telegram while the database was down, and could not be marked, must not go out again.
    const duplicates = [...expected].reduce((sum, [chat, n]) => sum + deliveries(chat) - n, 0);
    console.log(`case 11: ${posts.length} messages, ${duplicates} duplicate replies`);
    expect(duplicates, "duplicate replies: sends that reached Telegram during the outage were sent again after it").toBe(0);
    for (const [chat, n] of expected) expect(telegram.sent(chat), `chat ${chat}`).toHaveLength(n);
    expect(await count("SELECT count(*) AS n FROM messages WHERE direction = 'in' AND status <> 'done'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE status <> 'sent'")).toBe(0);
  }, 90_000);
});
