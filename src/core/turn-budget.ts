/**
 * The CPU budget of one turn. Reading a message is synchronous work on the
 * thread that also answers other students (and, with the embedded database,
 * acknowledges webhooks), so a message that is expensive to read must not
 * hold that thread for long: the reading checks the budget between steps and
 * gives up once it is spent. The student then gets a short notice
 * (`too_complex` in knowledge/_messages.yaml) and the event is logged.
 */
export class TurnBudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`reading the message took more than its budget of ${budgetMs} ms`);
    this.name = "TurnBudgetExceeded";
  }
}

export interface TurnBudget {
  /** Throws TurnBudgetExceeded once the budget is spent. */
  check(): void;
}

/** A budget of `ms` from now; `now` is a monotonic clock in milliseconds (tests inject one). */
export function startTurnBudget(ms: number, now: () => number = () => performance.now()): TurnBudget {
  const deadline = now() + ms;
  return {
    check() {
      if (now() > deadline) throw new TurnBudgetExceeded(ms);
    },
  };
}
