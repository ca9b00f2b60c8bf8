import type { Intent } from "../core/intents.js";
import type { LoadedKnowledge } from "../nlu/knowledge-source.js";
import type { Inbound, Reply } from "../core/model.js";
import { appendReply } from "../core/replies.js";
import type { LeadWrite, OpenLead, StoredMessage } from "../core/ports.js";
import type { ConversationState, Profile } from "../core/state.js";
import type { Turn, TurnResult } from "../intents/turn.js";
import type { LeadsConfig } from "../knowledge/leads-schema.js";
import { PAYLOAD, understand } from "../nlu/understand.js";
import { countryOfNumber } from "./contact.js";
import { advanceForm, isLeadPayload, LEAD_PAYLOAD, startForm } from "./form.js";
import type { LeadTrigger } from "../core/lead.js";
import { answers, mentions } from "./phrases.js";
import { scoreLead } from "./score.js";
import { buildSummary } from "./summary.js";

/**
 * Where the lead workflow meets a turn. The lead-take-over step
 * (src/dialog/steps/) calls `takeOver` before a message is routed (the form,
 * a claimed conversation, a consent withdrawal, the answer to a counselor
 * offer); the lead-after-answer step calls `afterAnswer` after (start the
 * form on a request, offer a counselor on strong intent, repeated misses or a
 * score crossing its threshold, mirror a queued lead's turns into its thread).
 * Everything here is pure: the turn saves the returned lead write with itself.
 */

export interface LeadContext {
  inbound: Inbound;
  text: string;
  state: ConversationState;
  profile: Profile;
  lead: OpenLead | null;
  loaded: LoadedKnowledge;
  now: Date;
  /** False when no counselor desk is configured (see FormOptions.deskConnected). */
  deskConnected?: boolean;
}

/** A turn the lead workflow answered itself. */
export interface LeadTurn {
  intent: Intent;
  replies: Reply[];
  state: ConversationState;
  profile: Profile;
  lead?: LeadWrite;
  withdrawConsent?: { version: string };
}

/** What `takeOver` decided about a message. */
export type TakeOver =
  /** The workflow answers the message itself. */
  | { kind: "answered"; turn: LeadTurn }
  /** The form is complete: `queueLead` adds the summary from the conversation's history, then the turn is saved. */
  | { kind: "form-complete"; turn: LeadTurn }
  /**
   * Not an answer to the form: the bot answers the message as usual, then asks
   * the form's question again (`reask`; none when the form was dropped) and saves `lead`.
   */
  | { kind: "aside"; reask?: Reply; lead: LeadWrite };

/** Messages of the conversation read into a lead's summary. */
export const SUMMARY_HISTORY = 40;

const threadKey = (kind: "in" | "bot", messageId: string) => `${kind}:${messageId}`;

/**
 * A group chat (its id is not the writer's, as in a Telegram group): several
 * people share the conversation, so consent and contact details, which are
 * one person's, are never collected there. The form runs in private chats only.
 */
const isShared = (ctx: LeadContext) => ctx.inbound.conversation !== ctx.inbound.sender;

/** The student's message for a lead's thread; nothing for an empty one. */
function studentLine(ctx: LeadContext): NonNullable<LeadWrite["thread"]> {
  return ctx.text.trim() ? [{ key: threadKey("in", ctx.inbound.id), from: "student", text: ctx.text }] : [];
}

