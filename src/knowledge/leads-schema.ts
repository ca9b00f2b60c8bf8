import { z } from "zod";
import { profileSchema } from "../core/state.js";

const PROFILE_FIELDS = Object.keys(profileSchema.shape) as [string, ...string[]];

/**
 * `knowledge/_leads.yaml`: everything admins tune about handing a student to a
 * human counselor: the consent wording and its version, every sentence of the
 * lead form, the phrases that start, stop or skip it, and the lead score's
 * weights and threshold. Kept apart from `_messages.yaml` because it is one
 * policy (what the agency asks, when, and how eagerly) that changes together.
 */

const button = z.string().min(1).max(20, "button labels must fit in 20 characters (WhatsApp)");
const sentence = z.string().min(2);

/** A template that must contain each `{slot}` it is filled with. */
function withSlots(...slots: string[]) {
  return slots.reduce(
    (schema, slot) => schema.refine((t) => t.includes(`{${slot}}`), { message: `must contain {${slot}}` }),
    sentence as z.ZodType<string>,
  );
}

const phrases = z.array(z.string().trim().min(2)).min(1, "needs at least one phrase");

export const leadsSchema = z
  .object({
    consent: z
      .object({
        /** Stored with every decision: change it whenever the wording changes. */
        version: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, "must be a short version name such as 2026-11-v1 (letters, digits, . _ -)"),
        text: z.string().min(20, "must say what is stored, why, and that the student can withdraw"),
        yes: button,
        no: button,
      })
      .strict(),
    buttons: z.object({ stop: button, skip: button, yes: button, no: button }).strict(),
    /** Everything the form says, in the order the student meets it. */
    messages: z
      .object({
        offer: sentence,
        offer_declined: sentence,
        consent_declined: sentence,
        reask: sentence,
        ask_name: sentence,
        invalid_name: sentence,
        ask_contact: sentence,
        invalid_email: sentence,
        invalid_contact: sentence,
        ask_country_code: sentence,
        invalid_country_code: sentence,
        ask_best_time: sentence,
        ask_status: sentence,
        invalid_status: sentence,
        ask_specialty: sentence,
        invalid_specialty: sentence,
        ask_target_start: sentence,
        invalid_target_start: sentence,
        queued_contact: withSlots("contact"),
        queued_chat: sentence,
        /** The form is done but no counselor desk is configured: the lead is only stored (the truth, not a promise of contact). */
        queued_stored: sentence,
        stopped: sentence,
        already_open: sentence,
        consent_withdrawn: sentence,
        /** A counselor asked for in a group chat: the form (consent, contact details) runs in a private chat only. */
        private_only: sentence,
      })
      .strict(),
    /** Quick-reply labels offered for the best time to reach the student. */
    best_time_options: z.array(button).max(6, "at most 6 options (with Skip and Stop they must fit a WhatsApp list of 10)").default([]),
    status_options: z.object({ student: button, graduate: button }).strict(),
    words: z
      .object({
        yes: phrases,
        no: phrases,
        /** Stop the form at any step. */
        stop: phrases,
        /** Skip an optional step. */
        skip: phrases,
        /** Withdraw consent: the student's contact details are erased from every lead. */
        withdraw: phrases,
        /** Strong intent to act ("I want to book", "how do I pay"): a counselor is offered after the answer. */
        strong_intent: phrases,
      })
      .strict(),
    score: z
      .object({
        /** Reaching this score offers a counselor (once per conversation). */
        threshold: z.number().int().positive(),
        /** Points per profile field the student has told rotabot (profile completeness). */
        profile: z.partialRecord(z.enum(PROFILE_FIELDS, { message: `must be a profile field: ${PROFILE_FIELDS.join(", ")}` }), z.number().int().nonnegative()),
        /** Points when the target start is at most `months` away; the first matching row counts. */
        start_within: z
          .array(z.object({ months: z.number().positive(), points: z.number().int().nonnegative() }).strict())
          .refine((rows) => rows.every((r, i) => i === 0 || r.months > (rows[i - 1]?.months ?? 0)), "rows must be in increasing order of months")
          .default([]),
        /** Points when the conversation is about one specific route (e.g. observership, not "rotations"). */
        route: z.number().int().nonnegative(),
        /** Points when the student named a target specialty. */
        specialty: z.number().int().nonnegative(),
      })
      .strict(),
    /** Why a lead scored what it did, shown to counselors (one line per point source). */
    reasons: z
      .object({
        profile: withSlots("fields", "points"),
        start: withSlots("months", "points"),
        route: withSlots("route", "points"),
        specialty: withSlots("specialty", "points"),
      })
      .strict(),
  })
  .strict();

export type LeadsConfig = z.infer<typeof leadsSchema>;
