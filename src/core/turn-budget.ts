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

/** Where a budget reads the time: wall-clock and process CPU milliseconds. */
export interface BudgetClock {
  wall(): number;
  cpu(): number;
}

/**
 * A budget of `ms` from now. It is spent when both the wall-clock time and the
 * process's CPU time since the start exceed it: wall time alone would count
 * the other programs of a busy machine, and process CPU time alone the other
 * threads (a worker thread, the garbage collector's). The CPU time (a system
 * call) is read only once the wall-clock time is past the budget. `clock` is
 * injectable (tests).
 */
export function startTurnBudget(ms: number, clock: BudgetClock = processClock): TurnBudget {
  const wall0 = clock.wall();
  const cpu0 = clock.cpu();
  return {
    check() {
      if (clock.wall() - wall0 > ms && clock.cpu() - cpu0 > ms) throw new TurnBudgetExceeded(ms);
    },
  };
}

const processClock: BudgetClock = {
  wall: () => performance.now(),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};
