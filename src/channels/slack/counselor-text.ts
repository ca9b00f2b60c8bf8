/**
 * A counselor's Slack message as plain text a student can read on Telegram or
 * WhatsApp: no Slack ids, no mentions, no hidden link targets. Slack sends
 * message text with `<…>` entities and `&amp; &lt; &gt;` escaped; everything
 * else is text already. The student's channel renderer escapes for its own
 * markup and splits long texts in order.
 */

/** Link schemes a student may be sent to; anything else (javascript:, data:, file:…) is dropped. */
const SAFE_SCHEMES = /^(https?:\/\/|mailto:|tel:)/i;

/**
 * Internal notes are never relayed: a message starting with `note:` (any case).
 * Decided on the text as a reader sees it: without invisible characters, with
 * look-alike letters folded (NFKC: full-width "ｎｏｔｅ："), and without the
 * markup around the word (`*note:*`, `_note:_`, `` `note:` ``, `~note:~`, a
 * quote `> note:`, which Slack sends as `&gt; note:`).
 */
export function isInternalNote(text: string): boolean {
  const visible = text.normalize("NFKC").replace(INVISIBLE, "");
  const bare = visible.replace(/^(?:\s|&gt;|>|[*_~`])+/, "");
  return /^note[\s*_~`]*:/i.test(bare);
}

/** Characters a reader does not see: zero-widths, joiners, direction marks, variation selectors, tags, soft hyphen. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFE00-\uFE0F\uFEFF]|\uDB40[\uDC00-\uDC7F]/g;

export function renderCounselorText(slackText: string): string {
  const replaced = slackText.replace(/<([^<>]*)>/g, (_whole, inner: string) => entity(inner));
  const unescaped = replaced.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return unescaped
    .replace(/[\u200B-\u200D\u2060\u202A-\u202E\u2066-\u2069\uFEFF]/g, "")
    .replace(/[ \t]{2,}/g, " ")
    .replace(/ +([,.;:!?])/g, "$1")
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** One `<…>` entity of Slack text, as plain text. */
function entity(inner: string): string {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  // User and channel mentions, @channel/@here/@everyone, user groups: Slack internals, never shown.
  if (target.startsWith("@") || target.startsWith("#")) return "";
  if (target.startsWith("!")) {
    // A date token keeps its readable fallback; every other special mention goes.
    return target.startsWith("!date^") ? label : "";
  }
  if (!SAFE_SCHEMES.test(target)) return label;
  const shown = target.replace(/^(mailto|tel):/i, "");
  if (!label || label === shown || label === target) return shown;
  return `${label} (${shown})`;
}
