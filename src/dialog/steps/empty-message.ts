import { fixedOutcome, type TurnStep } from "../turn-context.js";

/** A text message with nothing left after cleaning, and no button: asked to write something. */
export const emptyMessage: TurnStep = (ctx, next) => {
  const { inbound } = ctx;
  if (inbound.contentType === "unsupported" || inbound.text || inbound.payload) return next();
  ctx.outcome = fixedOutcome(ctx, ctx.knowledge.kb.messages.empty_message);
};
