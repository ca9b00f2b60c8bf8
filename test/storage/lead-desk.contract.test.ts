import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LeadDesk, SlackOutbox } from "../../src/leads/desk.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createSqlLeadDesk } from "../../src/storage/sql-lead-desk.js";
import { createSqlSlackOutbox } from "../../src/storage/sql-slack-outbox.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";
import { insertLead, insertStudentThreadMessage } from "../helpers/leads.js";

const T0 = new Date("2026-11-22T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ana = { id: "UANA00001", name: "ana" };
const ben = { id: "UBEN00002", name: "ben" };
const notice = (text: string) => ({ text });
let seq = 0;
const conv = () => `desk-${++seq}`;

describe.each(databaseKinds)("the counselor desk on $name", ({ create }) => {
  let db: TestDatabase;
  let desk: LeadDesk;
  let outbox: SlackOutbox;
  const rows = async (conversation: string) =>
    (await db.driver.query<{ dedupe_key: string; channel: string; payload: any }>("SELECT dedupe_key, channel, payload FROM outbox WHERE conversation = $1 ORDER BY id", [conversation])).rows;
  /** A lead whose card is posted. */
  const postedLead = async (conversation = conv(), channel: "telegram" | "whatsapp" = "telegram") => {
    const id = await insertLead(db.driver, { conversation, channel, at: T0 });
    await desk.setCard(id, { channel: "CLEADS0001", ts: `1800000000.${String(id).padStart(6, "0")}` }, T0);
    return { id, conversation, ts: `1800000000.${String(id).padStart(6, "0")}` };
  };

  beforeAll(async () => {
    db = await create();
    desk = createSqlLeadDesk(db.driver);
    outbox = createSqlSlackOutbox(db.driver);
  });
  afterAll(() => db?.dispose());

  it("gives a lead to exactly one of two counselors claiming at once; the other is told who holds it", async () => {
    const { id } = await postedLead();
    const [a, b] = await Promise.all([desk.claim(id, ana, at(1), notice("claimed")), desk.claim(id, ben, at(1), notice("claimed"))]);
    const winners = [a, b].filter((r) => r.ok);
    const losers = [a, b].filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([expect.objectContaining({ ok: false, reason: "already_claimed" })]);
    const lead = await desk.get(id);
    expect(lead?.status).toBe("claimed");
    expect(losers[0]?.lead?.claimedBy?.id).toBe(lead?.claimedBy?.id);
  });

  it("takes a double click as one claim: the second is a no-op, not a refusal", async () => {
    const { id, conversation } = await postedLead();
    const first = await desk.claim(id, ana, at(1), notice("claimed"));
    const second = await desk.claim(id, ana, at(2), notice("claimed"));
    expect(first).toMatchObject({ ok: true, changed: true });
    expect(second).toMatchObject({ ok: true, changed: false });
    expect((await desk.get(id))?.version).toBe(2);
    expect((await rows(conversation)).map((r) => r.dedupe_key)).toEqual([`lead:${id}:student:claimed:2`]);
  });

  it("writes the claim, the card update, the student's notice and the lead webhook's event together", async () => {
    const { id, conversation } = await postedLead();
    const r = await desk.claim(id, ana, at(5), notice("A counselor has picked up your request."));
    expect(r.ok).toBe(true);
    const lead = await desk.get(id);
    expect(lead).toMatchObject({ status: "claimed", claimedBy: ana, version: 2 });
    expect(lead?.claimedAt?.toISOString()).toBe(at(5).toISOString());
    expect((await rows(`lead:${id}`)).map((x) => [x.channel, x.dedupe_key])).toEqual([
      ["slack", `lead:${id}:card:1`],
      ["slack", `lead:${id}:card:2`],
      ["webhook", `lead:${id}:event:2`],
    ]);
    expect((await rows(`lead:${id}`))[2]?.payload).toMatchObject({ kind: "lead_event", leadId: id, change: "claimed", facts: { status: "claimed", version: 2, claimedBy: ana } });
    expect(await rows(conversation)).toEqual([{ dedupe_key: `lead:${id}:student:claimed:2`, channel: "telegram", payload: { kind: "reply", reply: { text: "A counselor has picked up your request." } } }]);
  });

  it("lets only the holder release, and puts the lead back in the queue with a notice", async () => {
    const { id, conversation } = await postedLead();
    await desk.claim(id, ana, at(1), notice("claimed"));
    expect(await desk.release(id, ben, at(2), notice("released"))).toMatchObject({ ok: false, reason: "not_holder" });
    const r = await desk.release(id, ana, at(3), notice("released"));
    expect(r).toMatchObject({ ok: true, changed: true, lead: { status: "queued", claimedBy: null, version: 3 } });
    expect((await rows(conversation)).map((x) => x.dedupe_key)).toContain(`lead:${id}:student:released:3`);
    expect((await rows(`lead:${id}`)).map((x) => x.dedupe_key)).toContain(`lead:${id}:card:3`);
  });

  it("closes with an outcome, tells the student (not a spammer), and refuses to claim a closed lead", async () => {
    const booked = await postedLead();
    await desk.claim(booked.id, ana, at(1), notice("claimed"));
    expect(await desk.close(booked.id, ana, "booked", at(2), notice("closed"))).toMatchObject({ ok: true, lead: { status: "closed", outcome: "booked" } });
    expect((await rows(booked.conversation)).map((x) => x.dedupe_key)).toContain(`lead:${booked.id}:student:closed:3`);
    expect(await desk.claim(booked.id, ben, at(3), notice("claimed"))).toMatchObject({ ok: false, reason: "closed" });
    expect(await desk.close(booked.id, ben, "spam", at(3), notice("closed"))).toMatchObject({ ok: true, changed: false });

    const spam = await postedLead();
    await desk.close(spam.id, ben, "spam", at(1), notice("closed"));
    expect(await rows(spam.conversation)).toEqual([]);
    expect((await desk.get(spam.id))?.claimedBy?.id).toBe(ben.id);
  });

  it("relays a holder's thread reply once, whether it comes as an event, a retry or from the reconciler", async () => {
    const { id, conversation, ts } = await postedLead();
    await desk.claim(id, ana, at(1), notice("claimed"));
    const message = { key: `slack:CLEADS0001:1800000100.000001`, card: { channel: "CLEADS0001", ts }, author: ana, reply: { text: "Hi, I'm Ana." }, at: at(2), claimNotice: notice("claimed") };
    expect(await desk.threadMessage({ ...message, eventId: "Ev1" })).toMatchObject({ outcome: "relayed", claimed: false });
    expect(await desk.threadMessage({ ...message, eventId: "Ev1" })).toEqual({ outcome: "duplicate" });
    expect(await desk.threadMessage(message)).toEqual({ outcome: "duplicate" });
    const relayed = (await rows(conversation)).filter((r) => r.dedupe_key.startsWith("slack:"));
    expect(relayed).toEqual([{ dedupe_key: message.key, channel: "telegram", payload: { kind: "reply", reply: { text: "Hi, I'm Ana." }, leadId: id } }]);
  });

  it("forgets event keys recorded before a date, and only those", async () => {
    const { id, ts } = await postedLead();
    await desk.claim(id, ana, at(1), notice("claimed"));
    const message = (n: number, when: Date) => ({ key: `slack:CLEADS0001:1800000200.00000${n}`, card: { channel: "CLEADS0001", ts }, author: ana, reply: { text: `reply ${n}` }, at: when, claimNotice: notice("claimed") });
    await desk.threadMessage({ ...message(1, new Date("2020-01-01T00:00:00Z")), eventId: "EvOld" });
    await desk.threadMessage(message(2, at(3)));
    expect(await desk.pruneEvents(new Date("2020-01-02T00:00:00Z"))).toBe(2);
    const keys = (await db.driver.query<{ event_id: string }>("SELECT event_id FROM slack_events WHERE event_id IN ('EvOld', $1, $2)", [message(1, T0).key, message(2, T0).key])).rows.map((r) => r.event_id);
    expect(keys).toEqual([message(2, T0).key]);
  });

  it("lets a reply on an unclaimed lead claim it; keeps notes, other counselors' replies and unmapped threads in Slack", async () => {
    const { id, conversation, ts } = await postedLead();
    const base = { card: { channel: "CLEADS0001", ts }, at: at(2), claimNotice: notice("claimed") };
    expect(await desk.threadMessage({ ...base, key: "slack:CLEADS0001:n1", author: ben, reply: null })).toMatchObject({ outcome: "note" });
    expect((await desk.get(id))?.status).toBe("queued");
    expect(await desk.threadMessage({ ...base, key: "slack:CLEADS0001:r1", author: ana, reply: { text: "I'll take it" } })).toMatchObject({ outcome: "relayed", claimed: true });
    expect((await desk.get(id))?.claimedBy?.id).toBe(ana.id);
    expect(await desk.threadMessage({ ...base, key: "slack:CLEADS0001:r2", author: ben, reply: { text: "me too" } })).toMatchObject({ outcome: "held_by_other" });
    expect(await desk.threadMessage({ ...base, card: { channel: "CLEADS0001", ts: "1.2" }, key: "slack:CLEADS0001:r3", author: ana, reply: { text: "x" } })).toEqual({ outcome: "unmapped" });
    expect((await rows(conversation)).map((r) => r.dedupe_key)).toEqual([`lead:${id}:student:claimed:2`, "slack:CLEADS0001:r1"]);
  });

  it("finds leads past the claim timeout, re-announces each once per timeout, and counts outside hours from the opening", async () => {
    const { id, conversation } = await postedLead();
    const timeout = 15 * 60_000;
    expect((await desk.dueForReannounce(at(14 * 60), timeout, 3, 100)).map((l) => l.id)).not.toContain(id);
    expect((await desk.dueForReannounce(at(15 * 60), timeout, 3, 100)).map((l) => l.id)).toContain(id);
    expect(await desk.reannounce(id, at(15 * 60), { thread: "still unclaimed", student: notice("wait") })).toBe(true);
    expect((await desk.dueForReannounce(at(20 * 60), timeout, 3, 100)).map((l) => l.id)).not.toContain(id);
    const opening = at(24 * 3600);
    expect(await desk.reannounce(id, at(30 * 60), { student: notice("after hours"), countFrom: opening })).toBe(true);
    expect((await desk.dueForReannounce(at(12 * 3600), timeout, 3, 100)).map((l) => l.id)).not.toContain(id);
    expect((await rows(`lead:${id}`)).find((r) => r.dedupe_key === `lead:${id}:notice:reannounce:1`)?.payload).toMatchObject({ kind: "thread", from: "system", broadcast: true });
    expect((await rows(conversation)).map((r) => r.dedupe_key)).toEqual([`lead:${id}:student:wait:1`, `lead:${id}:student:wait:2`]);
  });

  it("marks a lead unreachable once, updating its card, and tells the thread about every undelivered message", async () => {
    const { id, conversation } = await postedLead(conv(), "whatsapp");
    const lead = await desk.markUnreachable({ leadId: id }, "WhatsApp window closed", "71", at(1), "not sent");
    expect(lead).toMatchObject({ unreachable: "WhatsApp window closed", version: 2 });
    await desk.markUnreachable({ channel: "whatsapp", conversation }, "WhatsApp window closed", "72", at(2), "not sent");
    expect((await rows(`lead:${id}`)).map((r) => r.dedupe_key)).toEqual([`lead:${id}:card:1`, `lead:${id}:card:2`, `lead:${id}:notice:undelivered:71`, `lead:${id}:notice:undelivered:72`]);
    expect(await desk.markUnreachable({ channel: "whatsapp", conversation: "nobody" }, "x", "1", at(3), "x")).toBeNull();
  });

  it("hands out only the head of each lead's stream, leased, and two relays never take the same row", async () => {
    await db.driver.query("UPDATE outbox SET status = 'sent' WHERE channel = 'slack'");
    const ids = [await insertLead(db.driver, { conversation: conv(), at: T0 }), await insertLead(db.driver, { conversation: conv(), at: T0 })];
    await insertStudentThreadMessage(db.driver, ids[0] as number, "m1", "hello", T0);
    const [a, b] = await Promise.all([outbox.claimDue(at(1), 60_000, 10), outbox.claimDue(at(1), 60_000, 10)]);
    const taken = [...a, ...b].map((x) => x.key).sort();
    expect(taken).toEqual([`lead:${ids[0]}:card:1`, `lead:${ids[1]}:card:1`].sort());
    // Leased: nobody gets them (or what follows them) again until the lease ends.
    expect(await outbox.claimDue(at(30), 60_000, 10)).toEqual([]);
    const first = [...a, ...b].find((x) => x.key === `lead:${ids[0]}:card:1`);
    await outbox.markSent(first?.id as number, at(2));
    expect((await outbox.claimDue(at(3), 60_000, 10)).map((x) => x.key)).toEqual([`lead:${ids[0]}:in:m1`]);
    const second = [...a, ...b].find((x) => x.key === `lead:${ids[1]}:card:1`);
    await outbox.release([second?.id as number], at(4));
    expect((await outbox.claimDue(at(4), 60_000, 10)).map((x) => x.key)).toEqual([`lead:${ids[1]}:card:1`]);
    expect(await outbox.counts()).toMatchObject({ pending: 2 });
  });

  it("paces a Slack channel: consecutive slots a second apart, pushed back by a pause, far slots only reported", async () => {
    const s1 = await outbox.reserveSlot("CPACE0001", at(0), 1000, 3000);
    const s2 = await outbox.reserveSlot("CPACE0001", at(0), 1000, 3000);
    expect([s1.reserved, s2.reserved]).toEqual([true, true]);
    expect(s2.at.getTime() - s1.at.getTime()).toBe(1000);
    await outbox.pause("CPACE0001", at(60));
    const far = await outbox.reserveSlot("CPACE0001", at(1), 1000, 3000);
    expect(far).toEqual({ at: at(60), reserved: false });
    expect(await outbox.reserveSlot("CPACE0001", at(2), 1000, 3000)).toEqual({ at: at(60), reserved: false });
    expect(await outbox.reserveSlot("CPACE0001", at(59), 1000, 3000)).toEqual({ at: at(60), reserved: true });
    expect(await outbox.reserveSlot("COTHER001", at(1), 1000, 3000)).toEqual({ at: at(1), reserved: true });
  });

  it("gives two relays asking at once two different slots", async () => {
    const slots = await Promise.all(Array.from({ length: 5 }, () => outbox.reserveSlot("CPACE0002", at(0), 1000, 10_000)));
    expect(new Set(slots.map((s) => s.at.getTime())).size).toBe(5);
  });

  it("leaves Slack rows out of the messenger workers' waiting list", async () => {
    const inbox = createSqlInbox(db.driver);
    const waiting = await inbox.waiting(new Date(Date.now() + 3600_000), 1000);
    expect(waiting.filter((w) => w.channel === "slack")).toEqual([]);
  });
});
