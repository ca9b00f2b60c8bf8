/**
 * The widget's reading of a reply's text, as plain data: paragraphs (lines
 * kept), bullet lists, **bold**, and links. Pure (no DOM), so it is tested in
 * node; dom.ts turns it into nodes with textContent only, so nothing from the
 * knowledge base, a counselor or a visitor is ever parsed as HTML.
 */

export interface Span {
  text: string;
  bold?: boolean;
  /** Only http:, https: and mailto: links are ever made (see safeHref). */
  href?: string;
}

export type Block = { kind: "paragraph"; lines: Span[][] } | { kind: "list"; items: Span[][] };

export const FORMAT_LIMITS = {
  /** Characters of one message rendered; the rest is cut with an ellipsis. */
  text: 10_000,
  /** Characters of a link's address. */
  href: 2_000,
} as const;

const BULLET = /^\s*(?:[-*•])\s+(.*)$/;
/** An address written out in the text; trailing punctuation belongs to the sentence. */
const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;

/** The link target when `url` is an absolute http(s) or mailto address within the limit; undefined otherwise. */
export function safeHref(url: string): string | undefined {
  if (url.length > FORMAT_LIMITS.href) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:" && parsed.protocol !== "mailto:") return undefined;
  return parsed.href;
}

export function formatMessage(input: string): Block[] {
  const text = [...input].length > FORMAT_LIMITS.text ? `${[...input].slice(0, FORMAT_LIMITS.text - 1).join("")}…` : input;
  const blocks: Block[] = [];
  for (const chunk of text.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    let current: Block | undefined;
    for (const line of chunk.split("\n")) {
      if (line.trim() === "") continue;
      const bullet = BULLET.exec(line);
      if (bullet) {
        if (current?.kind !== "list") blocks.push((current = { kind: "list", items: [] }));
        current.items.push(formatInline(bullet[1] ?? ""));
      } else {
        if (current?.kind !== "paragraph") blocks.push((current = { kind: "paragraph", lines: [] }));
        current.lines.push(formatInline(line));
      }
    }
  }
  return blocks;
}

/** One line: **bold** runs, and links inside or outside them. A lone ** stays as written. */
export function formatInline(line: string): Span[] {
  const spans: Span[] = [];
  const bold = /\*\*([^*\n]+?)\*\*/g;
  let at = 0;
  for (const m of line.matchAll(bold)) {
    spans.push(...links(line.slice(at, m.index), false));
    spans.push(...links(m[1] ?? "", true));
    at = m.index + m[0].length;
  }
  spans.push(...links(line.slice(at), false));
  return spans.filter((s) => s.text.length > 0);
}

function links(text: string, bold: boolean): Span[] {
  const out: Span[] = [];
  const plain = (t: string) => out.push(bold ? { text: t, bold } : { text: t });
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    const url = trimTrailing(m[0]);
    const href = safeHref(url);
    if (!href) continue;
    plain(text.slice(at, m.index));
    out.push(bold ? { text: url, bold, href } : { text: url, href });
    at = m.index + url.length;
  }
  plain(text.slice(at));
  return out;
}

/** "see https://x.org/a." ends the sentence, not the address; a ")" closes one only when the address has no "(". */
function trimTrailing(url: string): string {
  let u = url;
  for (;;) {
    const last = u.at(-1) ?? "";
    if (/[.,;:!?]/.test(last)) u = u.slice(0, -1);
    else if (last === ")" && !u.includes("(")) u = u.slice(0, -1);
    else return u;
  }
}
