import { describe, expect, it } from "vitest";
import type { Bot, ProcessOptions } from "../../src/dialog/bot.js";
import { createInboxWorker } from "../../src/inbox/inbox-worker.js";
import type { Inbound } from "../../src/core/model.js";
import type { ChannelSender, LoadedConversation } from "../../src/core/ports.js";
import { parseState } from "../../src/core/state.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { createTestBot } from "../helpers/bot.js";
import { databaseKinds } from "../helpers/databases.js";
import { usePgliteInbox } from "../helpers/inbox.js";

/**
 * Issue 18: the second message of a batch is given the conversation as the
 * first one's turn left it, instead of reading it again, when the two come
 * from the same sender and the turn had no lead to read afresh.
 */

const message = (conversation: string, n: number, sender = conversation): Inbound => ({
  id: `${conversation}-${n}`,
  channel: "telegram",
  conversation,
  sender,
  text: `message ${n}`,
  receivedAt: new Date(),
});

describe("the inbox worker hands a turn's conversation to the next message of the batch", () => {
  const t = usePgliteInbox();

  async function drain(messages: Inbound[], after: (inbound: Inbound) => LoadedConversation | undefined) {
    const { inbox } = t;
    for (const [i, m] of messages.entries()) await inbox.accept(m, { seq: i + 1 });
    const given: { id: string; conversation?: LoadedConversation }[] = [];
    const returned = new Map<string, LoadedConversation>();
    const bot = {
      async process(inbound: Inbound, o: ProcessOptions = {}) {
        given.push({ id: inbound.id, ...(o.conversation ? { conversation: o.conversation } : {}) });
        await inbox.markSkipped(inbound.channel, inbound.id, "handled by the test bot");
        const a = after(inbound);
        if (a) returned.set(inbound.id, a);
        return { handled: true, intent: null, replies: [], ...(a ? { after: a } : {}) };
      },
    } as unknown as Bot;
    const sender: ChannelSender = { channel: "telegram", send: async () => {} };
    const worker = createInboxWorker({ bot, inbox, senders: [sender], concurrency: 1, settleMs: 1 });
    worker.notify("telegram", messages[0]!.conversation);
    await worker.idle();
    await worker.stop();
    return { given, returned };
  }
  const left = (turns: number): LoadedConversation => ({ state: parseState({ turns }), profile: {}, lead: null });

  it("gives the second message of the same sender what the first turn returned", async () => {
    const { given, returned } = await drain([message("carry-a", 1), message("carry-a", 2), message("carry-a", 3)], (m) => left(Number(m.id.slice(-1))));
    expect(given.map((g) => g.id)).toEqual(["carry-a-1", "carry-a-2", "carry-a-3"]);
    // The first is read by the turn itself (PGlite's batch read brings no conversation).
    expect(given[0]?.conversation).toBeUndefined();
    expect(given[1]?.conversation).toBe(returned.get("carry-a-1"));
    expect(given[2]?.conversation).toBe(returned.get("carry-a-2"));
  });

  it("lets the turn read the conversation when the sender changes (a group chat) or the turn returned nothing (a lead)", async () => {
    const group = await drain([message("carry-g", 1, "ana"), message("carry-g", 2, "ben")], () => left(1));
    expect(group.given[1]?.conversation).toBeUndefined();
    const lead = await drain([message("carry-l", 1), message("carry-l", 2)], () => undefined);
    expect(lead.given[1]?.conversation).toBeUndefined();
  });
});

describe.each(databaseKinds)("the conversation a turn returns on $name", ({ create }) => {
  it("is what reading it from the store gives, and is not returned once a lead is written", async () => {
    const db = await create();
    try {
      const t = await createTestBot({}, db);
      const inbox = createSqlInbox(db.driver);
      // A store of its own, without the embedded database's cache: what a fresh read finds.
      const store = createSqlStore(db.driver);
      const ask = async (n: number, text: string) => {
        const inbound = { ...message("returned", n), text };
        await inbox.accept(inbound, { seq: n });
        return t.bot.process(inbound);
      };
      const first = await ask(1, "how much does an observership cost? I graduated in 2023");
      expect(first.after).toBeDefined();
      const read = await store.load("telegram", "returned", "returned");
      expect(first.after?.state).toEqual(read.state);
      expect(first.after?.profile).toEqual(read.profile);
      expect(read.lead ?? null).toBeNull();
      const second = await ask(2, "I want to talk to a counselor");
      expect(second.lead).toBeDefined();
      expect(second.after).toBeUndefined();
    } finally {
      await db.dispose();
    }
  });
});
