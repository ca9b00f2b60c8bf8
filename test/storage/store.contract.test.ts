import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inbound } from "../../src/core/model.js";
import type { ConversationStore } from "../../src/core/ports.js";
import { migrate } from "../../src/storage/migrate.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";

const inbound = (id: string, conversation: string, text: string): Inbound => ({
  id,
  channel: "test",
  conversation,
  sender: conversation,
  text,
  receivedAt: new Date("2026-11-22T10:00:00Z"),
});

describe.each(databaseKinds)("the conversation store on $name", ({ create }) => {
  let db: TestDatabase;
  let store: ConversationStore;
  beforeAll(async () => {
    db = await create();
    store = createSqlStore(db.driver);
  });
  afterAll(() => db?.dispose());

  it("applies migrations once: running them again changes nothing", async () => {
    expect(await migrate(db.driver)).toEqual([]);
  });

  it("stores an inbound message once, and reports a redelivery as not new", async () => {
    expect(await store.saveInbound(inbound("dup-1", "dedupe", "hello"))).toEqual({ isNew: true });
    expect(await store.saveInbound(inbound("dup-1", "dedupe", "hello"))).toEqual({ isNew: false });
    const history = await store.history("test", "dedupe", 10);
    expect(history).toHaveLength(1);
  });

  it("stores twenty concurrent deliveries of one message as one row", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.saveInbound(inbound("race-1", "race", "hi"))));
    expect(results.filter((r) => r.isNew)).toHaveLength(1);
    expect(await store.history("test", "race", 50)).toHaveLength(1);
  });

  it("receives a message: stores it and returns the conversation, or reports a redelivery", async () => {
    const first = await store.receive(inbound("rcv-1", "receiver", "hello"));
    expect(first).toMatchObject({ isNew: true, profile: {}, state: { topics: [], turns: 0 } });
    expect(await store.receive(inbound("rcv-1", "receiver", "hello"))).toEqual({ isNew: false });
    const results = await Promise.all(Array.from({ length: 20 }, () => store.receive(inbound("rcv-2", "receiver", "again"))));
    expect(results.filter((r) => r.isNew)).toHaveLength(1);
    expect((await store.history("test", "receiver", 10)).map((m) => m.text)).toEqual(["hello", "again"]);
  });

  it("starts a new student with an empty profile and default state", async () => {
    const loaded = await store.load("test", "nobody", "nobody");
    expect(loaded.profile).toEqual({});
    expect(loaded.state).toMatchObject({ topics: [], misses: 0, turns: 0, wantsCounselor: false });
  });

  it("saves a turn's replies, state and profile, and loads them back", async () => {
    const msg = inbound("t-1", "alice", "I graduated in 2022");
    await store.saveInbound(msg);
    await store.saveTurn({
      inbound: msg,
      intent: "eligibility",
      confidence: 0.8,
      fellBack: false,
      replies: [{ text: "first" }, { text: "second" }],
      state: { topics: ["observership"], misses: 0, turns: 1, wantsCounselor: false, lastIntent: "eligibility" },
      profile: { status: "graduate", graduation_year: 2022 },
      profileChanged: true,
      at: new Date("2026-11-22T10:00:01Z"),
    });
    const loaded = await store.load("test", "alice", "alice");
    expect(loaded.profile).toEqual({ status: "graduate", graduation_year: 2022 });
    expect(loaded.state).toMatchObject({ topics: ["observership"], lastIntent: "eligibility", turns: 1 });
    const history = await store.history("test", "alice", 10);
    expect(history.map((m) => [m.direction, m.text, m.intent])).toEqual([
      ["in", "I graduated in 2022", "eligibility"],
      ["out", "first", "eligibility"],
      ["out", "second", "eligibility"],
    ]);
  });

  it("keeps text that looks like SQL or markup exactly as written", async () => {
    const text = `'; DROP TABLE messages; -- <b>x</b> \\ "quoted" 🙂`;
    await store.saveInbound(inbound("sql-1", "sqlish", text));
    expect((await store.history("test", "sqlish", 1))[0]?.text).toBe(text);
  });

  it("returns the most recent messages in chronological order", async () => {
    for (let i = 0; i < 5; i++) await store.saveInbound(inbound(`h-${i}`, "hist", `message ${i}`));
    expect((await store.history("test", "hist", 2)).map((m) => m.text)).toEqual(["message 3", "message 4"]);
  });

  it("forgets a student: messages, conversation and profile are gone", async () => {
    const msg = inbound("f-1", "bob", "I'm a student");
    await store.saveInbound(msg);
    await store.saveTurn({
      inbound: msg, intent: "smalltalk", confidence: 1, fellBack: false, replies: [{ text: "ok" }],
      state: { topics: [], misses: 0, turns: 1, wantsCounselor: false }, profile: { status: "student" }, profileChanged: true, at: new Date(),
    });
    await store.forget("test", "bob");
    expect(await store.history("test", "bob", 10)).toEqual([]);
    expect((await store.load("test", "bob", "bob")).profile).toEqual({});
    expect((await db.driver.query("SELECT count(*) AS n FROM students WHERE sender = 'bob'")).rows[0]).toEqual({ n: 0 });
  });

  it("with the exclusive cache, reads a student's profile as their last turn in any of their chats left it", async () => {
    const cachedStore = createSqlStore(db.driver, { exclusive: true });
    const said = (id: string, conversation: string): Inbound => ({ ...inbound(id, conversation, "x"), sender: "ana" });
    const group = said("pc-1", "group-1");
    await cachedStore.receive(group);
    await cachedStore.saveTurn({
      inbound: group, intent: "smalltalk", confidence: 1, fellBack: false, replies: [{ text: "noted" }],
      state: { topics: [], misses: 0, turns: 1, wantsCounselor: false }, profile: { status: "graduate" }, profileChanged: true, at: new Date("2026-11-22T10:00:01Z"),
    });
    const direct = said("pc-2", "ana");
    expect(await cachedStore.receive(direct)).toMatchObject({ isNew: true, profile: { status: "graduate" } });
    await cachedStore.saveTurn({
      inbound: direct, intent: "smalltalk", confidence: 1, fellBack: false, replies: [{ text: "noted" }],
      state: { topics: [], misses: 0, turns: 1, wantsCounselor: false }, profile: { status: "student" }, profileChanged: true, at: new Date("2026-11-22T10:00:02Z"),
    });
    // Back in the group: the profile is the one the private chat saved, as the database has it.
    const back = await cachedStore.receive(said("pc-3", "group-1"));
    expect(back).toMatchObject({ isNew: true, profile: { status: "student" }, state: { turns: 1 } });
    expect(back).toMatchObject({ profile: (await createSqlStore(db.driver).load("test", "group-1", "ana")).profile });
  });

  it("answers a ping while the database is up", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
