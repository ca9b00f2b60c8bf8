import type { Citation, QuickReply, Reply } from "../core/model.js";
import type { ConversationState } from "../core/state.js";
import type { KnowledgeBase, KnowledgeEntry } from "../knowledge/loader.js";
import { paragraphs } from "../knowledge/paragraphs.js";
import { PAYLOAD } from "../nlu/understand.js";

const MAX_LISTED_SOURCES = 1;



/**
 * An entry's direct answer and the rest: its first paragraph, and the next ones
 * while the whole stays within `maxChars` (`answer_max_chars` in _messages.yaml).
 */
export function splitAnswer(entry: KnowledgeEntry, maxChars: number): { direct: string; rest: string } {
  const parts = paragraphs(entry.body);
  let n = 1;
  let length = parts[0]?.length ?? 0;
  while (n < parts.length && length + 2 + (parts[n] as string).length <= maxChars) length += 2 + (parts[n++] as string).length;
  return { direct: parts.slice(0, n).join("\n\n"), rest: parts.slice(n).join("\n\n") };
}

export function citationOf(entry: KnowledgeEntry): Citation {
  return { entryId: entry.id, title: entry.title, sources: entry.sources, reviewed: entry.reviewed };
}

/**
 * The reply for one knowledge entry: its direct answer, with a "more" button
 * when the entry has more to say. The Sources line is added once per reply
 * (see `withSources`), after everything the turn puts into it.
 */
export function answerFrom(entry: KnowledgeEntry, kb: KnowledgeBase): Reply {
  const { direct, rest } = splitAnswer(entry, kb.messages.answer_max_chars);
  const more: QuickReply[] = rest ? [{ title: kb.messages.more_button, payload: `${PAYLOAD.more}${entry.id}` }] : [];
  return { text: direct, citations: [citationOf(entry)], ...(more.length > 0 ? { quickReplies: more } : {}) };
}

/** The rest of an entry, after the direct answer the student already read ("Tell me more"). */
export function restFrom(entry: KnowledgeEntry, kb: KnowledgeBase): Reply {
  const { rest } = splitAnswer(entry, kb.messages.answer_max_chars);
  return { text: rest || entry.body, citations: [citationOf(entry)] };
}

/** "Sources: AMA, … (https://…) +2. (2026-11-22)": where a reply's answers come from, in one line. */
export function sourcesLine(citations: readonly Citation[], kb: KnowledgeBase): string | undefined {
  const seen = new Set<string>();
  const sources = citations.flatMap((c) => c.sources).filter((s) => (seen.has(s.name) ? false : (seen.add(s.name), true)));
  if (sources.length === 0) return undefined;
  const listed = sources
    .slice(0, MAX_LISTED_SOURCES)
    .map((s) => (s.url ? `${s.name} (${s.url})` : s.name))
    .join("; ");
  const more = sources.length > MAX_LISTED_SOURCES ? ` +${sources.length - MAX_LISTED_SOURCES}` : "";
  const reviewed = citations.map((c) => c.reviewed).sort()[0];
  return `${kb.messages.sources_label}: ${listed}${more}. (${reviewed})`;
}

/** Each reply that cites entries ends with one Sources line for all of them. */
export function withSources(replies: readonly Reply[], kb: KnowledgeBase): Reply[] {
  return replies.map((r) => {
    const line = r.citations?.length ? sourcesLine(r.citations, kb) : undefined;
    return line ? { ...r, text: `${r.text}\n\n${line}` } : r;
  });
}

/** The conversation memory after answering with `entry`. */
export function rememberEntry(entry: KnowledgeEntry, mentioned: string[], previous: string[]): Partial<ConversationState> {
  const topics = entry.topics.length > 0 ? entry.topics : mentioned.length > 0 ? mentioned : previous;
  return { lastIntent: entry.intent, lastEntryId: entry.id, topics };
}
