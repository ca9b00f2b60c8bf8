import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeadWebhookRelay, type LeadWebhookRelay } from "../../src/channels/webhook/lead-webhook-relay.js";
import { signLeadEvent, verifyLeadEvent } from "../../src/channels/webhook/signature.js";
import { createBot, type Bot } from "../../src/dialog/bot.js";
import { fixedClock, systemClock } from "../../src/core/clock.js";
import { staticKnowledge } from "../../src/nlu/knowledge-source.js";
import type { Inbound } from "../../src/core/model.js";
import type { LeadDesk, SlackOutbox } from "../../src/leads/desk.js";
import { LEAD_PAYLOAD } from "../../src/leads/form.js";
import { createSqlLeadDesk } from "../../src/storage/sql-lead-desk.js";
import { createSqlSlackOutbox } from "../../src/storage/sql-slack-outbox.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { realKnowledge } from "../helpers/bot.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";
import { startLeadReceiver, type LeadReceiver } from "../helpers/lead-receiver.js";
import { testLogger } from "../helpers/logs.js";
import { insertLead } from "../helpers/leads.js";
import { startTestServer } from "../helpers/server.js";

const SECRET = "crm-shared-secret-0123456789";
const EMAIL = "lead.canary@example.com";
const ana = { id: "UANA00001", name: "ana" };

describe("the lead webhook's signature", () => {
  const body = '{"id":"lead:1:event:2"}';
  const ts = 1_800_000_000;
  it("is HMAC-SHA256 over v1:<timestamp>:<raw body>, as v1=<hex>", () => {
    expect(signLeadEvent(SECRET, ts, body)).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyLeadEvent(SECRET, { signature: signLeadEvent(SECRET, ts, body), timestamp: String(ts) }, body, ts + 10)).toBe(true);
  });
  it("fails for another body, another secret, or a timestamp older than five minutes", () => {
    const signature = signLeadEvent(SECRET, ts, body);
    expect(verifyLeadEvent(SECRET, { signature, timestamp: String(ts) }, `${body} `, ts)).toBe(false);
    expect(verifyLeadEvent("another-secret-0123456789", { signature, timestamp: String(ts) }, body, ts)).toBe(false);
    expect(verifyLeadEvent(SECRET, { signature, timestamp: String(ts) }, body, ts + 301)).toBe(false);
    expect(verifyLeadEvent(SECRET, { timestamp: String(ts) }, body, ts)).toBe(false);
  });
});

