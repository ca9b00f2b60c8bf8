import { TurnBudgetExceeded } from "../core/turn-budget.js";
import type { Logger } from "../logger.js";
import { fixedOutcome, type TurnContext } from "./turn-context.js";

/**
 * The turn's one error handler: a step threw, so the student gets a safe
 * reply from the knowledge base (`too_complex` when reading the message ran
 * over its CPU budget, `error` otherwise), the failure is logged with the
 * message's ids and never its text, and none of the turn's lead work is saved.
 */
export function answerFailure(ctx: TurnContext, err: unknown, log: Logger): void {
  const { inbound } = ctx;
  const { messages } = ctx.knowledge.kb;
  const overBudget = err instanceof TurnBudgetExceeded;
  if (overBudget) {
    log.warn({ channel: inbound.channel, messageId: inbound.id, chars: inbound.text.length, budgetMs: err.budgetMs }, "turn over its CPU budget; answered with a short notice");
  } else {
    log.error({ err, channel: inbound.channel, conversation: inbound.conversation, messageId: inbound.id }, "turn failed");
  }
  ctx.outcome = fixedOutcome(ctx, overBudget ? messages.too_complex : messages.error);
  ctx.lead = undefined;
  ctx.withdrawConsent = undefined;
}
