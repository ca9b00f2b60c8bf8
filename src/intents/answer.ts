import type { Citation, Reply } from "../core/model.js";
import type { ConversationState } from "../core/state.js";
import type { KnowledgeBase, KnowledgeEntry } from "../knowledge/loader.js";

const MAX_LISTED_SOURCES = 3;

/** The reply for one knowledge entry: its answer, then where it comes from. */
export function answerFrom(entry: KnowledgeEntry, kb: KnowledgeBase): Reply {
  const citation: Citation = { entryId: entry.id, title: entry.title, sources: entry.sources, reviewed: entry.reviewed };
  if (entry.sources.length === 0) return { text: entry.body, citations: [citation] };
  const listed = entry.sources
    .slice(0, MAX_LISTED_SOURCES)
    .map((s) => (s.url ? `${s.name} (${s.url})` : s.name))
    .join("; ");
  const more = entry.sources.length > MAX_LISTED_SOURCES ? ` +${entry.sources.length - MAX_LISTED_SOURCES}` : "";
  return {
    text: `${entry.body}\n\n${kb.messages.sources_label}: ${listed}${more}. (${entry.reviewed})`,
    citations: [citation],
  };
}

/** The conversation memory after answering with `entry`. */
export function rememberEntry(entry: KnowledgeEntry, mentioned: string[], previous: string[]): Partial<ConversationState> {
  const topics = entry.topics.length > 0 ? entry.topics : mentioned.length > 0 ? mentioned : previous;
  return { lastIntent: entry.intent, lastEntryId: entry.id, topics };
}
