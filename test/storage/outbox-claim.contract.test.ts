import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/core/ports.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
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

  it("removes a sent /forget confirmation's row when the send is recorded", async () => {
    await enqueueOutbox(db.driver, "forgotten:test:c5", "test", "c5", reply("All your data is deleted."), at(0));
    const item = await inbox.claimNext("test", "c5", at(90), at(80));
    expect(item?.claimed).toBe(true);
    expect(await inbox.claimNext("test", "c5", at(91), at(81), { id: item!.item.id, at: at(81) })).toBeNull();
    expect(await status("forgotten:test:c5")).toBeUndefined();
  });
});
