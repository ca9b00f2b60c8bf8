import type { CountryCode } from "libphonenumber-js/max";
import { FACTUAL_INTENTS } from "../core/intents.js";
import type { QuickReply, Reply } from "../core/model.js";
import type { LeadFields, OpenLead } from "../core/ports.js";
import type { Profile } from "../core/state.js";
import { profileLines } from "../intents/profile.js";
import type { Turn } from "../intents/turn.js";
import type { LeadsConfig } from "../knowledge/leads-schema.js";
import { fill } from "../knowledge/template.js";
import { extractProfileFacts } from "../nlu/extract.js";
import { isQuestion } from "../nlu/understand.js";
import { statesFacts } from "../nlu/understanding.js";
import { parseContact, phoneInCountry } from "./contact.js";
import type { ConsentDecision, LeadContact } from "../core/lead.js";
import { answers } from "./phrases.js";

/**
 * The lead form: a small state machine over the lead's `step`, as a pure
 * function of the turn and the lead. Consent first; with consent, name,
 * contact (email or phone in E.164) and the best time to reach the student;
 * then whatever the profile lacks that a counselor needs (status, specialty,
 * target start). Steps the profile already answers are skipped; optional
 * steps can be skipped; "stop" ends the form at any step.
 */

export const FORM_STEPS = ["consent", "name", "contact", "contact_country", "best_time", "status", "specialty", "target_start"] as const;
export type FormStep = (typeof FORM_STEPS)[number];

/** Quick-reply payloads of the lead form and of a counselor offer. */
export const LEAD_PAYLOAD = {
  prefix: "lead:",
  yes: "lead:yes",
  no: "lead:no",
  stop: "lead:stop",
  skip: "lead:skip",
  /** A picked value: `lead:pick:<value>`. */
  pick: "lead:pick:",
} as const;

export function isLeadPayload(payload: string | undefined): boolean {
  return payload?.startsWith(LEAD_PAYLOAD.prefix) ?? false;
}

/** What one form turn decides. The shell saves it with the turn. */
export interface FormResult {
  replies: Reply[];
  /** Lead columns to set (step, status, contact, consent…). */
  set: LeadFields;
  /** A consent decision to record, with the wording version shown. */
  consent?: { decision: ConsentDecision; version: string };
  /** Profile facts learned from the answer. */
  profile?: Partial<Profile>;
  /** The form is complete: the lead goes to counselors (the shell adds the summary and the card). */
  queued?: boolean;
  /**
   * The message is not an answer: `leave` (the offer of the consent step was
   * ignored: the lead is closed and the message answered as usual) or
   * `answer` (a question in the middle of the form: answered as usual, then
   * the step's question is asked again, in `replies`).
   */
  aside?: "leave" | "answer";
}

export interface FormOptions {
  /** The country a national phone number is read in when the student gives no code (a WhatsApp sender's own country). */
  defaultCountry?: CountryCode;
  /** False when no counselor desk is configured: a finished form says the lead is only stored. Default true. */
  deskConnected?: boolean;
}

/** At most this many words make a bare answer ("final year student") to a later question of the form. */
const BARE_ANSWER_WORDS = 4;

/** The first step of a new lead, and the question that opens it. */
export function startForm(config: LeadsConfig): { step: FormStep; reply: Reply } {
  return { step: "consent", reply: question("consent", config) };
}

/** The question of a step, with its quick replies. */
export function question(step: FormStep, config: LeadsConfig): Reply {
  const m = config.messages;
  const b = config.buttons;
  const stop: QuickReply = { title: b.stop, payload: LEAD_PAYLOAD.stop };
  const skip: QuickReply = { title: b.skip, payload: LEAD_PAYLOAD.skip };
  switch (step) {
    case "consent":
      return {
        text: config.consent.text,
        quickReplies: [{ title: config.consent.yes, payload: LEAD_PAYLOAD.yes }, { title: config.consent.no, payload: LEAD_PAYLOAD.no }, stop],
      };
    case "name":
      return { text: m.ask_name, quickReplies: [skip, stop] };
    case "contact":
      return { text: m.ask_contact, quickReplies: [skip, stop] };
    case "contact_country":
      return { text: m.ask_country_code, quickReplies: [skip, stop] };
    case "best_time":
      return { text: m.ask_best_time, quickReplies: [...config.best_time_options.map((t) => ({ title: t, payload: `${LEAD_PAYLOAD.pick}${t}` })), skip, stop] };
    case "status":
      return {
        text: m.ask_status,
        quickReplies: [
          { title: config.status_options.student, payload: `${LEAD_PAYLOAD.pick}student` },
          { title: config.status_options.graduate, payload: `${LEAD_PAYLOAD.pick}graduate` },
          skip,
          stop,
        ],
      };
    case "specialty":
      return { text: m.ask_specialty, quickReplies: [skip, stop] };
    case "target_start":
      return { text: m.ask_target_start, quickReplies: [skip, stop] };
  }
}

