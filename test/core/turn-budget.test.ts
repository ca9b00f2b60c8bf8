import { describe, expect, it } from "vitest";
import { startTurnBudget, TurnBudgetExceeded } from "../../src/core/turn-budget.js";

/** A clock the test moves by hand: [wall ms, cpu ms]; counts how often the CPU time is read. */
function handClock() {
  const now: [number, number] = [1000, 500];
  const reads = { cpu: 0 };
  return { now, reads, clock: { wall: () => now[0], cpu: () => (reads.cpu++, now[1]) } };
}

describe("the CPU budget of a turn", () => {
  it("is not spent while either the wall-clock time or the CPU time is within it", () => {
    const { now, clock } = handClock();
    const budget = startTurnBudget(50, clock);
    now[0] += 200; // a busy machine: much wall time, little of it ours
    now[1] += 10;
    expect(() => budget.check()).not.toThrow();
    now[1] += 45; // CPU now over the budget, and wall time too
    expect(() => budget.check()).toThrow(TurnBudgetExceeded);
  });

  it("counts CPU time only when the wall-clock time agrees (another thread's work is not this turn's)", () => {
    const { now, clock } = handClock();
    const budget = startTurnBudget(50, clock);
    now[1] += 120; // process CPU of other threads, in 10 ms of wall time
    now[0] += 10;
    expect(() => budget.check()).not.toThrow();
    now[0] += 41;
    const err = (() => {
      try {
        budget.check();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TurnBudgetExceeded);
    expect((err as TurnBudgetExceeded).budgetMs).toBe(50);
  });

  it("reads the CPU time (a system call) only once the wall-clock time is past the budget", () => {
    const { now, reads, clock } = handClock();
    const budget = startTurnBudget(50, clock);
    expect(reads.cpu).toBe(1);
    for (let i = 0; i < 10; i++) {
      now[0] += 1;
      budget.check();
    }
    expect(reads.cpu).toBe(1);
    now[0] += 100;
    budget.check();
    expect(reads.cpu).toBe(2);
  });
});
