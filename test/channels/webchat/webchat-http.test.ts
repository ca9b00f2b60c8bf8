import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { ALLOWED_ORIGIN, openStream, webchatEnv, webchatSend, webchatSession } from "../../helpers/webchat.js";

/**
 * The web chat's API through rotabot serve, from node: what the widget does,
 * and what a page of another visitor, another site or a flood cannot do.
 */
describe("the web chat API", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: webchatEnv, serve: { webchatPollMs: 100 } });
  });
  afterAll(async () => t?.close());

  it("stores a message, acknowledges it with 202, and streams the reply with its stamp as the event id", async () => {
    const token = await webchatSession(t.url);
    const stream = await openStream(t.url, token);
    expect(stream.status).toBe(200);
    const r = await webchatSend(t.url, token, { text: "How much does an observership cost?" });
    expect(r.status).toBe(202);
    await stream.until((e) => e.some((x) => x.event === "reply"), "the reply");
    const [reply] = stream.replies();
    expect(reply?.text).toMatch(/\$\d/);
    expect(stream.events.find((x) => x.event === "reply")?.id).toBe(String(reply?.seq));
    stream.close();
    const stored = await t.db.query<{ status: string }>("SELECT status FROM messages WHERE channel = 'webchat' AND direction = 'in' AND text LIKE 'How much%'");
    expect(stored.rows.map((x) => x.status)).toEqual(["done"]);
  });

  it("answers a resent message (same id) with 200 and no second reply", async () => {
    const token = await webchatSession(t.url);
    const stream = await openStream(t.url, token);
    expect((await webchatSend(t.url, token, { text: "what is an observership?", id: "same-id-0001" })).status).toBe(202);
    expect((await webchatSend(t.url, token, { text: "what is an observership?", id: "same-id-0001" })).status).toBe(200);
    await stream.until((e) => e.some((x) => x.event === "reply"), "the reply");
    await t.server.worker.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.replies()).toHaveLength(1);
    stream.close();
  });

  it("resumes a stream after the last reply seen (query or Last-Event-ID), and gives the history", async () => {
    const token = await webchatSession(t.url);
    const first = await openStream(t.url, token);
    await webchatSend(t.url, token, { payload: "/start" });
    await first.until((e) => e.some((x) => x.event === "reply"), "the welcome");
    await webchatSend(t.url, token, { text: "how early should I apply for electives?" });
    await first.until((e) => e.filter((x) => x.event === "reply").length >= 2, "two replies");
    first.close();
    const [a, b] = first.replies();
    const byQuery = await openStream(t.url, token, { after: a?.seq });
    const byHeader = await openStream(t.url, token, { lastEventId: String(a?.seq) });
    await byQuery.until((e) => e.some((x) => x.event === "reply"), "the resumed reply");
    await byHeader.until((e) => e.some((x) => x.event === "reply"), "the resumed reply");
    expect(byQuery.replies().map((x) => x.seq)).toEqual([b?.seq]);
    expect(byHeader.replies().map((x) => x.seq)).toEqual([b?.seq]);
    byQuery.close();
    byHeader.close();

    const h = (await (await fetch(`${t.url}/webchat/api/history`, { headers: { authorization: `Bearer ${token}` } })).json()) as { messages: { from: string; text: string }[]; last: number };
    // The opening /start has no text of its own: only its answer shows.
    expect(h.messages.map((m) => m.from)).toEqual(["bot", "visitor", "bot"]);
    expect(h.messages[1]?.text).toBe("how early should I apply for electives?");
    expect(h.last).toBe(b?.seq);
  });

  it("refuses a made-up or altered token, and one visitor's token never reads another's conversation", async () => {
    const mine = await webchatSession(t.url);
    const other = await webchatSession(t.url);
    await webchatSend(t.url, other, { text: "I am a graduate, how much does an externship cost?" });
    await t.server.worker.idle();
    const otherId = other.split(".")[0] as string;
    const forged = `${otherId}.${mine.split(".")[1]}`;
    for (const bad of [forged, `${otherId}.AAAA`, "nonsense", ""]) {
      expect((await fetch(`${t.url}/webchat/api/history?token=${encodeURIComponent(bad)}`)).status).toBe(401);
      expect((await fetch(`${t.url}/webchat/api/history`, { headers: { authorization: `Bearer ${bad}` } })).status).toBe(401);
      expect((await openStream(t.url, bad)).status).toBe(401);
      expect((await webchatSend(t.url, bad, { text: "hi" })).status).toBe(401);
    }
    const h = (await (await fetch(`${t.url}/webchat/api/history?token=${encodeURIComponent(mine)}`)).json()) as { messages: unknown[] };
    expect(h.messages).toEqual([]);
  });

  it("answers a broken request with 400 and a huge one with 413, storing nothing", async () => {
    const token = await webchatSession(t.url);
    const post = (body: string) => fetch(`${t.url}/webchat/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect((await post("{not json")).status).toBe(400);
    expect((await post(JSON.stringify({ token, id: "short", text: "hi" }))).status).toBe(400);
    expect((await post(JSON.stringify({ token, id: "abcdefgh", text: 42 }))).status).toBe(400);
    expect((await post(JSON.stringify({ token, id: "abcdefgh", text: "x".repeat(70_000) }))).status).toBe(413);
  });

  it("lets only the configured origins (and this server's own pages) call it from a browser", async () => {
    const preflight = await fetch(`${t.url}/webchat/api/messages`, { method: "OPTIONS", headers: { origin: ALLOWED_ORIGIN, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const evil = await fetch(`${t.url}/webchat/api/session`, { method: "POST", headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const own = await fetch(`${t.url}/webchat/api/session`, { method: "POST", headers: { origin: t.url } });
    expect(own.status).toBe(201);
    expect(own.headers.get("set-cookie")).toBeNull();
  });

  it("serves the widget gzipped and cacheable, and the demo page with a CSP from WEBCHAT_ORIGINS", async () => {
    const js = await fetch(`${t.url}/webchat/widget.js`, { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect((await js.text()).length).toBeGreaterThan(1000);
    const again = await fetch(`${t.url}/webchat/widget.js`, { headers: { "if-none-match": js.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
    const page = await fetch(`${t.url}/webchat/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/webchat/widget.js"');
    expect(page.headers.get("content-security-policy")).toContain(`frame-ancestors 'self' ${ALLOWED_ORIGIN}`);
  });

  it("erases the conversation on /forget: the history keeps only the confirmation", async () => {
    const token = await webchatSession(t.url);
    const stream = await openStream(t.url, token);
    await webchatSend(t.url, token, { text: "I'm a final-year student. How much does VSLO cost?" });
    await stream.until((e) => e.some((x) => x.event === "reply"), "the answer");
    await webchatSend(t.url, token, { text: "/forget" });
    await stream.until((e) => e.filter((x) => x.event === "reply").length >= 2, "the confirmation");
    stream.close();
    const h = (await (await fetch(`${t.url}/webchat/api/history?token=${encodeURIComponent(token)}`)).json()) as { messages: { from: string; text: string }[] };
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]?.text).toMatch(/erased/);
  });
});

describe("the web chat's limits per client address and per visitor", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: { ...webchatEnv, WEBCHAT_RATE_LIMIT_PER_IP: "4", RATE_LIMIT_PER_MINUTE: "2" } });
  });
  afterAll(async () => t?.close());

  it("answers 429 with Retry-After once an address has spent its budget, storing nothing more", async () => {
    const token = await webchatSession(t.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await webchatSend(t.url, token, { text: `question ${i}` })).status);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.at(-1)).toBe(429);
    const r = await webchatSend(t.url, token, { text: "again" });
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    const n = await t.db.query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE channel = 'webchat' AND direction = 'in'");
    expect(n.rows[0]?.n).toBe(3);
  });
});