describe.each(databaseKinds)("lead events to a CRM on $name", ({ create }) => {
  let db: TestDatabase;
  let bot: Bot;
  let desk: LeadDesk;
  let outbox: SlackOutbox;
  let receiver: LeadReceiver;
  let relay: LeadWebhookRelay;
  const clock = fixedClock("2026-11-22T10:00:00Z");
  let n = 0;
  const say = (conversation: string, text: string, payload?: string) => {
    const inbound: Inbound = { id: `wh-${++n}`, channel: "test", conversation, sender: conversation, text, payload, receivedAt: clock.now() };
    return bot.handle(inbound);
  };
  /** The lead form with consent and an email, to the queued lead; returns its id. */
  const queuedLead = async (c: string) => {
    await say(c, "I want to talk to a counselor");
    await say(c, "", LEAD_PAYLOAD.yes);
    await say(c, "Zorblatt Canaryson");
    await say(c, EMAIL);
    for (let i = 0; i < 4; i++) await say(c, "", LEAD_PAYLOAD.skip);
    const r = await db.driver.query<{ id: number; status: string }>("SELECT id, status FROM leads WHERE sender = $1", [c]);
    expect(r.rows[0]?.status).toBe("queued");
    return Number(r.rows[0]?.id);
  };
  const pending = async () =>
    Number((await db.driver.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE channel = 'webhook' AND status = 'pending'")).rows[0]?.n);
  const drain = async (until: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!(await until())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await relay.tick();
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  beforeAll(async () => {
    db = await create();
    const kb = realKnowledge();
    bot = createBot({ store: createSqlStore(db.driver), knowledge: staticKnowledge(kb), clock, logger: testLogger() });
    desk = createSqlLeadDesk(db.driver);
    outbox = createSqlSlackOutbox(db.driver, "webhook");
    receiver = await startLeadReceiver(SECRET);
    // The relay runs on real time (the receiver checks the timestamp); pacing and backoff are short for the test.
    relay = createLeadWebhookRelay({ outbox, desk, url: receiver.url, secret: SECRET, clock: systemClock, paceMs: 5, maxBackoffMs: 50, logger: testLogger() });
  });
  afterAll(async () => {
    await receiver?.close();
    await db?.dispose();
  });

  it("delivers every lead event once, in order per lead, through an outage of the receiver and a receiver failing after its write", async () => {
    const booked = await queuedLead("wh-booked");
    const forgotten = await queuedLead("wh-forgotten");
    const withdrawn = await queuedLead("wh-withdrawn");
    await drain(async () => (await pending()) === 0, "the three created events");
    expect(receiver.events.map((e) => [e.body.lead.id, e.type])).toEqual([
      [booked, "lead.created"],
      [forgotten, "lead.created"],
      [withdrawn, "lead.created"],
    ]);
    // Consent granted: the CRM gets the contact details and the summary.
    expect(receiver.events[0]?.body.lead).toMatchObject({ status: "queued", consent: "granted", contact: { email: EMAIL }, redacted: false });
    expect(receiver.events[0]?.body.lead.summary).toMatchObject({ trigger: "asked", score: expect.any(Number) });

    // The receiver goes down; the desk and the students go on.
    await receiver.down();
    expect((await desk.claim(booked, ana, new Date(), { text: "claimed" })).ok).toBe(true);
    expect((await desk.close(booked, ana, "booked", new Date(), { text: "closed" })).ok).toBe(true);
    expect((await desk.claim(forgotten, ana, new Date(), { text: "claimed" })).ok).toBe(true);
    expect((await desk.release(forgotten, ana, new Date(), { text: "released" })).ok).toBe(true);
    await say("wh-forgotten", "/forget");
    await say("wh-withdrawn", "please withdraw my consent");
    for (let i = 0; i < 5; i++) {
      await relay.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(receiver.events).toHaveLength(3);
    expect(await pending()).toBe(6);

    // Back up, but the first request is stored and answered 500: the retry is a duplicate the receiver drops.
    await receiver.up();
    receiver.failAfterStoring(1);
    await drain(async () => (await pending()) === 0, "the backlog after the outage");

    const keys = (await db.driver.query<{ dedupe_key: string; status: string }>("SELECT dedupe_key, status FROM outbox WHERE channel = 'webhook' ORDER BY id")).rows;
    expect(keys.every((k) => k.status === "sent")).toBe(true);
    expect(receiver.events.map((e) => e.key).sort()).toEqual(keys.map((k) => k.dedupe_key).sort());
    expect(new Set(receiver.events.map((e) => e.key)).size).toBe(receiver.events.length);
    expect([...receiver.attempts.values()].filter((a) => a > 1)).toEqual([2]);
    expect(receiver.rejected).toBe(0);

    const of = (id: number) => receiver.events.filter((e) => e.body.lead.id === id).map((e) => e.body);
    expect(of(booked).map((b) => [b.type, b.change, b.lead.status])).toEqual([
      ["lead.created", "queued", "queued"],
      ["lead.updated", "claimed", "claimed"],
      ["lead.updated", "closed", "closed"],
    ]);
    expect(of(booked)[2]?.lead).toMatchObject({ outcome: "booked", claimedBy: ana, contact: { email: EMAIL } });
    expect(of(forgotten).map((b) => [b.type, b.change])).toEqual([
      ["lead.created", "queued"],
      ["lead.updated", "claimed"],
      ["lead.updated", "released"],
      ["lead.redacted", "redacted"],
    ]);
    // Forgotten before delivery: the events still to send carry nothing of the student.
    for (const b of of(forgotten).slice(1)) expect(b.lead).toMatchObject({ contact: null, summary: null, redacted: true });
    expect(JSON.stringify(of(forgotten).slice(1))).not.toContain(EMAIL);
    expect(of(withdrawn).map((b) => [b.change, b.lead.consent, b.lead.contact])).toEqual([
      ["queued", "granted", { email: EMAIL, name: "Zorblatt Canaryson" }],
      ["consent_withdrawn", "withdrawn", null],
    ]);
    // Each event's id is its idempotency key, and the same on every attempt.
    for (const e of receiver.events) expect(e.body.id).toBe(e.key);
  });

  it("gives up an event the receiver keeps refusing (a wrong secret: 401) as dead after maxAttempts, counted, never sent unsigned", async () => {
    const id = await insertLead(db.driver, { conversation: "wh-refused", at: clock.now() });
    const refusing = await startLeadReceiver(SECRET);
    const strict = createLeadWebhookRelay({ outbox, desk, url: refusing.url, secret: "wrong-secret-0123456789", clock: systemClock, paceMs: 0, maxBackoffMs: 20, maxAttempts: 3 });
    try {
      await desk.close(id, ana, "spam", new Date(), { text: "closed" });
      const deadline = Date.now() + 10_000;
      while ((await pending()) > 0 && Date.now() < deadline) await strict.tick();
      // A wrong secret is answered 401: retried, then dead after maxAttempts, never silently sent.
      const row = (await db.driver.query<{ status: string; attempts: number; last_error: string }>("SELECT status, attempts, last_error FROM outbox WHERE dedupe_key LIKE $1", [`lead:${id}:event:%`])).rows;
      expect(row).toEqual([{ status: "dead", attempts: 3, last_error: "lead webhook answered 401" }]);
      expect(refusing.events).toHaveLength(0);
      expect(refusing.rejected).toBe(3);
      expect((await outbox.counts()).dead).toBeGreaterThanOrEqual(1);
    } finally {
      await refusing.close();
    }
  });
});

describe("rotabot serve without Slack", () => {
  it("relays lead events to LEAD_WEBHOOK_URL", async () => {
    const receiver = await startLeadReceiver(SECRET);
    const t = await startTestServer("pglite", {
      env: { LEAD_WEBHOOK_URL: receiver.url, LEAD_WEBHOOK_SECRET: SECRET },
      serve: { leadWebhookRelay: { pollMs: 20, paceMs: 0 } },
    });
    try {
      expect(t.server.slack).toBeUndefined();
      const id = await insertLead(t.db, { conversation: "serve-webhook" });
      await t.server.storage.desk.close(id, ana, "contacted", new Date(), { text: "closed" });
      await t.until(() => receiver.events.length === 1, "the closed event at the receiver");
      expect(receiver.events[0]?.body).toMatchObject({ type: "lead.updated", change: "closed", lead: { id, outcome: "contacted" } });
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
