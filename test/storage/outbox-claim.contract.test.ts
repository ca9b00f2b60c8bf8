import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/core/ports.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { enqueueOutbox } from "../../src/storage/sql-outbox.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";

const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s));
const reply = (text: string) => ({ kind: "reply" as const, reply: { text } });

describe.each(databaseKinds)("the outbox claim on $name", ({ create }) => {
  let db: TestDatabase;
  let inbox: InboxStore;
  beforeAll(async () => {
    db = await create();
    inbox = createSqlInbox(db.driver);
  });
  afterAll(() => db?.dispose());

  const status = async (key: string) =>
    (await db.driver.query<{ status: string; attempts: number; sent_at: Date | null }>("SELECT status, attempts, sent_at FROM outbox WHERE dedupe_key = $1", [key])).rows[0];

  it("claims the oldest due item, records a send and claims the next in one statement, and ends with null", async () => {
    await enqueueOutbox(db.driver, "c1:a", "test", "c1", reply("first"), at(0));
    await enqueueOutbox(db.driver, "c1:b", "test", "c1", reply("second"), at(1));
    await enqueueOutbox(db.driver, "c2:a", "test", "c2", reply("other chat"), at(0));

    const first = await inbox.claimNext("test", "c1", at(30), at(10));
    expect(first).toMatchObject({ claimed: true, item: { key: "c1:a", payload: reply("first") } });
    // Claimed: invisible to a second deliverer until the lease ends.
    expect(await inbox.claimNext("test", "c1", at(30), at(11))).toMatchObject({ claimed: false, item: { key: "c1:a" } });

    const before = db.driver.stats.statements;
    const second = await inbox.claimNext("test", "c1", at(31), at(12), { id: first!.item.id, at: at(12) });
    expect(db.driver.stats.statements - before).toBe(1);
    expect(second).toMatchObject({ claimed: true, item: { key: "c1:b" } });
    expect(await status("c1:a")).toMatchObject({ status: "sent", attempts: 1, sent_at: at(12) });

    expect(await inbox.claimNext("test", "c1", at(32), at(13), { id: second!.item.id, at: at(13) })).toBeNull();
    expect(await status("c1:b")).toMatchObject({ status: "sent", attempts: 1 });
    expect(await status("c2:a")).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("does not claim an item that is not due, nor anything behind it", async () => {
    await enqueueOutbox(db.driver, "c3:a", "test", "c3", reply("retry later"), at(50));
    await enqueueOutbox(db.driver, "c3:b", "test", "c3", reply("behind it"), at(0));
    expect(await inbox.claimNext("test", "c3", at(60), at(20))).toMatchObject({ claimed: false, item: { key: "c3:a" } });
    expect(await inbox.claimNext("test", "c3", at(60), at(50))).toMatchObject({ claimed: true, item: { key: "c3:a" } });
  });

  it("gives one of two racing deliverers the item", async () => {
    await enqueueOutbox(db.driver, "c4:a", "test", "c4", reply("once"), at(0));
    const both = await Promise.all([inbox.claimNext("test", "c4", at(90), at(70)), inbox.claimNext("test", "c4", at(90), at(70))]);
    expect(both.map((r) => r?.claimed).sort()).toEqual([false, true]);
  });

  /** A turn of conversation `c` through the inbox, with two replies, its first one claimed for 5 s. */
  const turn = async (id: string, c: string, second: number) => {
    const store = createSqlStore(db.driver);
    const msg = { id, channel: "test" as const, conversation: c, sender: c, text: "hi", receivedAt: at(second) };
    await inbox.accept(msg);
    const before = db.driver.stats.statements;
    const saved = await store.saveTurn({
      inbound: msg, intent: "smalltalk", confidence: 1, fellBack: false,
      replies: [{ text: `${id} one` }, { text: `${id} two` }],
      state: { topics: [], misses: 0, turns: 1, wantsCounselor: false }, profile: {}, profileChanged: false,
      at: at(second), deliver: true, claimFirstReplyMs: 5_000,
    });
    return { ...saved, statements: db.driver.stats.statements - before };
  };

  it("writes a turn's first reply claimed for its deliverer, and the next one due, in the turn's one statement", async () => {
    const saved = await turn("t1", "c6", 0);
    expect(saved.statements).toBe(1);
    expect(saved.claimed).toMatchObject({ key: "reply:test:t1:0", payload: { kind: "reply", reply: { text: "t1 one" } }, nextAttemptAt: at(5) });
    // Another deliverer finds it taken until the claim runs out.
    expect(await inbox.claimNext("test", "c6", at(30), at(1))).toMatchObject({ claimed: false, item: { key: "reply:test:t1:0" } });
    // Recording its send claims the second reply, which was due at once (the database's now).
    const later = new Date(Date.now() + 60_000);
    expect(await inbox.claimNext("test", "c6", later, later, { id: saved.claimed!.id, at: at(1) })).toMatchObject({ claimed: true, item: { key: "reply:test:t1:1" } });
  });

  it("does not claim a turn's reply while an older reply of the conversation waits, so that replies leave in order", async () => {
    const first = await turn("t2", "c7", 0);
    expect(first.claimed).toBeDefined();
    const second = await turn("t3", "c7", 1);
    expect(second.claimed).toBeUndefined();
    expect(await status("reply:test:t3:0")).toMatchObject({ status: "pending" });
  });

  it("runs out: a claimed reply nobody sent is due again after the claim", async () => {
    const saved = await turn("t4", "c8", 0);
    expect(saved.claimed).toBeDefined();
    expect(await inbox.claimNext("test", "c8", at(40), at(6))).toMatchObject({ claimed: true, item: { key: "reply:test:t4:0" } });
  });

  it("removes a sent /forget confirmation's row when the send is recorded", async () => {
    await enqueueOutbox(db.driver, "forgotten:test:c5", "test", "c5", reply("All your data is deleted."), at(0));
    const item = await inbox.claimNext("test", "c5", at(90), at(80));
    expect(item?.claimed).toBe(true);
    expect(await inbox.claimNext("test", "c5", at(91), at(81), { id: item!.item.id, at: at(81) })).toBeNull();
    expect(await status("forgotten:test:c5")).toBeUndefined();
  });
});
