import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot, type Bot } from "../../src/dialog/bot.js";
import { fixedClock } from "../../src/core/clock.js";
import { staticKnowledge } from "../../src/nlu/knowledge-source.js";
import type { Inbound } from "../../src/core/model.js";
import { LEAD_PAYLOAD } from "../../src/leads/form.js";
import { createLogger } from "../../src/logger.js";
import type { SqlDriver, SqlExecutor } from "../../src/storage/driver.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { realKnowledge } from "../helpers/bot.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";

const kb = realKnowledge();
const config = kb.leads!;
const m = config.messages;
/** Canary values: they must reach the lead row and never a log line. */
const NAME = "Zorblatt Canaryson";
const EMAIL = "zorblatt.canary@example.com";
const PHONE_TYPED = "+91 98765 43210";
const PHONE = "+919876543210";

describe.each(databaseKinds)("the lead form through bot.handle on $name", ({ create }) => {
  let db: TestDatabase;
  let bot: Bot;
  const logs: string[] = [];
  const clock = fixedClock("2026-11-22T10:00:00Z");
  let n = 0;
  beforeAll(async () => {
    db = await create();
    const logger = createLogger("info", new Writable({ write: (chunk, _e, done) => (logs.push(String(chunk)), done()) }));
    bot = createBot({ store: createSqlStore(db.driver), knowledge: staticKnowledge(kb), clock, logger });
  });
  afterAll(() => db?.dispose());

  const say = async (conversation: string, text: string, payload?: string, b: Bot = bot) => {
    const inbound: Inbound = { id: `lf-${++n}`, channel: "test", conversation, sender: conversation, text, payload, receivedAt: clock.now() };
    const r = await b.handle(inbound);
    return { ...r, text: r.replies.map((x) => x.text).join("\n\n"), messageId: inbound.id };
  };
  const q = <R = Record<string, unknown>>(sql: string, params: unknown[] = []) => db.driver.query<R>(sql, params).then((r) => r.rows);
  const leadOf = async (conversation: string) => (await q<Record<string, unknown>>("SELECT * FROM leads WHERE sender = $1 ORDER BY id DESC LIMIT 1", [conversation]))[0];
  const outboxOf = (leadId: unknown) => q<{ dedupe_key: string; payload: { kind: string; from?: string; text?: string } }>("SELECT dedupe_key, payload FROM outbox WHERE channel = 'slack' AND conversation = $1 ORDER BY id", [`lead:${leadId}`]);

  /** Runs the whole form with consent granted, up to the answer before the last. */
  async function throughContact(c: string, email = EMAIL) {
    await say(c, "I want to talk to a counselor");
    await say(c, "", LEAD_PAYLOAD.yes);
    await say(c, NAME);
    await say(c, email);
  }

  it("consent accepted: asks name, contact, best time, status, specialty and start, then queues the lead with its card in the outbox", async () => {
    const c = "accept";
    const first = await say(c, "I want to talk to a counselor");
    expect(first.text).toContain(config.consent.text);
    expect(first.lead?.status).toBe("collecting");
    expect(first.replies.at(-1)?.quickReplies?.map((x) => x.payload)).toEqual([LEAD_PAYLOAD.yes, LEAD_PAYLOAD.no, LEAD_PAYLOAD.stop]);
    expect((await say(c, "", LEAD_PAYLOAD.yes)).text).toBe(m.ask_name);
    expect((await say(c, NAME)).text).toBe(m.ask_contact);
    expect((await say(c, PHONE_TYPED)).text).toBe(m.ask_best_time);
    expect((await say(c, "weekday evenings")).text).toBe(m.ask_status);
    expect((await say(c, "I'm a graduate")).text).toBe(m.ask_specialty);
    expect((await say(c, "internal medicine")).text).toBe(m.ask_target_start);
    const done = await say(c, "March 2027");
    expect(done.lead?.status).toBe("queued");
    expect(done.text).toContain(PHONE);
    expect(done.text).not.toMatch(/connecting you now/i);

    const lead = await leadOf(c);
    expect(lead).toMatchObject({ status: "queued", consent: "granted", name: NAME, contact_kind: "phone", contact: PHONE, best_time: "weekday evenings", trigger: "asked", step: null });
    expect(lead?.queued_at).not.toBeNull();
    const summary = lead?.summary as { profile: { label: string; value: string }[]; trigger: string; score: number };
    expect(summary.profile).toEqual(expect.arrayContaining([{ label: "Status", value: "graduate" }, { label: "Target specialty", value: "internal medicine" }, { label: "Target start", value: "March 2027" }]));
    expect(summary.trigger).toBe("asked");
    expect(summary.score).toBe(lead?.score);
    const consents = await q("SELECT decision, version, channel FROM consents WHERE sender = $1", [c]);
    expect(consents).toEqual([{ decision: "granted", version: config.consent.version, channel: "test" }]);
    const outbox = await outboxOf(lead?.id);
    expect(outbox).toEqual([{ dedupe_key: `lead:${lead?.id}:card:${lead?.version}`, payload: { kind: "lead_card", leadId: Number(lead?.id) } }]);
  });

  it("queued: answers as usual and mirrors the student's message and the answer into the lead's thread", async () => {
    const c = "accept";
    const lead = await leadOf(c);
    const r = await say(c, "how much does an observership cost?");
    expect(r.intent).toBe("costs");
    expect(r.lead).toEqual({ id: Number(lead?.id), status: "queued" });
    const rows = await outboxOf(lead?.id);
    expect(rows.slice(-2)).toEqual([
      { dedupe_key: `lead:${lead?.id}:in:${r.messageId}`, payload: { kind: "thread", leadId: Number(lead?.id), from: "student", text: "how much does an observership cost?" } },
      { dedupe_key: `lead:${lead?.id}:bot:${r.messageId}`, payload: { kind: "thread", leadId: Number(lead?.id), from: "bot", text: r.text } },
    ]);
    expect((await say(c, "/counselor")).text).toBe(m.already_open);
  });

  it("claimed: the bot stays silent and the student's message goes to the thread; closed gives the conversation back", async () => {
    const c = "accept";
    const lead = await leadOf(c);
    await q("UPDATE leads SET status = 'claimed', claimed_by = 'U1', claimed_at = now(), version = version + 1 WHERE id = $1", [lead?.id]);
    const r = await say(c, "hello, are you there?");
    expect(r.replies).toEqual([]);
    expect(r.lead).toEqual({ id: Number(lead?.id), status: "claimed" });
    const rows = await outboxOf(lead?.id);
    expect(rows.at(-1)).toEqual({ dedupe_key: `lead:${lead?.id}:in:${r.messageId}`, payload: { kind: "thread", leadId: Number(lead?.id), from: "student", text: "hello, are you there?" } });
    await q("UPDATE leads SET status = 'closed', outcome = 'contacted', closed_at = now(), version = version + 1 WHERE id = $1", [lead?.id]);
    const back = await say(c, "how early should I apply?");
    expect(back.intent).toBe("timing");
    expect(back.lead).toBeUndefined();
  });

  it("consent declined: no contact details are asked or stored, the lead is queued chat-only", async () => {
    const c = "decline";
    await say(c, "I'm a final year student interested in pediatrics");
    await say(c, "/counselor");
    const declined = await say(c, "no");
    expect(declined.text).toContain(m.consent_declined);
    expect(declined.text).toContain(m.ask_target_start);
    const done = await say(c, "June 2027");
    expect(done.text).toBe(m.queued_chat);
    const lead = await leadOf(c);
    expect(lead).toMatchObject({ status: "queued", consent: "declined", name: null, contact: null, contact_kind: null, best_time: null });
    expect(await q("SELECT decision FROM consents WHERE sender = $1", [c])).toEqual([{ decision: "declined" }]);
    expect((await outboxOf(lead?.id)).map((r) => r.payload.kind)).toEqual(["lead_card"]);
  });

  it("skips every question the profile already answers", async () => {
    const c = "known";
    await say(c, "I graduated in 2021, I want to do internal medicine, starting in March 2027");
    await say(c, "talk to a counselor");
    await say(c, "yes");
    await say(c, "Ana");
    await say(c, "ana@example.com");
    const last = await say(c, "mornings");
    expect(last.lead?.status).toBe("queued");
    expect(last.text).toContain("ana@example.com");
  });

  it("consent withdrawn: contact details erased, a withdrawn row stored and the card updated (case 27)", async () => {
    const c = "withdraw";
    await throughContact(c);
    await say(c, "", LEAD_PAYLOAD.skip);
    await say(c, "", `${LEAD_PAYLOAD.pick}student`);
    await say(c, "", LEAD_PAYLOAD.skip);
    const done = await say(c, "", LEAD_PAYLOAD.skip);
    expect(done.lead?.status).toBe("queued");
    const before = await leadOf(c);
    expect(before).toMatchObject({ name: NAME, contact: EMAIL });
    const r = await say(c, "please withdraw my consent");
    expect(r.text).toBe(m.consent_withdrawn);
    const after = await leadOf(c);
    expect(after).toMatchObject({ status: "queued", consent: "withdrawn", name: null, contact: null, contact_kind: null, best_time: null, version: Number(before?.version) + 1 });
    expect(await q("SELECT decision FROM consents WHERE sender = $1 ORDER BY id", [c])).toEqual([{ decision: "granted" }, { decision: "withdrawn" }]);
    const cards = (await outboxOf(after?.id)).filter((x) => x.payload.kind === "lead_card").map((x) => x.dedupe_key);
    expect(cards).toContain(`lead:${after?.id}:card:${after?.version}`);
    expect(JSON.stringify(await outboxOf(after?.id))).not.toContain(EMAIL);
  });

  it("stops at any step: the lead is closed as stopped and nothing further is asked", async () => {
    const steps = [
      (c: string) => say(c, "/counselor"),
      (c: string) => say(c, "yes"),
      (c: string) => say(c, NAME),
      (c: string) => say(c, "98765 43210"),
      (c: string) => say(c, "+91"),
      (c: string) => say(c, "evenings"),
      (c: string) => say(c, "student"),
      (c: string) => say(c, "surgery"),
    ];
    const stops = ["stop", "cancel", "never mind", ""];
    for (let at = 1; at <= steps.length; at++) {
      const c = `stop-${at}`;
      for (const step of steps.slice(0, at)) await step(c);
      const word = stops[at % stops.length] as string;
      const r = await say(c, word, word ? undefined : LEAD_PAYLOAD.stop);
      expect(r.text, `stop after ${at} steps`).toBe(m.stopped);
      expect(r.lead?.status).toBe("closed");
      const lead = await leadOf(c);
      expect(lead).toMatchObject({ status: "closed", outcome: "stopped", name: null, contact: null });
      expect(await outboxOf(lead?.id)).toEqual([]);
      const next = await say(c, "how early should I apply?");
      expect(next.intent).toBe("timing");
      expect(next.text).not.toContain(m.ask_name);
    }
  });

  it("re-asks an invalid email or phone without failing the turn", async () => {
    const c = "invalid";
    await say(c, "/counselor");
    await say(c, "yes");
    await say(c, "Sam");
    expect((await say(c, "sam@nowhere")).text).toContain(m.invalid_email);
    expect((await say(c, "my number is 12")).text).toContain(m.invalid_contact);
    expect((await say(c, "sam@example.org")).text).toBe(m.ask_best_time);
    expect(await leadOf(c)).toMatchObject({ status: "collecting", step: "best_time", contact: "sam@example.org" });
  });

  it("strong intent: answers the question first, then offers a counselor; yes starts the form", async () => {
    const c = "strong";
    const r = await say(c, "how do I pay the VSLO fee?");
    expect(r.intent).toBe("costs");
    expect(r.text).toContain(kb.byId.get("costs-vslo-fee")?.body.split("\n")[0]);
    expect(r.text).toContain(m.offer);
    expect(r.lead).toBeUndefined();
    const yes = await say(c, "", LEAD_PAYLOAD.yes);
    expect(yes.text).toBe(config.consent.text);
    expect(await leadOf(c)).toMatchObject({ trigger: "strong_intent", status: "collecting" });
    // Offered once per conversation.
    await say(c, "stop");
    expect((await say(c, "I want to book an observership")).text).not.toContain(m.offer);
  });

  it("two failed turns in a row: the counselor offer's button starts the form with trigger repeated_misses", async () => {
    const c = "misses";
    await say(c, "asdfgh");
    const second = await say(c, "qwerty zxcv");
    expect(second.text).toContain(kb.messages.offer_counselor);
    await say(c, kb.messages.counselor_button, "/counselor");
    const lead = await leadOf(c);
    expect(lead).toMatchObject({ trigger: "repeated_misses", status: "collecting", step: "consent" });
  });

  it("the score crossing its threshold offers a counselor once", async () => {
    const c = "score";
    const r1 = await say(c, "I'm a graduate, I passed step 1");
    expect(r1.text).not.toContain(m.offer);
    const r2 = await say(c, "I want to start in January 2027 in internal medicine, how much does an observership cost?");
    expect(r2.text).toContain(m.offer);
    const r3 = await say(c, "no");
    expect(r3.text).toBe(m.offer_declined);
    expect(await leadOf(c)).toBeUndefined();
    expect((await say(c, "what about externships?")).text).not.toContain(m.offer);
  });

  it("writes the queued lead and its card in one transaction: if the card cannot be written, neither is", async () => {
    const c = "atomic";
    await throughContact(c);
    await say(c, "evenings");
    await say(c, "graduate");
    await say(c, "pediatrics");
    const failing = failOnCard(db.driver);
    const broken = createBot({ store: createSqlStore(failing), knowledge: staticKnowledge(kb), clock });
    await expect(say(c, "May 2027", undefined, broken)).rejects.toThrow(/card write refused/);
    const lead = await leadOf(c);
    expect(lead).toMatchObject({ status: "collecting", step: "target_start", summary: null });
    expect(await outboxOf(lead?.id)).toEqual([]);
  });

  it("/forget erases every row of the student, anonymizes the lead, redacts the card and confirms (case 28)", async () => {
    const c = "forget";
    const email = "forget.canary@example.com";
    await throughContact(c, email);
    await say(c, "evenings");
    await say(c, "graduate");
    await say(c, "pediatrics");
    await say(c, "May 2027");
    await say(c, "how much does an observership cost?");
    const lead = await leadOf(c);
    const r = await say(c, "/forget");
    expect(r.text).toBe(kb.messages.forgotten);
    expect(await q("SELECT 1 FROM messages WHERE sender = $1 OR conversation = $1", [c])).toEqual([]);
    expect(await q("SELECT 1 FROM students WHERE sender = $1", [c])).toEqual([]);
    expect(await q("SELECT 1 FROM consents WHERE sender = $1", [c])).toEqual([]);
    expect(await q("SELECT 1 FROM leads WHERE sender = $1 OR conversation = $1", [c])).toEqual([]);
    const after = (await q<Record<string, unknown>>("SELECT * FROM leads WHERE id = $1", [lead?.id]))[0];
    expect(after).toMatchObject({ status: "closed", outcome: "stopped", name: null, contact: null, best_time: null, summary: null, sender: `erased:${lead?.id}` });
    expect(after?.redacted_at).not.toBeNull();
    const rows = await outboxOf(lead?.id);
    expect(rows.map((x) => x.payload.kind)).toEqual(["lead_card", "lead_card"]);
    expect(rows.at(-1)?.dedupe_key).toBe(`lead:${lead?.id}:card:${after?.version}`);
    const everything = JSON.stringify(await q("SELECT * FROM outbox")) + JSON.stringify(await q("SELECT * FROM leads")) + JSON.stringify(await q("SELECT * FROM consents"));
    expect(everything).not.toContain(email);
    expect(everything).not.toContain('"forget"');
  });

  it("through the inbox (messenger channels): replies, lead, consent and card rows are written together with the turn", async () => {
    const inbox = createSqlInbox(db.driver);
    const c = "inbox";
    const process = async (text: string, payload?: string) => {
      const inbound: Inbound = { id: `ib-${++n}`, channel: "telegram", conversation: c, sender: c, text, payload, receivedAt: clock.now() };
      await inbox.accept(inbound);
      return bot.process(inbound);
    };
    expect((await process("/counselor")).lead?.status).toBe("collecting");
    await process("", LEAD_PAYLOAD.no);
    await process("graduate");
    await process("cardiology");
    const done = await process("next month");
    expect(done.lead?.status).toBe("queued");
    const lead = (await q<Record<string, unknown>>("SELECT * FROM leads WHERE channel = 'telegram' AND sender = $1", [c]))[0];
    expect(lead).toMatchObject({ status: "queued", consent: "declined" });
    expect((await outboxOf(lead?.id)).map((r) => r.payload.kind)).toEqual(["lead_card"]);
    const replies = await q<{ payload: { kind: string; reply: { text: string } } }>("SELECT payload FROM outbox WHERE channel = 'telegram' AND conversation = $1 ORDER BY id", [c]);
    expect(replies.at(-1)?.payload.reply.text).toBe(m.queued_chat);
    expect(await q("SELECT status FROM messages WHERE channel = 'telegram' AND sender = $1 AND status <> 'done'", [c])).toEqual([]);
  });

  it("never logs the form's names, emails, phones or texts at info level", () => {
    // Timestamps are digits too: "time":1796299876504 holds "98765" by chance.
    const all = logs.join("").replace(/"time":\d+/g, "");
    expect(all).toContain("lead turn");
    for (const canary of [NAME, "Zorblatt", EMAIL, PHONE, "98765", "weekday evenings"]) expect(all).not.toContain(canary);
  });
});

/** The driver, except that a transaction writing a lead card fails after the lead was updated. */
function failOnCard(driver: SqlDriver): SqlDriver {
  const wrap = (ex: SqlExecutor): SqlExecutor => ({
    query: (sql, params, options) => {
      if (sql.includes("INSERT INTO outbox") && JSON.stringify(params ?? []).includes("lead_card")) return Promise.reject(new Error("card write refused"));
      return ex.query(sql, params, options);
    },
    exec: (sql) => ex.exec(sql),
  });
  return { ...driver, kind: driver.kind, query: driver.query.bind(driver), exec: driver.exec.bind(driver), transaction: (fn) => driver.transaction((tx) => fn(wrap(tx))), tryLock: driver.tryLock.bind(driver), close: driver.close.bind(driver) };
}
