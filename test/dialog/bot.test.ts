import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inbound } from "../../src/core/model.js";
import type { Bot, HandleResult } from "../../src/dialog/bot.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot({ maxMessageChars: 2000 });
});
afterAll(() => t?.dispose());

const messages = () => realKnowledge().messages;
const entry = (id: string) => {
  const e = realKnowledge().byId.get(id);
  if (!e) throw new Error(`knowledge entry ${id} is missing`);
  return e;
};
/** The reply must be the entry's own answer. */
const answers = (id: string) => (text: string) => expect(text).toContain(entry(id).body.split("\n")[0]);
/** The entries a turn's replies cite, in order. */
const cited = (r: HandleResult) => r.replies.flatMap((reply) => reply.citations?.map((c) => c.entryId) ?? []);
/** One message in a conversation of its own. */
const askAlone = (bot: Bot, id: string, text: string) => bot.handle({ id, channel: "test", conversation: id, sender: id, text, receivedAt: new Date() });

describe("questions joined by 'and' without a question word", () => {
  it("answers each side when both name their own subject and ask something about it", async () => {
    await talk(t.bot)
      .user("toefl minimum score and vslo fee per application?")
      .expectIntent("eligibility")
      .expectReply(answers("eligibility-english-tests"))
      .expectReply(answers("costs-vslo-fee"));
  });

  it("keeps a question whole when one side is only a subject", async () => {
    await talk(t.bot)
      .user("what is the difference between observership and externship?")
      .expectIntent("rotation_types")
      .expectReply(answers("rotation-types-observership-vs-externship"))
      .expectReply((text) => expect(text.match(/^Sources: /gm)).toHaveLength(1));
  });
});

describe("turning away from the conversation's subject", () => {
  it("does not let the previous subject choose the entry when the student says 'instead'", async () => {
    await talk(t.bot)
      .user("in dermatology does research count for more than clinical rotations?")
      .user("is a research year counted as clinical experience?")
      .user("and which rotation should i choose for pediatrics instead")
      .expectIntent("specialties")
      .expectReply(answers("specialties-choosing-rotation"));
  });
});

describe("answering the four core questions from the knowledge base", () => {
  it("answers how many letters ERAS takes from the entry about the ERAS letter limit", async () => {
    await talk(t.bot).user("is there a cap on letters per program in eras").expectIntent("recommendation_letters").expectReply(answers("letters-eras-limit"));
  });
  it("answers a letters question that names a specialty from the entry about letters by specialty", async () => {
    await talk(t.bot).user("for a dermatology residency, are ordinary reference letters fine?").expectIntent("recommendation_letters").expectReply(answers("letters-sloe-specialty"));
  });

  it("answers what a rotation costs, with its sources", async () => {
    await talk(t.bot).user("how much does a rotation cost?").expectIntent("costs").expectReply(answers("costs-overview")).expectReply(/Sources: /);
  });

  it("answers whether graduates can do electives", async () => {
    await talk(t.bot).user("can I do electives after graduating?").expectIntent("eligibility").expectReply(answers("eligibility-graduates"));
  });

  it("answers how early to apply", async () => {
    await talk(t.bot).user("how early should I apply?").expectIntent("timing").expectReply(answers("timing-overview"));
  });

  it("explains the difference between an observership and an externship", async () => {
    await talk(t.bot)
      .user("what's the difference between an observership and an externship?")
      .expectIntent("rotation_types")
      .expectReply(answers("rotation-types-observership-vs-externship"));
  });
});

