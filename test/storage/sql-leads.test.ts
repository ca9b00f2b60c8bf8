import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inbound } from "../../src/core/model.js";
import type { TurnRecord } from "../../src/core/ports.js";
import { parseState } from "../../src/core/state.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";

const at = new Date("2026-11-22T10:00:00Z");
const inbound = (id: string, conversation: string, text = "hi"): Inbound => ({ id, channel: "test", conversation, sender: conversation, text, receivedAt: at });
const turn = (msg: Inbound, extra: Partial<TurnRecord> = {}): TurnRecord => ({
  inbound: msg, intent: "counselor", confidence: 1, fellBack: false, replies: [{ text: "ok" }], state: parseState({}), profile: {}, profileChanged: false, at, ...extra,
});

describe.each(databaseKinds)("the turn-side lead storage on $name", ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db?.dispose());

  it("creates a lead with a turn and loads it with the conversation while it is open", async () => {
    const store = createSqlStore(db.driver);
    const msg = inbound("sl-1", "open");
    await store.saveInbound(msg);
    const saved = await store.saveTurn(turn(msg, { lead: { set: { status: "collecting", step: "consent", trigger: "asked", score: 10, scoreReasons: ["x"] } } }));
    expect(saved.lead).toMatchObject({ status: "collecting", version: 1 });
    const loaded = await store.load("test", "open", "open");
    expect(loaded.lead).toMatchObject({ id: saved.lead?.id, status: "collecting", step: "consent", trigger: "asked", score: 10, scoreReasons: ["x"], contact: null, pendingPhone: null });
    await db.driver.query("UPDATE leads SET status = 'closed' WHERE id = $1", [saved.lead?.id]);
    expect((await store.load("test", "open", "open")).lead).toBeNull();
  });

  it("with the exclusive cache, still reads an open lead afresh: a counselor's claim is seen on the next turn", async () => {
    const store = createSqlStore(db.driver, { exclusive: true });
    const msg = inbound("sl-2", "cached");
    const received = await store.receive(msg);
    expect(received).toMatchObject({ isNew: true, lead: null });
    const saved = await store.saveTurn(turn(msg, { lead: { set: { status: "queued", trigger: "asked" }, card: true } }));
    await db.driver.query("UPDATE leads SET status = 'claimed', claimed_by = 'U9' WHERE id = $1", [saved.lead?.id]);
    const next = await store.receive(inbound("sl-3", "cached"));
    expect(next).toMatchObject({ isNew: true, lead: { status: "claimed", claimedBy: { id: "U9" } } });
  });

  it("changes a lead only while it has the status the turn saw, and writes nothing else then", async () => {
    const store = createSqlStore(db.driver);
    const msg = inbound("sl-4", "guard");
    await store.saveInbound(msg);
    const created = await store.saveTurn(turn(msg, { lead: { set: { status: "collecting", step: "status", trigger: "asked" } } }));
    const id = created.lead?.id as number;
    await db.driver.query("UPDATE leads SET status = 'closed' WHERE id = $1", [id]);
    const msg2 = inbound("sl-5", "guard");
    await store.saveInbound(msg2);
    const r = await store.saveTurn(turn(msg2, { lead: { id, whileStatus: "collecting", set: { status: "queued" }, card: true, consent: { decision: "granted", version: "v1" } } }));
    expect(r.lead).toBeUndefined();
    expect((await db.driver.query("SELECT count(*) AS n FROM outbox WHERE conversation = $1", [`lead:${id}`])).rows[0]).toEqual({ n: 0 });
    expect((await db.driver.query("SELECT count(*) AS n FROM consents WHERE lead_id = $1", [id])).rows[0]).toEqual({ n: 0 });
  });

  it("keeps a phone number waiting for its country on the lead, never as a contact", async () => {
    const store = createSqlStore(db.driver);
    const msg = inbound("sl-6", "pending-phone");
    await store.saveInbound(msg);
    await store.saveTurn(turn(msg, { lead: { set: { status: "collecting", step: "contact_country", trigger: "asked", consent: "granted", contact: { name: "A", pendingPhone: "9876543210" } } } }));
    const { lead } = await store.load("test", "pending-phone", "pending-phone");
    expect(lead).toMatchObject({ pendingPhone: "9876543210", contact: { name: "A" } });
    expect(lead?.contact?.phone).toBeUndefined();
  });

  it("tells which of the student's messages no entry answered", async () => {
    const store = createSqlStore(db.driver);
    const msg = inbound("sl-7", "history", "asdf");
    await store.saveInbound(msg);
    await store.saveTurn(turn(msg, { fellBack: true, intent: "out_of_scope" }));
    const h = await store.history("test", "history", 10);
    expect(h.map((m) => [m.direction, m.fellBack])).toEqual([["in", true], ["out", undefined]]);
  });
});
