import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(() => t?.dispose());

const kb = realKnowledge();
const m = kb.messages;
const first = (id: string) => (kb.byId.get(id)?.body ?? `missing ${id}`).split("\n")[0] as string;

describe("several questions in one message", () => {
  it("answers each, in order, in one reply", async () => {
    const result = await talk(t.bot).user("what does an observership cost and how early should I apply?").expectIntent("costs");
    expect(result?.replies).toHaveLength(1);
    const text = result?.replies[0]?.text ?? "";
    const cost = text.indexOf(first("costs-observership"));
    const timing = text.indexOf(first("timing-observership"));
    expect(cost).toBeGreaterThanOrEqual(0);
    expect(timing).toBeGreaterThan(cost);
  });

  it("treats sentences about the student as context, not as questions", async () => {
    await talk(t.bot)
      .user("I graduated in 2021. What can I do in the US?")
      .expectIntent("eligibility")
      .expectReply(/Noted: Status: graduate, Graduation year: 2021\./)
      .expectReply(/As a 2021 graduate, here is where you stand:/);
  });
});

describe("follow-ups", () => {
  it("'and for externships?' asks the previous question about the new subject", async () => {
    await talk(t.bot)
      .user("how much does an observership cost?")
      .expectReply((text) => expect(text).toContain(first("costs-observership")))
      .user("and for externships?")
      .expectIntent("costs");
  });

  it("'and the visa?' after a timing question asks about visa timing", async () => {
    await talk(t.bot)
      .user("how early should I apply for an observership?")
      .user("and the visa?")
      .expectIntent("timing")
      .expectReply((text) => expect(text).toContain(first("timing-visa")));
  });
});

describe("not understood", () => {
  it("asks one clarifying question with quick replies, and answers the choice", async () => {
    const conversation = "clarify";
    const asked = await talk(t.bot, conversation).user("observership letters cost timing");
    const reply = asked?.replies[0];
    if (reply?.text === m.clarify) {
      expect(reply.quickReplies?.length).toBeGreaterThanOrEqual(1);
      const choice = reply.quickReplies?.[0];
      const chosen = await talk(t.bot, conversation).user(choice?.title ?? "", choice?.payload);
      const id = choice?.payload.replace("clarify:", "") ?? "";
      expect(chosen?.intent).toBe(kb.byId.get(id)?.intent);
      expect(chosen?.replies[0]?.text).toContain(first(id));
    } else {
      // The classifier was confident enough to answer: then it must have answered from an entry.
      expect(reply?.citations?.length).toBeGreaterThan(0);
    }
  });

  it("offers a counselor after two misses in a row, with a quick reply", async () => {
    await talk(t.bot)
      .user("asdfgh")
      .expectIntent("out_of_scope")
      .expectReply((text) => expect(text).not.toContain(m.offer_counselor))
      .user("qwerty zxcv")
      .expectReply((text, result) => {
        expect(text).toContain(m.offer_counselor);
        expect(result.replies.at(-1)?.quickReplies).toContainEqual({ title: m.counselor_button, payload: "/counselor" });
      })
      .user(m.counselor_button, "/counselor")
      .expectIntent("counselor");
  });

  it("answers an unrelated question with what rotabot can help with", async () => {
    await talk(t.bot)
      .user("write a python function to sort a list of numbers")
      .expectIntent("out_of_scope")
      .expectReply((text) => expect(text).toContain(first("out-of-scope-general")));
  });
});

describe("the student profile", () => {
  it("confirms a guessed value before keeping it", async () => {
    const conversation = "confirm";
    await talk(t.bot, conversation)
      .user("I want to start in June")
      .expectReply((text, result) => {
        expect(text).toBe(m.confirm.replace("{fact}", "Target start: June 2027"));
        expect(result.replies[0]?.quickReplies?.map((q) => q.payload)).toEqual(["confirm:yes", "confirm:no"]);
      })
      .user("no")
      .expectReply((text) => expect(text).toBe(m.not_confirmed))
      .user("/profile")
      .expectReply((text) => expect(text).toBe(m.profile_empty))
      .user("I want to start in June")
      .user("yes")
      .expectReply((text) => expect(text).toBe(m.confirmed))
      .user("/profile")
      .expectReply(/Target start: June 2027/);
  });

  it("takes corrections in plain words", async () => {
    await talk(t.bot)
      .user("I graduated in 2021")
      .user("actually I graduated in 2022")
      .expectReply(/Noted: .*Graduation year: 2022/)
      .user("/profile")
      .expectReply(/Graduation year: 2022/)
      .expectNoReply(/2021/);
  });

  it("carries the profile across topics into personal answers", async () => {
    await talk(t.bot)
      .user("I'm a final year MBBS student from India, I already have a valid b1/b2 visa")
      .expectIntent("smalltalk")
      .expectReply(/Status: student/)
      .expectReply(/Country of school: India/)
      .expectReply(/Visa: has b1b2/)
      .user("how much would 8 weeks of observership cost?")
      .expectIntent("costs")
      .expectReply(/Estimated cost for 8 weeks of observership/)
      .expectNoReply(/B1\/B2 visa fee:/)
      .user("I want to start in March 2027, when should I apply?")
      .expectIntent("timing")
      .expectReply(/Apply by: /)
      .expectReply(/Visa: you told me you don't need a new one/);
  });
});
