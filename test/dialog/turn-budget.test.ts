import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";

/**
 * Issue 14, high 2: a message that is expensive to read ("a, a, a, …, a?", for
 * which the question splitter does quadratic work) is cut off at the turn's
 * CPU budget: the student gets a short safe answer from _messages.yaml and the
 * event is logged; ordinary questions under the same budget are answered.
 */

const SLOW = `${"a, ".repeat(700).slice(0, 1998)}a?`;
const lines: Record<string, unknown>[] = [];
let t: TestBot;
let seq = 0;
const handle = (text: string) => {
  seq += 1;
  return t.bot.handle({ channel: "telegram", conversation: `budget-${seq}`, sender: `budget-${seq}`, id: `m-${seq}`, text, receivedAt: new Date("2026-11-22T10:00:00Z") });
};

beforeAll(async () => {
  const logger = createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  t = await createTestBot({ maxMessageChars: 2000, turnBudgetMs: 50, logger });
  // The first turn of a process builds the classifier (before the budget starts): not what is measured here.
  await handle("hello");
});
afterAll(() => t?.dispose());

describe("the CPU budget of a turn", () => {
  it("answers the 2,000-character 'a, a, …, a?' with the too_complex notice within its budget, and logs it", async () => {
    expect(SLOW).toHaveLength(2000);
    const cpu0 = process.cpuUsage();
    const result = await handle(SLOW);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(result.replies.map((r) => r.text)).toEqual([realKnowledge().messages.too_complex]);
    // 50 ms of reading, plus storing the message and the turn (the embedded database's CPU counts too).
    // Read whole, the message costs several hundred milliseconds of CPU.
    expect(cpuMs).toBeLessThan(50 + 100);
    const warning = lines.find((l) => l.msg === "turn over its CPU budget; answered with a short notice");
    expect(warning).toMatchObject({ level: 40, chars: 2000, budgetMs: 50 });
    // The log says how long the message was, never what it said.
    expect(JSON.stringify(warning)).not.toContain("a, a");
  });

  it("still answers an ordinary question under the same budget", async () => {
    const result = await handle("how much does an observership cost?");
    expect(result.replies[0]?.text).not.toBe(realKnowledge().messages.too_complex);
    expect(result.intent).toBe("costs");
  });
});
