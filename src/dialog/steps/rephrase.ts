import type { Reply } from "../../core/model.js";
import { mayRephrase } from "../language-assist.js";
import type { TurnStep } from "../turn-context.js";

/**
 * When the language model read the message, it may rewrite the cited
 * answer in the student's language and tone; the layer returns null unless
 * the rewrite passed its grounding check, and the offline answer stays.
 */
export const rephrase: TurnStep = async (ctx, next) => {
  await next();
  const { outcome, language } = ctx;
  const model = ctx.reading?.model;
  if (!language || !model?.hint || !outcome || !mayRephrase(outcome.intent, outcome.result, outcome.state)) return;
  const reply = outcome.result.replies[0] as Reply;
  const { kb } = ctx.knowledge;
  const cited = (reply.citations ?? []).map((c) => kb.byId.get(c.entryId)).filter((e) => e !== undefined);
  const entries = cited.map((e) => ({ id: e.id, title: e.title, body: e.body }));
  const phrased = await language.phrase({
    ...model.context,
    question: ctx.inbound.text,
    offlineAnswer: reply.text,
    entries,
    language: model.hint.language,
    history: model.history,
  });
  if (phrased) ctx.outcome = { ...outcome, result: { ...outcome.result, replies: [{ ...reply, text: phrased.text, generated: true }] } };
};
