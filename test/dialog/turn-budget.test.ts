import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";

/**
 * Issue 14, high 2: a message that is expensive to read is cut off at the
 * turn's CPU budget: the student gets a short safe answer from _messages.yaml
 * and the event is logged; ordinary questions under the same budget are
 * answered. The budget's clock is tested in test/core/turn-budget.test.ts; the
 * work of reading a long message is counted in test/dialog/questions-work.test.ts.
 * Here a budget of 40 ms meets a message of sixty questions, whose reading
 * takes several times that (about 100 ms of CPU on a quiet machine, more on a
 * loaded one), while an ordinary question reads in about a millisecond (its
 * slowest 1% take 10-16 ms on a loaded two-core machine, garbage collection
 * included: a 10 ms budget made this test depend on the machine's load).
 */

const MANY = "what does an observership cost, and how early should I apply? ".repeat(70).slice(0, 3999).concat("?");
const lines: Record<string, unknown>[] = [];
let t: TestBot;
let seq = 0;
const handle = (text: string) => {
  seq += 1;
  return t.bot.handle({ channel: "telegram", conversation: `budget-${seq}`, sender: `budget-${seq}`, id: `m-${seq}`, text, receivedAt: new Date("2026-11-22T10:00:00Z") });
};

beforeAll(async () => {
  const logger = createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  t = await createTestBot({ maxMessageChars: 4000, turnBudgetMs: 40, logger });
  // The first turns of a process build the classifier (before the budget starts) and warm the code up.
  await handle("hello");
  await handle("what is an observership?");
});
afterAll(() => t?.dispose());

describe("the CPU budget of a turn", () => {
  it("answers a message that reads for longer than its budget with the too_complex notice, stores it, and logs it", async () => {
    expect(MANY).toHaveLength(4000);
    const result = await handle(MANY);
    expect(result.replies.map((r) => r.text)).toEqual([realKnowledge().messages.too_complex]);
    const warning = lines.findLast((l) => l.msg === "turn over its CPU budget; answered with a short notice");
    expect(warning).toMatchObject({ level: 40, chars: 4000, budgetMs: 40 });
    // The log says how long the message was, never what it said.
    expect(JSON.stringify(warning)).not.toContain("observership");
    const stored = await t.db.driver.query<{ text: string }>("SELECT text FROM messages WHERE conversation = $1 AND direction = 'in'", [`budget-${seq}`]);
    expect(stored.rows.map((r) => r.text)).toEqual([MANY]);
  });

  it("still answers an ordinary question under the same budget", async () => {
    const result = await handle("how much does an observership cost?");
    expect(result.replies[0]?.text).not.toBe(realKnowledge().messages.too_complex);
    expect(result.intent).toBe("costs");
  });
});
