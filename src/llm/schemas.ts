import { z } from "zod";
import { INTENTS } from "../core/intents.js";
import type { Classification } from "../core/language-model.js";
import { profileSchema, type Profile } from "../core/state.js";

/**
 * What the model returns when it reads a message. Every field is required and
 * optional data is `.nullable()`: OpenAI's strict JSON-schema mode wants
 * every property in `required`.
 */
export const classificationSchema = z.object({
  intent: z.enum(INTENTS),
  confidence: z.number(),
  english: z.string(),
  language: z.string(),
  status: z.enum(["student", "graduate"]).nullable(),
  year_of_study: z.number().nullable(),
  graduation_year: z.number().nullable(),
  step1: z.enum(["passed", "failed", "scheduled", "not_taken"]).nullable(),
  step2ck: z.enum(["passed", "failed", "scheduled", "not_taken"]).nullable(),
  ecfmg: z.enum(["certified", "in_progress", "not_started"]).nullable(),
  visa: z.enum(["has_b1b2", "needs_visa", "us_citizen_or_resident"]).nullable(),
});

/** What the model returns when it rephrases an answer. */
export const phrasingSchema = z.object({
  text: z.string(),
  cited_entry_ids: z.array(z.string()),
  language: z.string(),
});

/** Country and specialty are left to the offline extraction of the English restatement, which knows rotabot's vocabulary. */
const PROFILE_FIELDS = ["status", "year_of_study", "graduation_year", "step1", "step2ck", "ecfmg", "visa"] as const;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/;

/**
 * Validates a classification beyond its JSON shape: a sensible restatement,
 * a language code, and each profile field against rotabot's own profile
 * schema (a field that does not fit is dropped, not the whole answer).
 * Returns null when the answer cannot be used.
 */
export function toClassification(value: unknown): Classification | null {
  const r = classificationSchema.safeParse(value);
  if (!r.success) return null;
  const c = r.data;
  const english = c.english.replace(/\s+/g, " ").trim();
  if (english.length === 0 || english.length > 500 || !Number.isFinite(c.confidence)) return null;
  const facts: Partial<Profile> = {};
  for (const field of PROFILE_FIELDS) {
    const v = c[field];
    if (v === null) continue;
    const ok = profileSchema.shape[field].safeParse(v);
    if (ok.success && ok.data !== undefined) (facts as Record<string, unknown>)[field] = ok.data;
  }
  const language = c.language.trim().toLowerCase();
  return {
    intent: c.intent,
    confidence: Math.max(0, Math.min(1, c.confidence)),
    english,
    language: LANGUAGE.test(language) ? language : "en",
    facts,
  };
}
