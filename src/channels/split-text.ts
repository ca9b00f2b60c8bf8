/**
 * Splits a text into pieces of at most `max` characters, at
 * paragraph boundaries where it can, then at line breaks, then between words,
 * and only as a last resort inside a word. Pieces keep their order; nothing is
 * dropped except the whitespace a split happens on.
 */
export function splitText(text: string, max: number, length: (s: string) => number = utf16Length): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (length(rest) <= max) {
      pieces.push(rest);
      break;
    }
    const cut = bestCut(rest, max, length);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return pieces.length > 0 ? pieces : [""];
}

function bestCut(text: string, max: number, length: (s: string) => number): number {
  const hard = prefixWithin(text, max, length);
  const window = text.slice(0, hard);
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    // A cut in the first quarter would make a tiny piece; try a finer separator instead.
    if (at > hard / 4) return at + separator.length;
  }
  return hard;
}

/** The longest prefix (in UTF-16 units) whose length is at most `max`, never splitting a surrogate pair. */
function prefixWithin(text: string, max: number, length: (s: string) => number): number {
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (length(text.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  const code = text.charCodeAt(lo - 1);
  return code >= 0xd800 && code <= 0xdbff && lo > 1 ? lo - 1 : Math.max(lo, 1);
}

/**
 * Length in UTF-16 units: never less than the count in code points, so a piece
 * that fits by this measure fits whichever way a platform counts.
 */
export function utf16Length(s: string): number {
  return s.length;
}