/** The lead workflow's own turns, before any routing; null lets the bot answer. */
export function takeOver(ctx: LeadContext): TakeOver | null {
  const config = ctx.loaded.kb.leads;
  const { lead, state } = ctx;
  // Erasing everything is always the bot's (and always possible).
  if (/^\/forget(?:@\w+)?\s*$/i.test(ctx.text.trim())) return null;
  const base = { intent: "counselor" as Intent, state: { ...state, pending: undefined, leadOffer: undefined }, profile: ctx.profile };

  if (config && mentions(ctx.text, config.words.withdraw)) {
    const thread = lead && lead.status !== "collecting" ? studentLine(ctx) : [];
    const close = lead?.status === "collecting" ? { status: "closed" as const, outcome: "stopped" as const, closedAt: ctx.now, step: null, contact: null } : undefined;
    return answered({
      ...base,
      replies: [{ text: config.messages.consent_withdrawn }],
      withdrawConsent: { version: config.consent.version },
      ...(lead && (close || thread.length > 0) ? { lead: { id: lead.id, ...(close ? { set: close, whileStatus: "collecting" as const } : {}), thread } } : {}),
    });
  }
  if (lead?.status === "claimed") {
    // A counselor holds the conversation: the bot stays silent and relays. What it cannot
    // relay (a photo, a voice note) becomes a note in the thread, and the student is asked to type it.
    if (ctx.inbound.contentType === "unsupported") {
      const { messages } = ctx.loaded.kb;
      const note = { key: threadKey("in", ctx.inbound.id), from: "system" as const, text: messages.lead_unreadable_note };
      return answered({ ...base, state, replies: [{ text: messages.lead_unreadable }], lead: { id: lead.id, thread: [note] } });
    }
    return answered({ ...base, state, replies: [], lead: { id: lead.id, thread: studentLine(ctx) } });
  }
  if (ctx.inbound.contentType === "unsupported") return null;
  if (!config) return null;
  if (lead?.status === "collecting") {
    const payload = isLeadPayload(ctx.inbound.payload) ? undefined : ctx.inbound.payload;
    const { kb, nlu } = ctx.loaded;
    const understanding = understand(ctx.text, { ...state, pending: undefined }, nlu, kb, ctx.now, payload);
    const turn: Turn = { inbound: ctx.inbound, text: ctx.text, truncated: false, understanding, state, profile: ctx.profile, kb, now: ctx.now };
    const defaultCountry = ctx.inbound.channel === "whatsapp" ? countryOfNumber(ctx.inbound.sender) : undefined;
    const r = advanceForm(turn, lead, config, { defaultCountry, deskConnected: ctx.deskConnected });
    if (r.aside) return { kind: "aside", reask: r.replies[0], lead: { id: lead.id, whileStatus: "collecting", set: r.set } };
    const formTurn: LeadTurn = {
      ...base,
      replies: r.replies,
      profile: r.profile ? { ...ctx.profile, ...r.profile } : ctx.profile,
      lead: { id: lead.id, whileStatus: "collecting", set: r.set, ...(r.consent ? { consent: r.consent } : {}) },
    };
    return r.queued ? { kind: "form-complete", turn: formTurn } : answered(formTurn);
  }
  if (!lead) {
    const offered = state.leadOffer;
    const payload = ctx.inbound.payload;
    const yes = payload === LEAD_PAYLOAD.yes || (offered !== undefined && (payload === PAYLOAD.counselor || (payload === undefined && answers(ctx.text, config.words.yes, { exact: true }))));
    const no = payload === LEAD_PAYLOAD.no || (offered !== undefined && payload === undefined && answers(ctx.text, config.words.no));
    if (yes && isShared(ctx)) return answered({ ...base, replies: [{ text: config.messages.private_only }] });
    if (yes) return answered({ ...base, ...begin(ctx, config, offered ?? "asked", ctx.profile, state.topics) });
    if (no) return answered({ ...base, replies: [{ text: config.messages.offer_declined }] });
  }
  return null;
}

const answered = (turn: LeadTurn): TakeOver => ({ kind: "answered", turn });

/** A new lead at the consent step, with its score so far. */
function begin(ctx: LeadContext, config: LeadsConfig, trigger: LeadTrigger, profile: Profile, topics: readonly string[]): { replies: Reply[]; lead: LeadWrite } {
  const { step, reply } = startForm(config);
  const { score, reasons } = scoreLead(profile, topics, ctx.now, ctx.loaded.kb, config);
  return { replies: [reply], lead: { set: { status: "collecting", step, trigger, score, scoreReasons: reasons } } };
}

/** The routed answer, with what the lead workflow adds to it. */
export interface AfterAnswer {
  result: TurnResult;
  state: ConversationState;
  lead?: LeadWrite;
}

