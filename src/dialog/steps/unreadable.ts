import { fixedOutcome, type TurnStep } from "../turn-context.js";

/**
 * A photo, voice note, sticker or file that nobody took over (a counselor
 * holding the conversation gets a note instead, in lead-take-over): the
 * student is told that rotabot reads text only.
 */
export const unreadable: TurnStep = (ctx, next) => {
  if (ctx.inbound.contentType !== "unsupported") return next();
  ctx.outcome = fixedOutcome(ctx, ctx.knowledge.kb.messages.unreadable);
};
