import { appendReply } from "../../core/replies.js";
import { queueLead, SUMMARY_HISTORY, takeOver, type LeadTurn } from "../../leads/workflow.js";
import { leadContext, type TurnStep } from "../turn-context.js";

/**
 * The lead workflow answers before the bot does: the lead form, a counselor
 * holding the conversation, a consent withdrawal, the answer to a counselor
 * offer. A message that is no answer to the form is answered by the steps
 * below, then the form's question is asked again.
 */
export const leadTakeOver: TurnStep = async (ctx, next) => {
  const lead = leadContext(ctx);
  const taken = takeOver(lead);
  if (!taken) return next();
  if (taken.kind === "aside") {
    await next();
    const outcome = ctx.outcome;
    if (!outcome || outcome.result.forget) return;
    const { result } = outcome;
    ctx.outcome = { ...outcome, result: taken.reask ? { ...result, replies: appendReply(result.replies, taken.reask) } : result };
    ctx.lead = taken.lead;
    return;
  }
  const turn: LeadTurn = taken.kind === "form-complete" ? queueLead(taken.turn, lead, await ctx.history(SUMMARY_HISTORY)) : taken.turn;
  ctx.outcome = { intent: turn.intent, confidence: 1, result: { replies: turn.replies }, state: turn.state, profile: turn.profile };
  ctx.lead = turn.lead;
  ctx.withdrawConsent = turn.withdrawConsent;
};
