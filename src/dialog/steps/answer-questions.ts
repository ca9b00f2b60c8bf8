import { startTurnBudget } from "../../core/turn-budget.js";
import { answerMessage } from "../answer-message.js";
import type { TurnStep } from "../turn-context.js";

/**
 * Answers the questions of the message through the intent handlers: on the
 * language model's English restatement when it gave one, else on the text.
 */
export const answerQuestions: TurnStep = (ctx) => {
  const { reading } = ctx;
  if (!reading) throw new Error("answer-questions runs after read-message");
  const hint = reading.model?.hint ?? undefined;
  const { state, profile } = ctx.conversation;
  ctx.outcome = answerMessage({
    inbound: reading.inbound,
    text: hint ? hint.english : reading.inbound.text,
    state,
    profile,
    knowledge: ctx.knowledge,
    now: ctx.now,
    route: ctx.route,
    hint,
    reading: hint ? undefined : reading.understanding,
    // Reading the sentences of a long message is what can cost: it has a budget (core/turn-budget.ts).
    budget: startTurnBudget(ctx.turnBudgetMs),
  });
};
