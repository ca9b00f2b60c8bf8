import { z } from "zod";
import { INTENTS } from "../core/intents.js";

/**
 * Schemas for the files in `knowledge/`. Admins edit these files by hand, so
 * every message here is written for a non-developer: it names the field and
 * says what a valid value looks like.
 */

export const isoDate = z
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
    /** A route, "visa" (the B1/B2 appointment) or "letters" (time for a letter to be written and uploaded). */
    route: z.enum([...ROUTES, "visa", "letters"]),
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
  /** False for remote routes (telehealth): no travel, housing or visa. */
  in_person: z.boolean().default(true),
  requires: z.array(z.string()).default([]),
  /** A short warning shown with the verdict whenever the route is open ("a visa gray area for graduates"). */
  caveat: z.string().optional(),
  note: z.string().optional(),
});

const dateFact = z.object({
  name: z.string().regex(/^[a-z0-9_]+$/, "must be snake_case, e.g. eras_programs_review"),
  date: isoDate,
  /** The Match this date belongs to, for ERAS and Match dates. */
  match_year: z.number().int().min(2000).max(2100).optional(),
  /** True for a date that is derived or reported but not yet confirmed by whoever sets it (shown as an estimate). */
  estimated: z.boolean().optional(),
  note: z.string().optional(),
});

/** Computed answers an entry may show before its text, when rotabot knows enough about the student. */
export const PERSONALIZATIONS = ["eligibility", "cost_estimate", "timeline"] as const;
export type Personalization = (typeof PERSONALIZATIONS)[number];

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
    /** When the facts must be checked again; required (a `kb check` warning) for time-sensitive entries. */
    review_by: isoDate.optional(),
    /** Overrides the time-sensitivity rule of `kb check` (see knowledge/review.ts): true for a rule that can go out of date, false for history. */
    time_sensitive: z.boolean().optional(),
    related: z.array(kebabId).default([]),
    corrects: z.array(z.string()).default([]),
    personalize: z.array(z.enum(PERSONALIZATIONS)).default([]),
    facts: factsSchema.optional(),
  })
  .strict()
  .refine((f) => !f.review_by || f.review_by >= f.reviewed, {
    path: ["review_by"],
    message: "must be on or after reviewed (review_by is when the facts are next checked)",
  });

export type FrontMatter = z.infer<typeof frontMatterSchema>;

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
    /** Words that, beside a subject and nothing else, ask the previous question again ("and for observerships?"). */
    follow_up: z.array(z.string()).default([]),
    /** Words a greeting or a thanks addresses its readers with ("hi everyone", "hello doctors"): still only manners. */
    addressees: z.array(z.string()).default([]),
    /** Subjects that a negation just before sets aside ("I don't need a counselor, just tell me…"): not asked for. */
    negatable: z.array(z.string()).default([]),
    /** Which route each topic names, for cost estimates and timelines. */
    routes: z.record(z.string().regex(/^[a-z0-9_]+$/), z.enum(ROUTES)).default({}),
    /** Countries of medical schools and the words that name them. */
    countries: z.record(z.string().regex(/^[a-z0-9_]+$/), z.array(z.string().min(2)).min(1)).default({}),
    /** Names of institutions whose own rules answers quote ("Johns Hopkins"): an answer naming one is time-sensitive. */
    institutions: z.array(z.string().min(2)).default([]),
  })
  .strict();

export type Vocabulary = z.infer<typeof vocabularySchema>;

/** A message template that must contain each `{slot}` it is filled with. */
function withSlots(...slots: string[]) {
  return slots.reduce(
    (schema, slot) => schema.refine((t) => t.includes(`{${slot}}`), { message: `must contain {${slot}}` }),
    z.string().min(2) as z.ZodType<string>,
  );
}

