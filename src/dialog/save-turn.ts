import type { ConversationStore } from "../core/ports.js";
import type { Logger } from "../logger.js";
import type { HandleResult } from "./bot.js";
import type { TurnContext } from "./turn-context.js";

/**
 * Saves what the turn's steps decided, in one transaction of the store: the
 * replies, state, profile and lead write, or, for /forget, the erasure of the
 * student's data. `deliver`: the message came through the inbox, so the
 * replies go to the outbox and the message is marked done with them.
 */
export async function saveTurn(ctx: TurnContext, o: { store: ConversationStore; log: Logger; deliver: boolean; claimFirstReplyMs?: number; at: Date }): Promise<HandleResult> {
  const { inbound, conversation } = ctx;
  const outcome = ctx.outcome;
  if (!outcome) throw new Error("saveTurn needs the turn's outcome");
  const { intent, result } = outcome;
  if (result.forget) {
    const inbox = o.deliver ? { conversation: inbound.conversation, messageId: inbound.id, receivedAt: inbound.receivedAt, replies: result.replies } : undefined;
    await o.store.forget(inbound.channel, inbound.sender, inbox);
    o.log.info({ channel: inbound.channel, conversation: inbound.conversation }, "student data erased on request");
    return { handled: true, intent, replies: result.replies };
  }
  const state = { ...outcome.state, turns: conversation.state.turns + 1 };
  const saved = await o.store.saveTurn({
    inbound,
    intent,
    confidence: outcome.confidence,
    fellBack: result.fellBack ?? false,
    replies: result.replies,
    state,
    profile: outcome.profile,
    profileChanged: outcome.profile !== conversation.profile,
    at: o.at,
    deliver: o.deliver,
    ...(o.deliver && o.claimFirstReplyMs ? { claimFirstReplyMs: o.claimFirstReplyMs } : {}),
    ...(ctx.lead ? { lead: ctx.lead } : {}),
    ...(ctx.withdrawConsent ? { withdrawConsent: ctx.withdrawConsent } : {}),
  });
  if (saved.lead) o.log.info({ channel: inbound.channel, leadId: saved.lead.id, status: saved.lead.status, step: ctx.lead?.set?.step }, "lead turn");
  o.log.debug({ channel: inbound.channel, conversation: inbound.conversation, intent, confidence: outcome.confidence, fellBack: result.fellBack ?? false }, "turn done");
  return {
    handled: true,
    intent,
    replies: result.replies,
    ...(saved.lead ? { lead: { id: saved.lead.id, status: saved.lead.status } } : {}),
    ...(saved.claimed ? { claimed: saved.claimed } : {}),
    // The conversation as this turn left it, for the next message of the same batch; only where no lead is open or
    // written (a lead is also changed from the counselor desk, so it is read afresh) and no consent was withdrawn.
    ...(!conversation.lead && !ctx.lead && !ctx.withdrawConsent ? { after: { state, profile: outcome.profile, lead: null } } : {}),
  };
}
