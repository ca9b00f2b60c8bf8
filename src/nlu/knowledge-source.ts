import type { KnowledgeBase } from "../knowledge/loader.js";
import { createNlu, type Nlu } from "./classifier.js";

/** A knowledge base together with the classifier trained on it; swapped as one on reload. */
export interface LoadedKnowledge {
  readonly kb: KnowledgeBase;
  readonly nlu: Nlu;
}

export interface KnowledgeOptions {
  train?: boolean;
  seed?: number;
}

/** Where a bot gets the knowledge currently in force. */
export interface KnowledgeSource {
  current(): LoadedKnowledge;
}

/**
 * The knowledge base with its classifier, trained now unless `train` is false
 * (a reader that needs only the messages, like the Slack desk): then it is
 * trained on first use, if ever. `seed`: see createNlu.
 */
export function prepareKnowledge(kb: KnowledgeBase, options: KnowledgeOptions = {}): LoadedKnowledge {
  let nlu: Nlu | undefined;
  const loaded: LoadedKnowledge = Object.freeze({
    kb,
    get nlu() {
      return (nlu ??= createNlu(kb, { seed: options.seed }));
    },
  });
  if (options.train !== false) void loaded.nlu;
  return loaded;
}

/** A source that never changes (tests, replay). */
export function staticKnowledge(kb: KnowledgeBase, options: KnowledgeOptions = {}): KnowledgeSource {
  const loaded = prepareKnowledge(kb, options);
  return { current: () => loaded };
}
