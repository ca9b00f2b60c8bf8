import { loadKnowledge } from "/work/main/src/knowledge/loader.ts";
import { createNlu } from "/work/main/src/nlu/classifier.ts";
const { kb } = loadKnowledge("/work/main/knowledge");
const nlu = createNlu(kb);
for (const q of process.argv.slice(2)) {
  const a = nlu.analyze(q);
  console.log(q, "\n  tokens:", a.tokens.join(" "), "\n  topics:", a.topics, "\n  intents:", a.intents.slice(0, 3).map((i) => `${i.intent}:${i.score.toFixed(2)}`).join(" "),
    "\n  entries:", [...a.entryScores].sort((x, y) => y[1] - x[1]).slice(0, 4).map(([k, v]) => `${k}:${v.toFixed(2)}`).join(" "));
}
