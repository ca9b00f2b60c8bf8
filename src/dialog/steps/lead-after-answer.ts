import { afterAnswer } from "../../leads/workflow.js";
import { leadContext, type TurnStep } from "../turn-context.js";

/**
 * After the bot answered: a request for a human starts the lead form, strong
 * intent or a score crossing its threshold offers a counselor, and a queued
 * lead's thread gets the student's message and the answer.
 */
export const leadAfterAnswer: TurnStep = async (ctx, next) => {
  await next();
  if (!ctx.outcome) return;
  const after = afterAnswer(leadContext(ctx), ctx.outcome);
  ctx.outcome = { ...ctx.outcome, result: after.result, state: after.state };
  ctx.lead = after.lead;
};
