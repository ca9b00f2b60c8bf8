import type { Reply } from "./model.js";

/** Puts `text` before the first reply (a notice that belongs above the answer). */
export function prependText(replies: readonly Reply[], text: string): Reply[] {
  const [first, ...rest] = replies;
  return first ? [{ ...first, text: `${text}\n\n${first.text}` }, ...rest] : [{ text }];
}

/** Adds a reply to the last one (so that its quick replies sit under it). */
export function appendReply(replies: readonly Reply[], extra: Reply): Reply[] {
  const last = replies.at(-1);
  if (!last) return [extra];
  return [...replies.slice(0, -1), { ...last, text: `${last.text}\n\n${extra.text}`, quickReplies: extra.quickReplies ?? last.quickReplies }];
}
