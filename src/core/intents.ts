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
