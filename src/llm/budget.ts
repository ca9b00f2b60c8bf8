/**
 * The daily token budget of the LLM layer (LLM_DAILY_TOKEN_BUDGET). Counted
 * in memory per process and per UTC day: several processes each get the whole
 * budget, and a restart starts the day's count again. That keeps the budget a
 * guard against runaway spending (a loop, a flood of messages) without a
 * database write on every call; size it per process. When it is spent the bot
 * answers offline until midnight UTC.
 */
export interface TokenBudget {
  /** Whether another call may be made now. */
  available(): boolean;
  spend(tokens: number): void;
  /** Tokens spent today. */
  spent(): number;
}

/** `daily` undefined: no limit. `now` is the clock (tests pass a fake one). */
export function createTokenBudget(daily: number | undefined, now: () => Date = () => new Date()): TokenBudget {
  let day = "";
  let used = 0;
  const roll = () => {
    const today = now().toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      used = 0;
    }
  };
  return {
    available() {
      roll();
      return daily === undefined || used < daily;
    },
    spend(tokens) {
      roll();
      used += Math.max(0, tokens);
    },
    spent() {
      roll();
      return used;
    },
  };
}