describe("following the conversation", () => {
  it("answers 'how much does it cost?' about the observership just discussed", async () => {
    await talk(t.bot)
      .user("what's an observership?")
      .expectIntent("rotation_types")
      .expectReply(answers("rotation-types-observership"))
      .user("how much does it cost?")
      .expectIntent("costs")
      .expectReply(answers("costs-observership"));
  });

  it("a follow-up with no subject of its own gets the entry about the conversation's subject, not the overview", async () => {
    await talk(t.bot)
      .user("can international students apply through VSLO?")
      .expectReply(answers("eligibility-vslo"))
      .user("what is the fee for it?")
      .expectIntent("costs")
      .expectReply(answers("costs-vslo-fee"))
      .user("which documents are needed for that")
      .expectIntent("documents")
      .expectReply(answers("documents-vslo-uploads"));
  });

  it("a follow-up that only names who asks keeps the subject", async () => {
    await talk(t.bot)
      .user("is passing step 1 necessary before rotations?")
      .expectReply(answers("eligibility-step1"))
      .user("and for graduates?")
      .expectIntent("eligibility")
      .expectReply(answers("eligibility-step1"));
  });

  it("in a several-question message, a later question is not about the entry that answered an earlier one", async () => {
    await talk(t.bot)
      .user("I already graduated, which rotations can I still do and how much will that cost?")
      .expectReply(answers("eligibility-graduates"))
      .expectReply(answers("costs-overview"));
  });

  it("without context, the same question gets the general cost answer", async () => {
    await talk(t.bot).user("how much does it cost?").expectIntent("costs").expectReply(answers("costs-overview"));
  });

  it("answers the question at the end of a long story, not the greeting that opens it", async () => {
    const story =
      "Good morning, I am from a small town and my family has saved for years so that I can go abroad. " +
      "My seniors told me many different things on WhatsApp and I no longer know whom to believe about any of it. " +
      "How much does an observership in the US cost?";
    await talk(t.bot).user(story).expectIntent("costs").expectReply(answers("costs-observership"));
  });

  it("does not greet back when a story opens by greeting its readers ('Hi everyone', 'hello doctors')", async () => {
    for (const opener of ["Hi everyone", "hello doctors", "Hey all"]) {
      const story = `${opener}, long time reader. I finished medical school in Lagos two years ago and my cousin keeps telling me to do research first. How much does an observership in the US cost?`;
      const r = await askAlone(t.bot, `opener-${opener}`, story);
      expect(cited(r)).toContain("costs-observership");
      expect(cited(r)).not.toContain("smalltalk-greeting");
    }
  });

  it("reads a long sentence that does not ask as the story, not as a question about the subject it names", async () => {
    const story =
      "Visa interview stories from seniors in the hostel are scary, and the agency keeps changing the dates on us. " +
      "When should I apply for an elective at a US school?";
    const r = await askAlone(t.bot, "told-1", story);
    expect(r.intent).toBe("timing");
    expect(cited(r)).toEqual(["timing-direct-electives"]);
  });

  it("in a long story, does not let the sentences that only say who the student is choose the entry", async () => {
    const story =
      "Final year student here from Lahore, Step 1 passed in 2025, and I want an elective next summer. " +
      "My family has saved for this for years so we cannot afford mistakes now. " +
      "Is an observership certificate worth anything for the match?";
    const r = await askAlone(t.bot, "profile-story", story);
    expect(r.intent).toBe("residency_match");
    expect(cited(r)).not.toContain("eligibility-students-electives");
    // The profile it told is still noted.
    expect(r.replies[0]?.text).toMatch(/Noted: .*student/i);
  });

  it("answers the question of a student who says they do not want a counselor, without starting the lead form", async () => {
    const r = await askAlone(t.bot, "no-counselor", "I don't need a counselor, I just want a straight answer: are externships legal for graduates?");
    expect(r.intent).toBe("rotation_types");
    expect(cited(r)).toEqual(["rotation-types-externship"]);
    expect(r.lead).toBeUndefined();
  });

  it("acknowledges a message that only declines a counselor, with the message of _messages.yaml, and starts no form", async () => {
    const k = realKnowledge();
    for (const [i, text] of ["I don't need a counselor", "no human please", "I don't want to talk to a human"].entries()) {
      const r = await askAlone(t.bot, `declined-${i}`, text);
      expect(r.replies.map((x) => x.text)).toEqual([k.messages.declined]);
      expect(r.lead).toBeUndefined();
    }
    // Saying yes after a no still reaches a person.
    const yes = await askAlone(t.bot, "declined-yes", "no, I want a counselor");
    expect(yes.intent).toBe("counselor");
  });

  it("reads a bare follow-up question together with the sentence before it", async () => {
    await talk(t.bot)
      .user("my b1/b2 application was denied under 214(b). what can i do now?")
      .expectIntent("logistics")
      .expectReply(answers("logistics-visa-refusal-214b"));
  });

  it("remembers what the student said about themselves and shows it in /profile", async () => {
    await talk(t.bot)
      .user("I'm a 2023 graduate and I passed step 1")
      .expectReply(/graduate/i)
      .user("/profile")
      .expectReply(/graduate/)
      .expectReply(/2023/)
      .expectReply(/passed/);
  });
});

describe("safety and scope", () => {
  it("points a medical emergency to emergency services", async () => {
    await talk(t.bot).user("I have severe chest pain right now").expectIntent("out_of_scope").expectReply(/911|emergency/i);
  });

  it("falls back honestly on something it does not cover", async () => {
    await talk(t.bot).user("who won the football world cup").expectIntent("out_of_scope").expectNoReply(/Sources:/);
  });

  it("answers a request for a human and starts the lead form with the consent question", async () => {
    const result = await talk(t.bot).user("I want to talk to a counselor").expectIntent("counselor");
    expect(result?.replies[0]?.text).toContain(entry("counselor-request").body);
    expect(result?.replies[0]?.text).toContain(realKnowledge().leads?.consent.text);
    expect(result?.lead?.status).toBe("collecting");
  });
});

