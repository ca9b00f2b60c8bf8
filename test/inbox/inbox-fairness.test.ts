import { describe, expect, it } from "vitest";
import type { Bot } from "../../src/dialog/bot.js";
import { createInboxWorker } from "../../src/inbox/inbox-worker.js";
import type { Inbound } from "../../src/core/model.js";
import type { ChannelSender, InboxStore } from "../../src/core/ports.js";
import { usePgliteInbox } from "../helpers/inbox.js";

/**
 * Issue 14, high 2: the worker takes conversations round robin when they
 * compete for its slots, so one student's backlog of expensive turns cannot
 * keep another student waiting behind all of it.
 */

const t = usePgliteInbox();

const message = (conversation: string, n: number): Inbound => ({
  id: `${conversation}-${n}`,
  channel: "telegram",
  conversation,
  sender: conversation,
  text: `message ${n}`,
  receivedAt: new Date(),
});

describe("round robin between conversations", () => {
  it("with one slot, answers the second student right after the first student's turn in progress, not after their backlog of 8", async () => {
    const { inbox } = t;
    for (let n = 1; n <= 8; n++) await inbox.accept(message("heavy", n), { seq: n });
    await inbox.accept(message("light", 1), { seq: 1 });
    const order: string[] = [];
    // Each turn takes 30 ms of the thread, as a turn cut at its CPU budget would.
    const bot = {
      async process(inbound: Inbound) {
        const until = performance.now() + 30;
        while (performance.now() < until);
        order.push(inbound.conversation);
        await inbox.markSkipped(inbound.channel, inbound.id, "handled by the test bot");
        return { handled: true, intent: null, replies: [] };
      },
    } as unknown as Bot;
    const sender: ChannelSender = { channel: "telegram", send: async () => {} };
    const worker = createInboxWorker({ bot, inbox, senders: [sender], concurrency: 1, settleMs: 1 });
    worker.notify("telegram", "heavy");
    worker.notify("telegram", "light");
    await worker.idle();
    await new Promise((r) => setTimeout(r, 50));
    await worker.idle();
    expect(order.filter((c) => c === "heavy")).toHaveLength(8);
    expect(order.indexOf("light")).toBeLessThanOrEqual(2);
    await worker.stop();
  });

  it("answers a student's burst of two in one go (one lock, one read of the inbox) even while others wait", async () => {
    const { inbox } = t;
    const students = ["burst-a", "burst-b", "burst-c"];
    for (const c of students) for (let n = 1; n <= 2; n++) await inbox.accept(message(c, n), { seq: n });
    let locks = 0;
    let reads = 0;
    const counted: InboxStore = {
      ...inbox,
      lockConversation: (channel, conversation) => (locks++, inbox.lockConversation(channel, conversation)),
      pending: (...args) => (reads++, inbox.pending(...args)),
    };
    const order: string[] = [];
    const bot = {
      async process(inbound: Inbound) {
        order.push(inbound.id);
        await inbox.markSkipped(inbound.channel, inbound.id, "handled by the test bot");
        return { handled: true, intent: null, replies: [] };
      },
    } as unknown as Bot;
    const sender: ChannelSender = { channel: "telegram", send: async () => {} };
    const worker = createInboxWorker({ bot, inbox: counted, senders: [sender], concurrency: 1, settleMs: 1 });
    for (const c of students) worker.notify("telegram", c);
    await worker.idle();
    await worker.stop();
    expect(order).toEqual(students.flatMap((c) => [`${c}-1`, `${c}-2`]));
    expect(locks).toBe(students.length);
    // Per student one read of the batch; whether another process took in a message meanwhile is asked by the release.
    expect(reads).toBe(students.length);
  });

  it("drains a conversation again when another process took in its message while the lock was held (asked by the release)", async () => {
    const { inbox } = t;
    const order: string[] = [];
    const bot = {
      async process(inbound: Inbound) {
        order.push(inbound.id);
        // Another process accepts the student's next message now: it finds the lock taken and does not notify us.
        if (inbound.id === "elsewhere-1") await inbox.accept(message("elsewhere", 2), { seq: 2 });
        await inbox.markSkipped(inbound.channel, inbound.id, "handled by the test bot");
        return { handled: true, intent: null, replies: [] };
      },
    } as unknown as Bot;
    const sender: ChannelSender = { channel: "telegram", send: async () => {} };
    // No sweeper (start() is not called): only the release's answer brings the worker back.
    const worker = createInboxWorker({ bot, inbox, senders: [sender], concurrency: 1, settleMs: 1 });
    await inbox.accept(message("elsewhere", 1), { seq: 1 });
    worker.notify("telegram", "elsewhere");
    await worker.idle();
    await worker.stop();
    expect(order).toEqual(["elsewhere-1", "elsewhere-2"]);
  });
});
