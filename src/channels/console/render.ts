import type { Reply } from "../../core/model.js";

/** Renders a reply for a terminal: bold as ANSI on a TTY, plain elsewhere; quick replies numbered. */
export function renderForTerminal(reply: Reply, tty: boolean): string {
  const text = reply.text.replace(/\*\*(.+?)\*\*/g, (_, inner: string) => (tty ? `\x1b[1m${inner}\x1b[22m` : inner));
  const options = (reply.quickReplies ?? []).map((q, i) => `  ${i + 1}. ${q.title}`);
  return options.length ? `${text}\n${options.join("\n")}` : text;
}
