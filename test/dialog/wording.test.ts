import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HandleResult } from "../../src/dialog/bot.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";

/** Issue 13, items 5 and 6: wording traps, and facts a student states that were lost or re-asked. */

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(() => t?.dispose());
const cited = (r: HandleResult | undefined) => r?.replies.flatMap((x) => (x.citations ?? []).map((c) => c.entryId)) ?? [];

describe("wording traps", () => {
  it("never reads 'hell' as a greeting", async () => {
    const r = await talk(t.bot).user("what the hell is VSLO and can i even use it as a graduate");
    expect(cited(r)).toEqual(["eligibility-vslo"]);
    const fee = await talk(t.bot).user("hey hey, hell of a week lol. quick one: how much is the B1/B2 visa fee right now?");
    expect(cited(fee)).toEqual(["costs-visa-fee"]);
  });

  it("takes 'stop' outside the lead form as a goodbye, not as a medical question", async () => {
    const r = await talk(t.bot).user("stop").expectIntent("smalltalk");
    expect(cited(r)).toEqual(["smalltalk-goodbye"]);
  });

  it("hands a request to book a rotation, or for a real person instead of the bot, to a counselor", async () => {
    await talk(t.bot).user("I'd like to book an internal medicine rotation for March").expectIntent("counselor");
    await talk(t.bot).user("i want to talk to someone real about my situation, this bot stuff is confusing").expectIntent("counselor");
  });
});

describe("romanized Hindi and Urdu", () => {
  it("reads 'how many months before' and 'how early' as a question about timing, not cost", async () => {
    await talk(t.bot).user("observership ke liye kitne mahine pehle apply karna chahiye?").expectIntent("timing");
    const r = await talk(t.bot).user("visa ke liye kitna pehle apply karu?").expectIntent("timing");
    expect(cited(r)).toEqual(["timing-visa"]);
  });
});

describe("facts the student states", () => {
  it("answers a bare start date after a timing answer with the timeline for that date", async () => {
    await talk(t.bot)
      .user("when am I supposed to start applying on VSLO?")
      .expectIntent("timing")
      .user("June 2027")
      .expectIntent("timing")
      .expectReply(/June 2027/)
      .expectReply(/Apply by:/);
  });

  it("notes a bare start date on its own, without asking it back", async () => {
    const r = await talk(t.bot).user("June 2027").expectIntent("smalltalk").expectReply(/June 2027/);
    expect(r?.replies.flatMap((x) => x.quickReplies ?? []).map((q) => q.payload)).not.toContain("confirm:yes");
  });

  it("keeps the length the student named for a follow-up about currency", async () => {
    await talk(t.bot)
      .user("how much would 8 weeks of observership cost?")
      .expectReply(/8 weeks/)
      .user("how much is that in rupees?")
      .expectReply(/8 weeks/)
      .expectNoReply(/4 weeks of observership/);
  });
});

describe("honest doubt", () => {
  it("asks which entry the student means when two are about as likely, and answers the one picked", async () => {
    const r = await talk(t.bot).user("can I use letters from my teachers at home?").expectIntent("recommendation_letters");
    const choices = r?.replies.flatMap((x) => x.quickReplies ?? []).map((q) => q.payload) ?? [];
    expect(r?.replies[0]?.text).toBe(realKnowledge().messages.clarify);
    expect(choices.length).toBeGreaterThanOrEqual(2);
    expect(choices.length).toBeLessThanOrEqual(3);
    expect(choices).toContain("clarify:letters-quality-letterhead");
    expect(cited(r)).toEqual([]);
    const picked = await talk(t.bot).user("Letters", "clarify:letters-quality-letterhead");
    expect(cited(picked)).toEqual(["letters-quality-letterhead"]);
  });

  it("keeps the question it asks back about when the message also greets, rather than answering only the greeting", async () => {
    const r = await talk(t.bot).user("Good day. can I use letters from my teachers at home? Regards.");
    const choices = r?.replies.flatMap((x) => x.quickReplies ?? []).map((q) => q.payload) ?? [];
    expect(choices).toContain("clarify:letters-quality-letterhead");
    expect(cited(r)).not.toContain("smalltalk-greeting");
  });

  it("asks back, saying what it covers, when even the closest entry is a weak match", async () => {
    const r = await talk(t.bot).user("remotely vs flying over, cheaper?");
    const k = realKnowledge();
    expect(r?.replies[0]?.text).toBe(k.messages.clarify_weak);
    const choices = r?.replies.flatMap((x) => x.quickReplies ?? []).map((q) => q.payload) ?? [];
    expect(choices).toContain("clarify:costs-telehealth");
    expect(cited(r)).toEqual([]);
  });

  it("answers outright when one entry is clearly the best", async () => {
    const r = await talk(t.bot).user("how much does an observership cost?");
    expect(r?.replies.flatMap((x) => x.quickReplies ?? []).some((q) => q.payload.startsWith("clarify:"))).toBe(false);
    expect(cited(r)).toEqual(["costs-observership"]);
  });
});
