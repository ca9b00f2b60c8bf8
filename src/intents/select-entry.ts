import type { Intent } from "../core/intents.js";
import type { Turn } from "../core/turn.js";
import type { KnowledgeEntry } from "../knowledge/loader.js";

/** Weights of the signals that pick one entry among an intent's entries. */
const TOPIC_MATCH = 0.15;
const TOPIC_MISMATCH = 0.1;
const CONTEXT_MATCH = 0.25;
const GENERAL_WHEN_NO_TOPIC = 0.1;
const GENERAL_WHEN_TOPIC = 0.1;
const AUDIENCE_MISMATCH = 0.2;

/**
 * Ranks the entries of one intent for this turn: how well the message matches
 * each entry's examples, whether the entry is about the subject the message
 * names (or, for a follow-up with no subject, the subject of the conversation),
 * and whether it is written for this student (student or graduate).
 */
export function rankEntries(turn: Turn, intent: Intent): { entry: KnowledgeEntry; score: number }[] {
  const { analysis } = turn.understanding;
  const mentioned = analysis.topics;
  const context = mentioned.length === 0 ? turn.state.topics : [];
  const status = turn.profile.status;
  return turn.kb.entries
    .filter((e) => e.intent === intent)
    .map((entry) => {
      let score = analysis.entryScores.get(entry.id) ?? 0;
      const topics = entry.topics;
      if (mentioned.length > 0) {
        const hits = topics.filter((t) => mentioned.includes(t)).length;
        score += TOPIC_MATCH * hits;
        if (topics.length > 0 && hits === 0) score -= TOPIC_MISMATCH;
        // One named subject favours the entries about it; several favour an overview.
        if (topics.length === 0 && mentioned.length === 1) score -= GENERAL_WHEN_TOPIC;
      } else if (context.length > 0) {
        if (topics.some((t) => context.includes(t))) score += CONTEXT_MATCH;
      } else if (topics.length === 0) {
        score += GENERAL_WHEN_NO_TOPIC;
      }
      if (status && !entry.audience.includes("all") && !entry.audience.includes(status)) score -= AUDIENCE_MISMATCH;
      return { entry, score };
    })
    .sort((a, b) => b.score - a.score || a.entry.id.localeCompare(b.entry.id));
}

/** The best entry for this turn's intent, if the intent has any. */
export function bestEntry(turn: Turn, intent: Intent = turn.understanding.intent): KnowledgeEntry | undefined {
  const chosen = turn.understanding.chosenEntryId ? turn.kb.byId.get(turn.understanding.chosenEntryId) : undefined;
  if (chosen && chosen.intent === intent) return chosen;
  return rankEntries(turn, intent)[0]?.entry;
}
