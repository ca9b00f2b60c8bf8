import { fixedOutcome, type TurnStep } from "../turn-context.js";

/** Over the per-student rate limit (decided by the inbox worker): the notice, and nothing else runs. */
export const rateLimit: TurnStep = (ctx, next) => {
  if (!ctx.limited) return next();
  ctx.outcome = fixedOutcome(ctx, ctx.knowledge.kb.messages.rate_limited);
};
