import type { KnowledgeBase } from "../knowledge/loader.js";
import { createNlu, type Nlu } from "../nlu/classifier.js";

/** A knowledge base together with the classifier trained on it; swapped as one on reload. */
export interface LoadedKnowledge {
  readonly kb: KnowledgeBase;
  readonly nlu: Nlu;
}

/** Where a bot gets the knowledge currently in force. */
export interface KnowledgeSource {
  current(): LoadedKnowledge;
}

export function prepareKnowledge(kb: KnowledgeBase): LoadedKnowledge {
  return Object.freeze({ kb, nlu: createNlu(kb) });
}

/** A source that never changes (tests, replay). */
export function staticKnowledge(kb: KnowledgeBase): KnowledgeSource {
  const loaded = prepareKnowledge(kb);
  return { current: () => loaded };
}
