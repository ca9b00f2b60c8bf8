import type { Citation, QuickReply, Reply } from "../core/model.js";
import type { ConversationState } from "../core/state.js";
import type { KnowledgeBase, KnowledgeEntry } from "../knowledge/loader.js";
import { answerUnits, joinUnits } from "../knowledge/paragraphs.js";
import { PAYLOAD } from "../nlu/understand.js";

const MAX_LISTED_SOURCES = 1;



/**
 * An entry's direct answer and the rest: its first paragraph, then the next
 * paragraphs and list items, in order, while the whole stays within `maxChars`
 * (`answer_max_chars` in _messages.yaml). A long list is cut between items, so
 * its first items are read at once and the others are behind "Tell me more".
 */
export function splitAnswer(entry: KnowledgeEntry, maxChars: number): { direct: string; rest: string } {
  const units = answerUnits(entry.body);
  let n = 1;
  let length = units[0]?.text.length ?? 0;
  while (n < units.length) {
    const next = units[n] as (typeof units)[number];
    const added = (next.inList ? 1 : 2) + next.text.length;
    if (length + added > maxChars) break;
    length += added;
    n++;
  }
  // The rest opens with a paragraph of its own, even where the cut fell inside a list.
  const rest = units.slice(n).map((u, i) => (i === 0 ? { ...u, inList: false } : u));
  return { direct: joinUnits(units.slice(0, n)), rest: joinUnits(rest) };
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
  return { text: rest || entry.body, citations: [{ ...citationOf(entry), full: true }] };
}

/**
 * Where a reply's answers come from, in one line. After a direct answer it is
 * short, "Sources: AMA (https://…) +2. (2026-11-22)": the first source's
 * publisher and link, and how many more there are; after "Tell me more" (a
 * citation marked `full`) it lists every source by its whole name and link.
 */
export function sourcesLine(citations: readonly Citation[], kb: KnowledgeBase): string | undefined {
  const seen = new Set<string>();
  const sources = citations.flatMap((c) => c.sources).filter((s) => (seen.has(s.name) ? false : (seen.add(s.name), true)));
  if (sources.length === 0) return undefined;
  const reviewed = citations.map((c) => c.reviewed).sort()[0];
  const linked = (name: string, url?: string) => (url ? `${name} (${url})` : name);
  if (citations.some((c) => c.full)) {
    return `${kb.messages.sources_label}: ${sources.map((s) => linked(s.name, s.url)).join("; ")}. (${reviewed})`;
  }
  // A source is named "Publisher, Title of the page"; the short line names the publisher, and links the page.
  const listed = sources
    .slice(0, MAX_LISTED_SOURCES)
    .map((s) => linked(s.name.split(", ")[0] as string, s.url))
    .join("; ");
  const more = sources.length > MAX_LISTED_SOURCES ? ` +${sources.length - MAX_LISTED_SOURCES}` : "";
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
