import { prependText } from "../../core/replies.js";
import { fill } from "../../knowledge/template.js";
import type { TurnStep } from "../turn-context.js";

/** A message cut to the length limit: whatever the turn answers starts with a notice that it was cut. */
export const noteTruncation: TurnStep = async (ctx, next) => {
  await next();
  if (!ctx.truncated || !ctx.outcome) return;
  const notice = fill(ctx.knowledge.kb.messages.too_long, { limit: ctx.maxChars });
  ctx.outcome = { ...ctx.outcome, result: { ...ctx.outcome.result, replies: prependText(ctx.outcome.result.replies, notice) } };
};
