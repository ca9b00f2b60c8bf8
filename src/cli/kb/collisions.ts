import type { KnowledgeProblem } from "../../core/errors.js";
import { createNlu } from "../../nlu/classifier.js";
import type { KnowledgeBase } from "../../knowledge/loader.js";

/** Two questions of different intents this similar (cosine) are a collision. */
const COLLISION = 0.8;

/**
 * Example questions nearly the same as a question of an entry of another
 * intent: the bot may answer either from the wrong entry. Warnings, for
 * `kb check` (identical questions are errors of the loader); rewording or
 * moving one of the two usually fixes it.
 */
export function exampleCollisions(kb: KnowledgeBase, file: (entryFile: string) => string = (f) => f): KnowledgeProblem[] {
  const nlu = createNlu(kb);
  const problems: KnowledgeProblem[] = [];
  for (const entry of kb.entries) {
    entry.examples.forEach((question, i) => {
      let rival: [string, number] | undefined;
      for (const [id, score] of nlu.analyze(question).nearest) {
        if (kb.byId.get(id)?.intent !== entry.intent && score > (rival?.[1] ?? 0)) rival = [id, score];
      }
      if (rival && rival[1] >= COLLISION) {
        problems.push({
          file: file(entry.file),
          line: entry.exampleLines[i] ?? 1,
          severity: "warning",
          message: `example question "${question}" is nearly the same as a question of ${rival[0]} (${kb.byId.get(rival[0])?.intent}, similarity ${rival[1].toFixed(2)}): reword it or move it`,
        });
      }
    });
  }
  return problems;
}
