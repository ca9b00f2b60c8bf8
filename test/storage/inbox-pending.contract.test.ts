import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/core/ports.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";

const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s));
const message = (id: string, conversation: string, sender = conversation) => ({ id, channel: "telegram" as const, conversation, sender, text: id, receivedAt: at(0) });

describe.each(databaseKinds)("the inbox batch read with its conversation on $name", ({ create }) => {
  let db: TestDatabase;
  let inbox: InboxStore;
  beforeAll(async () => {
    db = await create();
    inbox = createSqlInbox(db.driver, { withConversation: true });
  });
  afterAll(() => db?.dispose());

  it("returns the first message's conversation as the store would load it, in the batch's one statement", async () => {
    const store = createSqlStore(db.driver);
    const first = message("p1", "ana");
    await inbox.accept(first, { seq: 1 });
    await store.saveTurn({
      inbound: first, intent: "eligibility", confidence: 0.9, fellBack: false, replies: [{ text: "answer" }],
      state: { topics: ["observership"], misses: 0, turns: 1, wantsCounselor: false, lastIntent: "eligibility" },
      profile: { status: "graduate", graduation_year: 2021 }, profileChanged: true, at: at(1), deliver: true,
    });
    await inbox.accept(message("p2", "ana"), { seq: 2 });
    await inbox.accept(message("p3", "ana"), { seq: 3 });
    const before = db.driver.stats.statements;
    const batch = await inbox.pending("telegram", "ana", 20);
    expect(db.driver.stats.statements - before).toBe(1);
    expect(batch.map((m) => m.inbound.id)).toEqual(["p2", "p3"]);
    expect(batch[0]?.conversation).toEqual(await store.load("telegram", "ana", "ana"));
    expect(batch[0]?.conversation).toMatchObject({ state: { lastIntent: "eligibility", turns: 1 }, profile: { graduation_year: 2021 }, lead: null });
    // The second message's turn starts from what the first one saves: it is read then.
    expect(batch[1]?.conversation).toBeUndefined();
  });

  it("reads a new student's conversation as empty, and nothing when nothing is pending", async () => {
    await inbox.accept(message("q1", "ben"), { seq: 1 });
    const [m] = await inbox.pending("telegram", "ben", 20);
    expect(m?.conversation).toEqual(await createSqlStore(db.driver).load("telegram", "ben", "ben"));
    expect(await inbox.pending("telegram", "nobody", 20)).toEqual([]);
  });
});
