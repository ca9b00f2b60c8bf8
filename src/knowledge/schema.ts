import { z } from "zod";
import { INTENTS } from "../core/intents.js";

/**
 * Schemas for the files in `knowledge/`. Admins edit these files by hand, so
 * every message here is written for a non-developer: it names the field and
 * says what a valid value looks like.
 */

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written as YYYY-MM-DD")
  .refine((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s) || !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "is not a real calendar date");

const kebabId = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be lower-case words joined by hyphens, e.g. costs-observership");

/** The routes to US clinical experience that structured facts are keyed by. */
export const ROUTES = [
  "vslo_elective",
  "direct_elective",
  "third_party_rotation",
  "externship",
  "observership",
  "telehealth",
  "research",
  "any",
] as const;
export type Route = (typeof ROUTES)[number];

export const AUDIENCES = ["student", "graduate", "all"] as const;
export type Audience = (typeof AUDIENCES)[number];

export const COST_UNITS = ["per_week", "per_4_weeks", "per_month", "one_time", "per_application"] as const;
export const COST_KINDS = [
  "program_fee",
  "application_fee",
  "service_fee",
  "registration_fee",
  "deposit",
  "visa_fee",
  "housing",
  "background_check",
  "drug_screen",
  "insurance",
  "immunizations",
  "travel",
  "other",
] as const;

const source = z.object({
  name: z.string().min(3, "needs the source's name (who published it and the page title)"),
  url: z.string().url("must be a full web address starting with https://").optional(),
});

const costFact = z
  .object({
    route: z.enum(ROUTES),
    kind: z.enum(COST_KINDS),
    min: z.number().nonnegative(),
    max: z.number().nonnegative().nullable(),
    currency: z.literal("USD"),
    unit: z.enum(COST_UNITS),
    note: z.string().optional(),
  })
  .refine((c) => c.max === null || c.max >= c.min, "max must be at least min (or null for 'no upper bound')");

const leadTimeFact = z
  .object({
    route: z.enum([...ROUTES, "visa"]),
    min_months: z.number().nonnegative(),
    max_months: z.number().nonnegative(),
    recommended_months: z.number().nonnegative().optional(),
    note: z.string().optional(),
  })
  .refine((l) => l.max_months >= l.min_months, "max_months must be at least min_months");

const durationFact = z
  .object({
    route: z.enum(ROUTES),
    min_weeks: z.number().positive(),
    max_weeks: z.number().positive(),
    typical_weeks: z.number().positive(),
    note: z.string().optional(),
  })
  .refine((d) => d.max_weeks >= d.min_weeks, "max_weeks must be at least min_weeks");

const eligibilityFact = z.object({
  route: z.enum(ROUTES),
  /** Who may take this route at all. */
  status: z.array(z.enum(["student", "graduate"])).min(1),
  /** USMLE Step 1 rule for this route. */
  step1: z.enum(["not_required", "varies", "required", "required_for_graduates"]),
  hands_on: z.boolean(),
  requires: z.array(z.string()).default([]),
  note: z.string().optional(),
});

const dateFact = z.object({
  name: z.string().regex(/^[a-z0-9_]+$/, "must be snake_case, e.g. eras_programs_review"),
  date: isoDate,
  note: z.string().optional(),
});

export const factsSchema = z
  .object({
    costs: z.array(costFact).optional(),
    lead_times: z.array(leadTimeFact).optional(),
    durations: z.array(durationFact).optional(),
    eligibility: z.array(eligibilityFact).optional(),
    dates: z.array(dateFact).optional(),
  })
  .strict();

export type Facts = z.infer<typeof factsSchema>;
export type CostFact = z.infer<typeof costFact>;
export type LeadTimeFact = z.infer<typeof leadTimeFact>;
export type DurationFact = z.infer<typeof durationFact>;
export type EligibilityFact = z.infer<typeof eligibilityFact>;

/** The YAML front matter of one `knowledge/*.md` entry. */
export const frontMatterSchema = z
  .object({
    id: kebabId,
    intent: z.enum(INTENTS, { message: `must be one of: ${INTENTS.join(", ")}` }),
    title: z.string().min(3),
    audience: z.array(z.enum(AUDIENCES)).min(1).default(["all"]),
    topics: z.array(z.string().regex(/^[a-z0-9_]+$/, "topics are snake_case names from _vocabulary.yaml")).default([]),
    examples: z
      .array(z.string().trim().min(2))
      .min(3, "needs at least 3 example questions, written the way students ask"),
    sources: z.array(source).default([]),
    reviewed: isoDate,
    review_by: isoDate.optional(),
    related: z.array(kebabId).default([]),
    corrects: z.array(z.string()).default([]),
    facts: factsSchema.optional(),
  })
  .strict();

export type FrontMatter = z.infer<typeof frontMatterSchema>;

/** Intents whose answers state facts and therefore must cite sources. */
export const FACTUAL_INTENTS = new Set<string>([
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
]);

/** `knowledge/_vocabulary.yaml`: the words students use, mapped to what they mean. */
export const vocabularySchema = z
  .object({
    /** Subject tags and the words that signal them ("obs" → observership). */
    topics: z.record(z.string().regex(/^[a-z0-9_]+$/), z.array(z.string().min(1)).min(1)),
    /** Shorthand and spelling variants, rewritten before classification ("lor" → "letter of recommendation"). */
    synonyms: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Specialties and their common names and abbreviations. */
    specialties: z.record(z.string().regex(/^[a-z0-9_]+$/), z.array(z.string().min(1)).min(1)).default({}),
    /** Phrases that signal a medical emergency; checked before anything else. */
    emergency: z.array(z.string().min(2)).min(1),
    /** Words too common to carry meaning for the classifier. */
    stopwords: z.array(z.string()).default([]),
  })
  .strict();

export type Vocabulary = z.infer<typeof vocabularySchema>;

/** `knowledge/_messages.yaml`: every fixed sentence the bot says that is not an answer. */
export const messagesSchema = z
  .object({
    welcome: z.string().min(10),
    help: z.string().min(10),
    fallback: z.string().min(10),
    empty_message: z.string().min(5),
    too_long: z.string().includes("{limit}", { message: "must contain {limit}, the maximum length" }),
    unreadable: z.string().min(5),
    sources_label: z.string().min(2),
    profile_header: z.string().min(2),
    profile_empty: z.string().min(5),
    profile_labels: z.record(z.string(), z.string()),
    noted: z.string().includes("{facts}", { message: "must contain {facts}, what was learned" }),
    error: z.string().min(10),
    forgotten: z.string().min(5),
  })
  .strict();

export type Messages = z.infer<typeof messagesSchema>;
