/** An entry's answer text in paragraphs (blank-line separated), in order: the first is its direct answer. */
export function paragraphs(body: string): string[] {
  return body.split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean);
}

/** A piece of an answer that is shown whole or not at all: a paragraph, or one item of a list. */
export interface AnswerUnit {
  text: string;
  /** Whether it continues the list of the unit before it (joined by a line break, not a blank line). */
  inList: boolean;
}

const LIST_ITEM = /^(?:[-*+]|\d{1,3}[.)])[ \t]/;

/**
 * An answer's units in order: each paragraph, with a list's items apart, so
 * that a phone-sized direct answer can stop after the first items of a long
 * list instead of dropping the whole list. Continuation lines stay with their
 * item; the text before a list's first item in the same paragraph is a unit.
 */
export function answerUnits(body: string): AnswerUnit[] {
  const units: AnswerUnit[] = [];
  for (const p of paragraphs(body)) {
    let current: string[] = [];
    let first = true;
    const flush = () => {
      if (current.length === 0) return;
      units.push({ text: current.join("\n"), inList: !first });
      first = false;
      current = [];
    };
    for (const line of p.split("\n")) {
      if (LIST_ITEM.test(line.trimStart()) && current.length > 0) flush();
      current.push(line);
    }
    flush();
  }
  return units;
}

/** Units back into text: list items of one paragraph on consecutive lines, paragraphs apart. */
export function joinUnits(units: readonly AnswerUnit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : `${u.inList ? "\n" : "\n\n"}${u.text}`)).join("");
}
