import type { KnowledgeBase, KnowledgeEntry } from "../../knowledge/loader.js";
import type { CostFact, DurationFact, EligibilityFact, LeadTimeFact } from "../../knowledge/schema.js";

/** A structured fact together with the entry it comes from, so answers can cite it. */
export interface Sourced<F> {
  fact: F;
  entry: KnowledgeEntry;
}

/**
 * Every structured fact of one kind across the knowledge base, identical
 * copies merged. A copy is credited to the most specific entry that states it
 * (the one with the fewest facts of that kind), not to an overview.
 */
function collect<F>(kb: KnowledgeBase, pick: (e: KnowledgeEntry) => F[] | undefined, identity: (f: F) => string): Sourced<F>[] {
  const seen = new Map<string, Sourced<F> & { count: number }>();
  for (const entry of kb.entries) {
    const facts = pick(entry) ?? [];
    for (const fact of facts) {
      const key = identity(fact);
      const prior = seen.get(key);
      if (!prior || facts.length < prior.count) seen.set(key, { fact, entry, count: facts.length });
    }
  }
  return [...seen.values()].map(({ fact, entry }) => ({ fact, entry }));
}

/** Collected once per knowledge base (a reload brings a new one), not on every turn. */
function perKnowledgeBase<F>(build: (kb: KnowledgeBase) => Sourced<F>[]): (kb: KnowledgeBase) => Sourced<F>[] {
  const cache = new WeakMap<KnowledgeBase, Sourced<F>[]>();
  return (kb) => {
    let facts = cache.get(kb);
    if (!facts) {
      facts = build(kb);
      cache.set(kb, facts);
    }
    return facts;
  };
}

export const costFacts = perKnowledgeBase((kb) =>
  collect<CostFact>(kb, (e) => e.facts?.costs, (f) => `${f.route}|${f.kind}|${f.unit}|${f.min}|${f.max}`),
);
export const leadTimeFacts = perKnowledgeBase((kb) =>
  collect<LeadTimeFact>(kb, (e) => e.facts?.lead_times, (f) => `${f.route}|${f.min_months}|${f.max_months}|${f.recommended_months}`),
);
export const durationFacts = perKnowledgeBase((kb) =>
  collect<DurationFact>(kb, (e) => e.facts?.durations, (f) => `${f.route}|${f.min_weeks}|${f.max_weeks}|${f.typical_weeks}`),
);
export const eligibilityFacts = perKnowledgeBase((kb) => collect<EligibilityFact>(kb, (e) => e.facts?.eligibility, (f) => f.route));

/** The entries a computed answer used, and the earliest review date among them that has passed. */
export function provenance(entries: Iterable<KnowledgeEntry>, now: Date): { ids: string[]; overdue?: string } {
  const unique = [...new Map([...entries].map((e) => [e.id, e])).values()];
  const today = now.toISOString().slice(0, 10);
  const overdue = unique
    .map((e) => e.review_by)
    .filter((d): d is string => d !== undefined && d < today)
    .sort()[0];
  return { ids: unique.map((e) => e.id), overdue };
}
