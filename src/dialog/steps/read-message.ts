import type { PastMessage } from "../../core/language-model.js";
import { isLeadPayload } from "../../leads/form.js";
import { understand } from "../../nlu/understand.js";
import { shouldConsult } from "../language-assist.js";
import type { TurnContext, TurnStep } from "../turn-context.js";

/** Earlier messages the language model sees with the one it reads. */
const MODEL_HISTORY = 5;
/** Earlier messages read for the student's name, which is redacted from every request even when said long ago. */
const NAME_HISTORY = 50;

/**
 * Reads the message offline and, when the language model is on and the
 * offline reading is unsure or the message is not in English, asks the model
 * for its reading too (the cascade). A failed call leaves the offline reading.
 */
export const readMessage: TurnStep = async (ctx, next) => {
  // A stale button of a finished form or offer is read as the text on it.
  const inbound = isLeadPayload(ctx.inbound.payload) ? { ...ctx.inbound, payload: undefined } : ctx.inbound;
  const { state, profile } = ctx.conversation;
  const { kb, nlu } = ctx.knowledge;
  const understanding = understand(inbound.text, state, nlu, kb, ctx.now, inbound.payload);
  ctx.reading = { inbound, understanding };
  if (ctx.language && shouldConsult(understanding, inbound.text, inbound.payload, state)) {
    const { history, earlierTexts } = await recentMessages(ctx);
    const context = { channel: inbound.channel, conversation: inbound.conversation, knownNames: typeof profile.name === "string" ? [profile.name] : [], earlierTexts };
    const hint = await ctx.language.classify({ ...context, text: inbound.text, history });
    ctx.reading = { ...ctx.reading, model: { context, history, hint } };
  }
  await next();
};

/** This conversation's last few messages before the current one, oldest first; and the student's earlier ones (for names only). */
async function recentMessages(ctx: TurnContext): Promise<{ history: PastMessage[]; earlierTexts: string[] }> {
  const past = await ctx.history(NAME_HISTORY);
  if (past.at(-1)?.direction === "in") past.pop();
  const recent = past.slice(-MODEL_HISTORY);
  const earlierTexts = past.slice(0, -MODEL_HISTORY).filter((m) => m.direction === "in").map((m) => m.text);
  return { history: recent.map((m) => ({ from: m.direction === "in" ? "student" : "bot", text: m.text })), earlierTexts };
}