/** `knowledge/_messages.yaml`: every fixed sentence the bot says that is not an answer. */
export const messagesSchema = z
  .object({
    welcome: z.string().min(10),
    help: z.string().min(10),
    fallback: z.string().min(10),
    empty_message: z.string().min(5),
    too_long: z.string().includes("{limit}", { message: "must contain {limit}, the maximum length" }),
    unreadable: z.string().min(5),
    rate_limited: z.string().min(5),
    too_complex: z.string().min(5),
    list_button: z.string().min(1).max(20, "button labels must fit in 20 characters (WhatsApp)"),
    sources_label: z.string().min(2),
    /** How long the direct answer of an entry may be; the rest is behind the "more" button (kb check warns above it). */
    answer_max_chars: z.number().int().min(150).max(4000).default(600),
    more_button: z.string().min(1).max(20, "button labels must fit in 20 characters (WhatsApp)").default("Tell me more"),
    also_asked: z.string().min(5).default("You also asked about these; tap one to read it:"),
    profile_header: z.string().min(2),
    profile_empty: z.string().min(5),
    profile_labels: z.record(z.string(), z.string()),
    noted: z.string().includes("{facts}", { message: "must contain {facts}, what was learned" }),
    error: z.string().min(10),
    forgotten: z.string().min(5),
    clarify: z.string().min(5),
    /** The clarifying question when even the best entry is a weak match (the message may be outside what rotabot covers); `clarify` when absent. */
    clarify_weak: z.string().min(5).optional(),
    /** The reply to a message that only says no to something ("I don't need a counselor"); without it, such a message is read as any other. */
    declined: z.string().min(5).optional(),
    offer_counselor: z.string().min(5),
    counselor_button: z.string().min(2).max(20, "button labels must fit in 20 characters (WhatsApp)"),
    confirm: withSlots("fact"),
    confirm_yes: z.string().min(1).max(20),
    confirm_no: z.string().min(1).max(20),
    confirmed: z.string().min(2),
    not_confirmed: z.string().min(2),
    route_labels: z.partialRecord(z.enum(ROUTES), z.string().min(2)),
    status_phrases: z.object({
      student: z.string(),
      student_year: withSlots("year"),
      student_final: z.string(),
      graduate: z.string(),
      graduate_year: withSlots("year"),
    }),
    verdict_header: withSlots("who"),
    verdict_open: withSlots("route"),
    verdict_closed: withSlots("route", "reason"),
    verdict_conditional: withSlots("route", "condition"),
    verdict_reasons: z.object({
      students_only: z.string(),
      graduates_only: z.string(),
      step1_required: z.string(),
      step1_required_for_graduates: z.string(),
      step1_varies: z.string(),
      not_hands_on: z.string(),
      disputed_usce: z.string(),
    }),
    verdict_missing: z.string().min(5),
    cost_header: withSlots("weeks", "route"),
    cost_program_fee: withSlots("range"),
    cost_housing: withSlots("months", "range"),
    cost_visa_fee: withSlots("range"),
    cost_total: withSlots("range"),
    cost_free_or_more: withSlots("max"),
    cost_open_ended: withSlots("min"),
    cost_no_upper: z.string().min(2),
    cost_need_route: z.string().min(5),
    currency_line: withSlots("code", "range", "rate", "source", "as_of"),
    currency_unknown: withSlots("currency"),
    timeline_header: withSlots("route", "start"),
    timeline_apply_by: withSlots("date", "latest"),
    timeline_visa: withSlots("date", "min", "max"),
    timeline_no_visa: z.string().min(2),
    timeline_passed: z.string().min(2),
    timeline_letters_ok: withSlots("year", "end", "weeks", "ready", "review"),
    timeline_letters_late: withSlots("year", "end", "weeks", "ready", "review"),
    timeline_letters_unknown: withSlots("year"),
    timeline_need_start: z.string().min(5),
    based_on: withSlots("entries"),
    review_overdue: withSlots("date"),
    /** After a plain answer whose entry's review_by has passed. */
    answer_review_overdue: withSlots("date"),
    /** After a letters check whose review date is an estimate (estimated: true). */
    timeline_review_estimated: withSlots("year"),
    // --- Counselor desk (Slack side of leads): notices to the student.
    lead_claimed: z.string().min(5),
    lead_released: z.string().min(5),
    lead_closed: z.string().min(5),
    lead_wait: z.string().min(5),
    lead_wait_after_hours: withSlots("hours", "opens"),
    // While a counselor holds the conversation: a photo, voice note or file cannot be relayed.
    lead_unreadable: z.string().min(5),
    lead_unreadable_note: z.string().min(5),
  })
  .strict();

export type Messages = z.infer<typeof messagesSchema>;