/** The next step after `step` that still needs an answer; null when the form is complete. */
export function nextStep(step: FormStep, consent: ConsentDecision | null, profile: Readonly<Profile>): FormStep | null {
  const order: FormStep[] = ["consent", "name", "contact", "best_time", "status", "specialty", "target_start"];
  const from = step === "contact_country" ? order.indexOf("contact") : order.indexOf(step);
  for (const s of order.slice(from + 1)) {
    if ((s === "name" || s === "contact" || s === "best_time") && consent !== "granted") continue;
    if (s === "status" && profile.status) continue;
    if (s === "specialty" && profile.specialty) continue;
    if (s === "target_start" && profile.target_start) continue;
    return s;
  }
  return null;
}

/** How sure the classifier must be that a message in the middle of the form is a question of its own. */
const ASIDE_CONFIDENCE = 0.5;
const MAX_NAME_CHARS = 60;
const MAX_NAME_WORDS = 5;
const MAX_BEST_TIME_CHARS = 100;
const NAME_LEAD_IN = /^\s*(?:my name is|my name's|i am|i'm|im|this is|call me|it's|it is|name:)\s+/i;

/** A name as typed, without "my name is"; undefined when it does not look like one. */
export function readName(text: string): string | undefined {
  const name = text.replace(NAME_LEAD_IN, "").replace(/[.!]+$/, "").replace(/\s+/g, " ").trim();
  if (!name || name.length > MAX_NAME_CHARS || name.split(" ").length > MAX_NAME_WORDS) return undefined;
  if (/[\d@#/\\<>{}[\]_=+*]/.test(name) || !/\p{L}/u.test(name) || isQuestion(text)) return undefined;
  return name;
}

/**
 * One turn of the form: reads the student's answer to the lead's current step
 * and returns the replies, the lead's changes and the facts learned. Never
 * throws on what a student types: an answer that cannot be read is asked
 * again, kindly, with the Skip and Stop buttons.
 */
export function advanceForm(turn: Turn, lead: OpenLead, config: LeadsConfig, options: FormOptions = {}): FormResult {
  const step = (FORM_STEPS as readonly string[]).includes(lead.step ?? "") ? (lead.step as FormStep) : "consent";
  const payload = turn.inbound.payload;
  const text = turn.text;
  const { words, messages: m } = config;

  if (payload === LEAD_PAYLOAD.stop || answers(text, words.stop)) {
    return {
      replies: [{ text: m.stopped }],
      set: { status: "closed", outcome: "stopped", closedAt: turn.now, step: null, contact: null },
    };
  }
  const again = (note?: string): FormResult => {
    const q = question(step, config);
    return { replies: [{ ...q, text: note ? `${note}\n\n${q.text}` : q.text }], set: {} };
  };
  const contact: LeadContact & { pendingPhone?: string } = { ...(lead.contact ?? {}) };
  if (lead.pendingPhone) contact.pendingPhone = lead.pendingPhone;
  /** Moves past `from` with the given changes: the next question, or the lead goes to counselors. */
  const advance = (from: FormStep, changes: Omit<FormResult, "replies">, note?: string): FormResult => {
    const consent = changes.set.consent !== undefined ? changes.set.consent : lead.consent;
    const profile = { ...turn.profile, ...changes.profile };
    const next = nextStep(from, consent, profile);
    if (next) {
      const q = question(next, config);
      return { ...changes, set: { ...changes.set, step: next }, replies: [{ ...q, text: note ? `${note}\n\n${q.text}` : q.text }] };
    }
    const finalContact = changes.set.contact !== undefined ? changes.set.contact : contact;
    const reach = finalContact?.email ?? finalContact?.phone;
    const done = options.deskConnected === false ? m.queued_stored : reach && consent === "granted" ? fill(m.queued_contact, { contact: reach }) : m.queued_chat;
    return {
      ...changes,
      set: { ...changes.set, step: null, status: "queued", queuedAt: turn.now },
      replies: [{ text: note ? `${note}\n\n${done}` : done }],
      queued: true,
    };
  };
  const skipped = payload === LEAD_PAYLOAD.skip || answers(text, words.skip);
  // A question about rotations in the middle of the form is answered, and the step asked again.
  const u = turn.understanding;
  if (step !== "consent" && payload === undefined && !skipped && isQuestion(text) && !u.fellBack && FACTUAL_INTENTS.has(u.intent) && u.confidence >= ASIDE_CONFIDENCE) {
    return { replies: [question(step, config)], set: {}, aside: "answer" };
  }
  const picked = payload?.startsWith(LEAD_PAYLOAD.pick) ? payload.slice(LEAD_PAYLOAD.pick.length) : undefined;

  switch (step) {
    case "consent": {
      const yes = payload === LEAD_PAYLOAD.yes || (payload === undefined && answers(text, words.yes, { exact: true }));
      const no = payload === LEAD_PAYLOAD.no || (payload === undefined && answers(text, words.no, { exact: true }));
      if (yes) return advance(step, { set: { consent: "granted" }, consent: { decision: "granted", version: config.consent.version } });
      if (no) {
        return advance(step, { set: { consent: "declined", contact: null }, consent: { decision: "declined", version: config.consent.version } }, m.consent_declined);
      }
      // Facts about the student ("June 2027") answer the form's later questions early: noted, and consent asked again.
      if (payload === undefined && !isQuestion(text) && statesFacts(u)) {
        return { replies: [question(step, config)], set: {}, aside: "answer" };
      }
      // A bare answer to one of the form's later questions ("internal medicine", "graduate", "final year student")
      // answers it early: noted, and consent asked again.
      if (payload === undefined && !isQuestion(text)) {
        const specialty = u.analysis.residual.length === 0 ? u.analysis.specialties[0]?.key : undefined;
        const early: Partial<Profile> = specialty ? { specialty } : text.trim().split(/\s+/).length <= BARE_ANSWER_WORDS ? statusFacts(turn, undefined) : {};
        if (Object.keys(early).length > 0) {
          return { ...again(fill(turn.kb.messages.noted, { facts: profileLines(early, turn.kb.messages).join(", ") })), profile: early };
        }
      }
      // Neither yes nor no: the student went on with something else ("ok, see you", a question). Drop the form quietly.
      if (payload === undefined) return { replies: [], set: { status: "closed", outcome: "stopped", closedAt: turn.now, step: null, contact: null }, aside: "leave" };
      return again(m.reask);
    }
    case "name": {
      if (skipped) return advance(step, { set: {} });
      const name = readName(text);
      if (!name) return again(m.invalid_name);
      return advance(step, { set: { contact: { ...contact, name } } });
    }
    case "contact": {
      if (skipped) return advance(step, { set: {} });
      const read = parseContact(text, options.defaultCountry);
      switch (read.kind) {
        case "email":
          return advance(step, { set: { contact: withoutPending({ ...contact, email: read.value, phone: undefined }) } });
        case "phone":
          return advance(step, { set: { contact: withoutPending({ ...contact, phone: read.value, email: undefined }) } });
        case "needs_country": {
          const q = question("contact_country", config);
          return { replies: [q], set: { step: "contact_country", contact: { ...withoutPending({ ...contact, email: undefined, phone: undefined }), pendingPhone: read.digits } } };
        }
        case "invalid_email":
          return again(m.invalid_email);
        case "invalid":
          return again(m.invalid_contact);
      }
      return again(m.invalid_contact);
    }
    case "contact_country": {
      if (skipped) return advance(step, { set: { contact: withoutPending(contact) } });
      const phone = lead.pendingPhone ? phoneInCountry(lead.pendingPhone, text) : null;
      if (!phone) return again(m.invalid_country_code);
      return advance(step, { set: { contact: withoutPending({ ...contact, phone, email: undefined }) } });
    }
    case "best_time": {
      if (skipped) return advance(step, { set: {} });
      const when = (picked ?? text).replace(/\s+/g, " ").trim().slice(0, MAX_BEST_TIME_CHARS);
      if (!when) return again();
      return advance(step, { set: { contact: { ...contact, bestTime: when } } });
    }
    case "status": {
      if (skipped) return advance(step, { set: {} });
      const facts = statusFacts(turn, picked);
      if (!facts.status) return again(m.invalid_status);
      return advance(step, { set: {}, profile: facts });
    }
    case "specialty": {
      if (skipped) return advance(step, { set: {} });
      const specialty = turn.understanding.facts.specialty ?? turn.understanding.analysis.specialties[0]?.key;
      if (!specialty) return again(m.invalid_specialty);
      return advance(step, { set: {}, profile: { specialty } });
    }
    case "target_start": {
      if (skipped) return advance(step, { set: {} });
      const start = u.facts.target_start ?? (u.unsure?.field === "target_start" ? u.unsure.value : undefined) ?? u.details.start?.date.toISOString().slice(0, 7);
      if (!start) return again(m.invalid_target_start);
      return advance(step, { set: {}, profile: { target_start: start } });
    }
  }
}

/** The status (and year) in an answer: a button, "I'm a graduate", or a bare "graduate" / "final year student". */
function statusFacts(turn: Turn, picked: string | undefined): Partial<Profile> {
  if (picked === "student" || picked === "graduate") return { status: picked };
  const own = turn.understanding.facts;
  if (own.status) return pickStatus(own);
  for (const variant of [`i am a ${turn.text}`, `i ${turn.text}`]) {
    const facts = extractProfileFacts(variant, { tokens: [], specialties: [] });
    if (facts.status) return pickStatus(facts);
  }
  return {};
}

const pickStatus = (facts: Partial<Profile>): Partial<Profile> =>
  Object.fromEntries(Object.entries(facts).filter(([k]) => k === "status" || k === "year_of_study" || k === "graduation_year")) as Partial<Profile>;

function withoutPending(contact: LeadContact & { pendingPhone?: string }): LeadContact {
  const { pendingPhone: _pending, ...rest } = contact;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as LeadContact;
}

