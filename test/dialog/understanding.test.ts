import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Turn } from "../../src/intents/turn.js";
import { fallback } from "../../src/intents/out-of-scope.js";
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
  it("asks one clarifying question with the closest entries of different intents as quick replies", () => {
    const turn = {
      inbound: { id: "x", channel: "test", conversation: "x", sender: "x", text: "obs something", receivedAt: new Date() },
      text: "obs something",
      truncated: false,
      understanding: {
        intent: "out_of_scope",
        confidence: 0.25,
        fellBack: true,
        followUp: false,
        facts: {},
        details: {},
        analysis: {
          tokens: ["obs", "something"],
          topics: [],
          specialties: [],
          emergency: false,
          intents: [],
          residual: ["obs", "something"],
          refused: [],
          nearest: new Map(),
          entryScores: new Map([
            ["costs-observership", 0.27],
            ["costs-overview", 0.26],
            ["rotation-types-observership", 0.25],
            ["timing-observership", 0.1],
          ]),
        },
      },
      state: { topics: [], misses: 0, turns: 3, wantsCounselor: false },
      profile: {},
      kb,
      now: new Date(),
    } as const satisfies Turn;
    const result = fallback(turn);
    expect(result.fellBack).toBe(true);
    expect(result.state).toEqual({ misses: 1 });
    expect(result.replies).toEqual([
      {
        text: m.clarify,
        quickReplies: [
          { title: kb.byId.get("costs-observership")?.title, payload: "clarify:costs-observership" },
          { title: kb.byId.get("rotation-types-observership")?.title, payload: "clarify:rotation-types-observership" },
        ],
      },
    ]);
  });

  it("answers the entry the student picked from a clarifying question", async () => {
    await talk(t.bot)
      .user("What an observership costs", "clarify:costs-observership")
      .expectIntent("costs")
      .expectReply((text) => expect(text).toContain(first("costs-observership")));
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

  it("keeps a confirmation asked in a message with several questions until it is answered", async () => {
    await talk(t.bot)
      .user("I want to start in June, how much does an observership cost and how early should I apply?")
      .expectReply((text, result) => {
        expect(text).toContain(m.confirm.replace("{fact}", "Target start: June 2027"));
        expect(result.replies.at(-1)?.quickReplies?.map((q) => q.payload)).toEqual(["confirm:yes", "confirm:no"]);
      })
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
