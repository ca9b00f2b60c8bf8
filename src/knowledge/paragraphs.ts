/** An entry's answer text in paragraphs (blank-line separated), in order: the first is its direct answer. */
export function paragraphs(body: string): string[] {
  return body.split(/\n[ \t]*\n/).map((p) => p.trim()).filter(Boolean);
}
