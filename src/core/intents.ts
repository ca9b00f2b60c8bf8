/**
 * The intents rotabot understands. These names are part of the public output
 * (`replay`, eval reports, logs), so renaming one is a breaking change.
 */
export const INTENTS = [
  "eligibility",
  "costs",
  "timing",
  "rotation_types",
  "documents",
  "application_process",
  "recommendation_letters",
  "residency_match",
  "specialties",
  "logistics",
  "counselor",
  "smalltalk",
  "out_of_scope",
] as const;

export type Intent = (typeof INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}

/** Intents about the conversation itself rather than about US clinical experience. */
const CONVERSATIONAL: readonly Intent[] = ["counselor", "smalltalk", "out_of_scope"];

/** Intents whose answers state facts and therefore must cite sources. */
export const FACTUAL_INTENTS: ReadonlySet<string> = new Set(INTENTS.filter((i) => !CONVERSATIONAL.includes(i)));