describe("bad input never breaks a turn and is always stored", () => {
  const store = () => createSqlStore(t.db.driver);
  const cases: [string, string, RegExp | ((m: ReturnType<typeof messages>) => string)][] = [
    ["an empty message", "", (m) => m.empty_message],
    ["whitespace only", "   \n\t ", (m) => m.empty_message],
    ["control characters", "\u0000\u0001\u0002", (m) => m.empty_message],
    ["emoji only", "🙂🙂🙂", /./],
    ["markup", "<script>alert(1)</script><b>hi</b>", /./],
    ["SQL-looking text", "'; DROP TABLE messages; --", /./],
    ["invalid UTF-16", "how much \uD800 cost", /./],
  ];
  it.each(cases)("answers %s with a friendly reply", async (_, text, expected) => {
    const conversation = `bad-${Math.random()}`;
    const result = await talk(t.bot, conversation).user(text);
    const reply = result?.replies.map((r) => r.text).join("\n") ?? "";
    if (typeof expected === "function") expect(reply).toBe(expected(messages()));
    else expect(reply).toMatch(expected);
    expect(reply).not.toMatch(/Error|at .*\.ts:\d+/);
    const history = await store().history("test", conversation, 10);
    expect(history.map((m) => m.direction)).toEqual(["in", "out"]);
  });

  it("caps a 100 KB message, says so, and still answers it", async () => {
    const conversation = "long";
    const text = `how much does an observership cost? ${"x".repeat(100_000)}`;
    const result = await talk(t.bot, conversation).user(text);
    const reply = result?.replies[0]?.text ?? "";
    expect(reply.startsWith(messages().too_long.replaceAll("{limit}", "2000"))).toBe(true);
    expect(reply).toContain(entry("costs-observership").body.split("\n")[0]);
    const [stored] = await store().history("test", conversation, 1).then(() => t.db.driver.query<{ n: number; truncated: boolean }>(
      "SELECT char_length(text) AS n, truncated FROM messages WHERE conversation = $1 AND direction = 'in'", [conversation]).then((r) => r.rows));
    expect(stored).toEqual({ n: 2000, truncated: true });
  });

  it("answers non-text content with the 'I can read text' message", async () => {
    const result = await t.bot.handle({ id: "photo-1", channel: "test", conversation: "photo", sender: "photo", text: "", contentType: "unsupported", receivedAt: new Date() });
    expect(result.replies[0]?.text).toBe(messages().unreadable);
  });
});

describe("delivery guarantees", () => {
  const msg = (id: string, conversation: string, text: string): Inbound => ({ id, channel: "test", conversation, sender: conversation, text, receivedAt: new Date() });

  it("handles a redelivered message once", async () => {
    const first = await t.bot.handle(msg("same-id", "redeliver", "hi"));
    const again = await t.bot.handle(msg("same-id", "redeliver", "hi"));
    expect(first.handled).toBe(true);
    expect(again).toEqual({ handled: false, intent: null, replies: [] });
  });

  it("handles the messages of one conversation one at a time, in order", async () => {
    await Promise.all([
      t.bot.handle(msg("o-1", "order", "what's an observership?")),
      t.bot.handle(msg("o-2", "order", "how much does it cost?")),
    ]);
    const history = await createSqlStore(t.db.driver).history("test", "order", 10);
    expect(history.map((m) => `${m.direction}:${m.intent}`)).toEqual(["in:rotation_types", "out:rotation_types", "in:costs", "out:costs"]);
    expect(history[3]?.text).toContain(entry("costs-observership").body.split("\n")[0]);
  });

  it("replies with a safe apology when a handler throws, and keeps the message", async () => {
    const broken = await createTestBot({ handlers: { costs: () => { throw new Error("boom"); } } }, t.db);
    const result = await talk(broken.bot, "broken").user("how much does a rotation cost?");
    expect(result?.replies.map((r) => r.text)).toEqual([messages().error]);
    const history = await createSqlStore(t.db.driver).history("test", "broken", 10);
    expect(history.map((m) => m.direction)).toEqual(["in", "out"]);
  });

  it("erases a student's data on /forget", async () => {
    await talk(t.bot, "forgetful").user("I'm a final year student").user("/forget").expectReply((text) => expect(text).toBe(messages().forgotten));
    expect(await createSqlStore(t.db.driver).history("test", "forgetful", 10)).toEqual([]);
    await talk(t.bot, "forgetful").user("/profile").expectReply((text) => expect(text).toBe(messages().profile_empty));
  });
});

describe("a request for a person inside a story", () => {
  it("offers a counselor when the asked sentence wants someone to arrange a rotation, whatever subjects the story names", async () => {
    await talk(t.bot)
      .user("I want a cardiology elective in Texas for April 2027. Could you arrange one for me? I'm a final year student from Nepal with Step 1 done.")
      .expectIntent("counselor");
  });
});