/**
 * After the bot answered: a request for a human starts the form (after the
 * answer); strong intent, a second miss in a row or the lead score crossing
 * its threshold offer a counselor (a yes starts the form); a queued lead
 * gets the student's message and the bot's answer in its thread.
 */
export function afterAnswer(ctx: LeadContext, outcome: { result: TurnResult; state: ConversationState; profile: Profile }): AfterAnswer {
  const config = ctx.loaded.kb.leads;
  const state: ConversationState = { ...outcome.state, leadOffer: undefined };
  const { result } = outcome;
  if (!config || result.forget) return { result, state };
  const { lead } = ctx;

  if (lead?.status === "queued") {
    const replies = result.handoff ? [{ text: config.messages.already_open }] : result.replies;
    const answer = replies.map((r) => r.text).join("\n\n");
    const generated = replies.some((r) => r.generated === true);
    const thread = [...studentLine(ctx), ...(answer ? [{ key: threadKey("bot", ctx.inbound.id), from: "bot" as const, text: answer, ...(generated ? { generated } : {}) }] : [])];
    return { result: { ...result, replies }, state, lead: { id: lead.id, thread } };
  }
  if (lead) return { result, state };
  if (isShared(ctx)) {
    // No offers in a group; a request for a counselor is sent to a private chat.
    if (result.handoff?.reason !== "asked") return { result, state };
    return { result: { ...result, replies: appendReply(result.replies, { text: config.messages.private_only }) }, state };
  }

  if (result.handoff?.reason === "asked") {
    const started = begin(ctx, config, "asked", outcome.profile, outcome.state.topics);
    return { result: { ...result, replies: appendReply(result.replies, started.replies[0] as Reply) }, state, lead: started.lead };
  }
  // A yes/no question is already waiting (a guessed fact to confirm): an offer now would be ambiguous.
  if (outcome.state.pending || ctx.inbound.payload) return { result, state };
  const offeredBefore = state.leadOffered ?? [];
  if (result.fellBack) {
    // The second miss in a row already offers a counselor (out-of-scope fallback); a yes to it starts the form.
    return outcome.state.misses >= 2 ? { result, state: { ...state, leadOffer: "repeated_misses" } } : { result, state };
  }
  const offer = (trigger: LeadTrigger): AfterAnswer => ({
    result: {
      ...result,
      replies: appendReply(result.replies, {
        text: config.messages.offer,
        quickReplies: [
          { title: config.buttons.yes, payload: LEAD_PAYLOAD.yes },
          { title: config.buttons.no, payload: LEAD_PAYLOAD.no },
        ],
      }),
    },
    state: { ...state, leadOffer: trigger, leadOffered: [...offeredBefore, trigger] },
  });
  if (!offeredBefore.includes("strong_intent") && mentions(ctx.text, config.words.strong_intent)) return offer("strong_intent");
  if (!offeredBefore.includes("score")) {
    const { threshold } = config.score;
    const before = scoreLead(ctx.profile, ctx.state.topics, ctx.now, ctx.loaded.kb, config).score;
    const after = scoreLead(outcome.profile, outcome.state.topics, ctx.now, ctx.loaded.kb, config).score;
    if (before < threshold && after >= threshold) return offer("score");
  }
  return { result, state };
}

/**
 * The form is complete: the lead gets its summary and final score, and its
 * card goes to the outbox in the turn's transaction.
 */
export function queueLead(turn: LeadTurn, ctx: LeadContext, history: readonly StoredMessage[]): LeadTurn {
  const config = ctx.loaded.kb.leads;
  if (!turn.lead || !config || !ctx.lead) return turn;
  const score = scoreLead(turn.profile, turn.state.topics, ctx.now, ctx.loaded.kb, config);
  const summary = buildSummary(turn.profile, history, ctx.lead.trigger, score, ctx.loaded.kb.messages);
  return { ...turn, lead: { ...turn.lead, set: { ...turn.lead.set, summary, score: score.score, scoreReasons: score.reasons }, card: true } };
}
