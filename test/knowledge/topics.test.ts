import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replay } from "../../src/cli/replay.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";

/** Questions written for this test, not copied from the entries' examples, with the entry that must answer. */
/** Where two entries answer a question equally well, the fixture lists both. */
const QUESTIONS = (JSON.parse(readFileSync(new URL("../fixtures/topic-questions.json", import.meta.url), "utf8")) as [string, string | string[]][]).map(
  ([text, ids]) => [text, Array.isArray(ids) ? ids : [ids]] as const,
);

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(() => t?.dispose());

describe("replay answers questions from every topic of the knowledge base", () => {
  it("covers every entry with at least one question", () => {
    const asked = new Set(QUESTIONS.flatMap(([, ids]) => ids));
    expect(realKnowledge().entries.map((e) => e.id).filter((id) => !asked.has(id))).toEqual([]);
  });

  it("answers each question, in a fresh conversation, with the right entry", async () => {
    const lines = QUESTIONS.map(([text], i) => `${JSON.stringify({ conversation: `topic-${i}`, text })}\n`);
    const out: { intent: string; reply: string }[] = [];
    await replay(t.bot, Readable.from(lines), (l) => out.push(JSON.parse(l)));
    const kb = realKnowledge();
    const wrong = QUESTIONS.flatMap(([text, ids], i) => {
      const reply = out[i]?.reply ?? "";
      const ok = ids.some((id) => {
        const entry = kb.byId.get(id);
        return entry !== undefined && reply.includes(entry.body.slice(0, 60)) && out[i]?.intent === entry.intent;
      });
      const got = kb.entries.find((e) => reply.includes(e.body.slice(0, 60)))?.id ?? `(${out[i]?.intent})`;
      return ok ? [] : [`${text} → ${got}, expected ${ids.join(" or ")}`];
    });
    expect(wrong).toEqual([]);
  });
});
