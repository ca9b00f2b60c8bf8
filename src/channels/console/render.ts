import type { Reply } from "../../core/model.js";

/** A reply as plain text: its quick replies, for channels without buttons, as numbered options. */
export function withNumberedOptions(reply: Reply): string {
  const options = (reply.quickReplies ?? []).map((q, i) => `  ${i + 1}. ${q.title}`);
  return options.length ? `${reply.text}\n${options.join("\n")}` : reply.text;
}

/** Renders a reply for a terminal: bold as ANSI on a TTY, plain elsewhere; quick replies numbered. */
export function renderForTerminal(reply: Reply, tty: boolean): string {
  return withNumberedOptions({ ...reply, text: reply.text.replace(/\*\*(.+?)\*\*/g, (_, inner: string) => (tty ? `\x1b[1m${inner}\x1b[22m` : inner)) });
}
