import { FACTUAL_INTENTS } from "../core/intents.js";
import type { StoredMessage } from "../core/ports.js";
import type { Profile } from "../core/state.js";
import { formatValue } from "../intents/profile.js";
import type { Messages } from "../knowledge/schema.js";
import type { LeadSummary, LeadTrigger } from "../core/lead.js";
import type { LeadScore } from "./score.js";

/** Questions a card shows; a counselor reads it in ten seconds. */
export const SUMMARY_QUESTIONS = 5;
/** Characters of a bot answer shown on the card. */
const ANSWER_CHARS = 160;
/** Characters of a student's question shown on the card. */
const QUESTION_CHARS = 300;

const clip = (text: string, max: number) => {
  const flat = text.replace(/\*\*/g, "").replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
};
/** The first paragraph of an answer: the short version of it. */
const firstParagraph = (text: string) => text.split(/\n\s*\n/)[0] ?? text;

/**
 * What a counselor reads in ten seconds: the profile as label/value pairs,
 * the student's recent questions with the first lines of what rotabot
 * answered, the question it could not answer (if any), the score and why, and
 * what started the lead. `history` is the conversation, oldest first; the
 * lead form's own turns and small talk are left out.
 */
export function buildSummary(profile: Readonly<Profile>, history: readonly StoredMessage[], trigger: LeadTrigger, score: LeadScore, messages: Messages): LeadSummary {
  const labels = messages.profile_labels;
  const profileRows = Object.entries(labels)
    .filter(([key]) => profile[key] !== undefined && profile[key] !== null && profile[key] !== "")
    .map(([key, label]) => ({ label, value: formatValue(profile[key], key) }));

  const asked: { text: string; answer: string; fellBack: boolean; generated?: boolean }[] = [];
  for (const [i, m] of history.entries()) {
    if (m.direction !== "in" || !m.text.trim() || m.text.trim().startsWith("/")) continue;
    const reply = history.slice(i + 1).find((r) => r.direction === "out");
    const intent = m.intent ?? reply?.intent ?? null;
    const failed = m.fellBack === true;
    if (!failed && (intent === null || !FACTUAL_INTENTS.has(intent))) continue;
    asked.push({ text: clip(m.text, QUESTION_CHARS), answer: clip(firstParagraph(reply?.text ?? ""), ANSWER_CHARS), fellBack: failed, ...(reply?.generated ? { generated: true } : {}) });
  }
  const failedQuestion = asked.filter((q) => q.fellBack).at(-1)?.text;
  return {
    profile: profileRows,
    questions: asked.slice(-SUMMARY_QUESTIONS).map(({ text, answer, generated }) => ({ text, answer, ...(generated ? { generated } : {}) })),
    ...(failedQuestion ? { failedQuestion } : {}),
    score: score.score,
    scoreReasons: score.reasons,
    trigger,
  };
}
