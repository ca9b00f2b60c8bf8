import { z } from "zod";
import { LEAD_TRIGGERS } from "./lead.js";
import { INTENTS } from "./intents.js";

/**
 * What rotabot remembers about a student across conversations and restarts.
 * Stored as JSON; parsed with zod on load so an old or damaged row degrades to
 * "unknown" instead of crashing a turn.
 */
export const profileSchema = z
  .object({
    status: z.enum(["student", "graduate"]).optional(),
    year_of_study: z.union([z.number().int().min(1).max(7), z.literal("final")]).optional(),
    graduation_year: z.number().int().min(1950).max(2100).optional(),
    country: z.string().optional(),
    step1: z.enum(["passed", "failed", "scheduled", "not_taken"]).optional(),
    step2ck: z.enum(["passed", "failed", "scheduled", "not_taken"]).optional(),
    ecfmg: z.enum(["certified", "in_progress", "not_started"]).optional(),
    specialty: z.string().optional(),
    target_start: z.string().optional(),
    visa: z.enum(["has_b1b2", "needs_visa", "us_citizen_or_resident"]).optional(),
    budget: z.string().optional(),
  })
  .catchall(z.unknown());

export type Profile = z.infer<typeof profileSchema>;

/** Whether the student still needs a US visitor visa: yes unless they said they hold one or need none. */
export function needsVisa(profile: Profile): boolean {
  return profile.visa !== "has_b1b2" && profile.visa !== "us_citizen_or_resident";
}
export type ProfileKey = Exclude<keyof Profile, number>;

/** The conversation's short-term memory: what we were talking about. */
export const conversationStateSchema = z
  .object({
    lastIntent: z.enum(INTENTS).optional(),
    /** Subject tags of the last answer (e.g. observership), for follow-ups. */
    topics: z.array(z.string()).default([]),
    lastEntryId: z.string().optional(),
    /** The rotation length the student last named ("8 weeks"): a later "in rupees?" or "and an externship?" costs that long. */
    weeks: z.number().int().positive().max(520).optional(),
    /** Turns in a row that rotabot did not understand. */
    misses: z.number().int().nonnegative().default(0),
    wantsCounselor: z.boolean().default(false),
    turns: z.number().int().nonnegative().default(0),
    /** A guessed profile value waiting for the student's yes or no. */
    pending: z.object({ field: z.string(), value: z.string() }).optional(),
    /** A counselor was offered in the last reply (and why): a "yes" now starts the lead form. */
    leadOffer: z.enum(LEAD_TRIGGERS).optional(),
    /** Triggers that already offered a counselor in this conversation: each offers once (repeated misses excepted). */
    leadOffered: z.array(z.enum(LEAD_TRIGGERS)).optional(),
  })
  .catchall(z.unknown());

export type ConversationState = z.infer<typeof conversationStateSchema>;

export function parseProfile(value: unknown): Profile {
  const r = profileSchema.safeParse(value ?? {});
  return r.success ? r.data : {};
}

export function parseState(value: unknown): ConversationState {
  const r = conversationStateSchema.safeParse(value ?? {});
  return r.success ? r.data : conversationStateSchema.parse({});
}
