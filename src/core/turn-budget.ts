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

/**
 * A budget of `ms` from now. It is spent when both the wall-clock time and the
 * process's CPU time since the start exceed it: wall time alone would count
 * the other programs of a busy machine, and process CPU time alone the other
 * threads (a worker thread, the garbage collector's). `clock` is injectable
 * (tests): it returns [wall ms, cpu ms].
 */
export function startTurnBudget(ms: number, clock: () => [number, number] = processClock): TurnBudget {
  const [wall0, cpu0] = clock();
  return {
    check() {
      const [wall, cpu] = clock();
      if (wall - wall0 > ms && cpu - cpu0 > ms) throw new TurnBudgetExceeded(ms);
    },
  };
}

function processClock(): [number, number] {
  const { user, system } = process.cpuUsage();
  return [performance.now(), (user + system) / 1000];
}
