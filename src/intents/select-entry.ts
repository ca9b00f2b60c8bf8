import type { Intent } from "../core/intents.js";
import type { Turn } from "./turn.js";
import type { KnowledgeEntry } from "../knowledge/loader.js";
import { singular } from "../nlu/normalize.js";

/** Weights of the signals that pick one entry among an intent's entries. */
const TOPIC_MATCH = 0.15;
const TOPIC_MISMATCH = 0.1;
const CONTEXT_MATCH = 0.25;
const GENERAL_WHEN_NO_TOPIC = 0.1;
const GENERAL_WHEN_TOPIC = 0.1;
const AUDIENCE_MISMATCH = 0.2;
/** An entry about the kind of reader this student is ("graduates" for a graduate): written for them. */
const STATUS_TOPIC_MATCH = 0.1;
/** Words that turn a question away from what the conversation was about. */
const TURNS_AWAY = new Set(["instead", "rather"]);

/**
 * Ranks the entries of one intent for this turn: how well the message matches
 * each entry's examples, whether the entry is about the subject the message
 * names (or, when the message names nothing that tells this intent's entries
 * apart, the subject of the conversation), and whether it is written for this
 * student (student or graduate).
 */
export function rankEntries(turn: Turn, intent: Intent): { entry: KnowledgeEntry; score: number }[] {
  const { analysis, followUp } = turn.understanding;
  const entries = turn.kb.entries.filter((e) => e.intent === intent);
  // In a follow-up, "is it the same for graduates?" names who asks, not a new subject.
  const named = analysis.topics.filter((t) => !(followUp && isAudience(t, turn.kb.entries)));
  // Subjects none of the intent's entries is about do not choose among them ("graduates" for the costs entries).
  const mentioned = named.filter((t) => entries.some((e) => e.topics.includes(t)));
  // "what documents for that?": every documents entry is about documents, so "that" (the conversation's subject) decides.
  const tellsApart = (t: string) => 2 * entries.filter((e) => e.topics.includes(t)).length <= entries.length;
  // "which rotation for IM instead?" turns away from the conversation's subject: it does not choose among the entries.
  const turnsAway = analysis.tokens.some((t) => TURNS_AWAY.has(t));
  const followsContext = !turnsAway && (named.length === 0 || (mentioned.length > 0 && !mentioned.some(tellsApart)));
  const context = followsContext ? turn.state.topics.filter((t) => !mentioned.includes(t)) : [];
  // The conversation's subject, when an entry is about it, counts as named: the overview gives way to that entry.
  const contextNamed = entries.some((e) => e.topics.some((t) => context.includes(t)));
  const status = turn.profile.status;
  return entries
    .map((entry) => {
      let score = analysis.entryScores.get(entry.id) ?? 0;
      const topics = entry.topics;
      const aboutContext = context.length > 0 && topics.some((t) => context.includes(t));
      if (mentioned.length > 0) {
        const hits = topics.filter((t) => mentioned.includes(t)).length;
        score += TOPIC_MATCH * hits;
        if (topics.length > 0 && hits === 0 && !aboutContext) score -= TOPIC_MISMATCH;
        // One named subject favours the entries about it; several favour an overview.
        if (topics.length === 0 && named.length === 1) score -= GENERAL_WHEN_TOPIC;
      } else if (topics.length === 0 && contextNamed) {
        score -= GENERAL_WHEN_TOPIC;
      } else if (topics.length === 0 && context.length === 0) {
        score += GENERAL_WHEN_NO_TOPIC;
      }
      if (aboutContext) score += CONTEXT_MATCH;
      if (status && !entry.audience.includes("all") && !entry.audience.includes(status)) score -= AUDIENCE_MISMATCH;
      // "I finished med school last year, can I still do electives?": the profile says graduate, whatever words said it.
      if (status && topics.some((t) => singular(t) === status && !mentioned.includes(t))) score += STATUS_TOPIC_MATCH;
      return { entry, score };
    })
    .sort((a, b) => b.score - a.score || a.entry.id.localeCompare(b.entry.id));
}

/** Whether a subject names a kind of reader ("graduates"), as entries' `audience` does. */
function isAudience(topic: string, entries: readonly KnowledgeEntry[]): boolean {
  return entries.some((e) => (e.audience as readonly string[]).includes(singular(topic)));
}

/** The best entry for this turn's intent, if the intent has any. */
export function bestEntry(turn: Turn, intent: Intent = turn.understanding.intent): KnowledgeEntry | undefined {
  const chosen = turn.understanding.chosenEntryId ? turn.kb.byId.get(turn.understanding.chosenEntryId) : undefined;
  if (chosen && chosen.intent === intent) return chosen;
  return rankEntries(turn, intent)[0]?.entry;
}
