import { fileURLToPath } from "node:url";
import type { LanguageLayer } from "../../src/core/language-model.js";
import type { Lead } from "../../src/core/lead.js";
import type { Inbound } from "../../src/core/model.js";
import type { OpenLead, StoredMessage } from "../../src/core/ports.js";
import { parseProfile, parseState, type ConversationState, type Profile } from "../../src/core/state.js";
import type { TurnContext } from "../../src/dialog/turn-context.js";
import { createRouter } from "../../src/dialog/router.js";
import { defaultHandlers } from "../../src/intents/handlers.js";
import { loadKnowledge } from "../../src/knowledge/loader.js";
import { prepareKnowledge, type LoadedKnowledge } from "../../src/nlu/knowledge-source.js";

/** The small knowledge base of test/fixtures/knowledge-min, so that step tests do not depend on editorial content. */
export const MIN_KNOWLEDGE_DIR = fileURLToPath(new URL("../fixtures/knowledge-min", import.meta.url));

let minimal: LoadedKnowledge | undefined;
export function minimalKnowledge(): LoadedKnowledge {
  minimal ??= prepareKnowledge(loadKnowledge(MIN_KNOWLEDGE_DIR, new Date("2026-11-22T12:00:00Z")).kb);
  return minimal;
}

export const TURN_NOW = new Date("2026-11-22T10:00:00Z");

export interface TurnOptions {
  text?: string;
  payload?: string;
  contentType?: Inbound["contentType"];
  channel?: Inbound["channel"];
  state?: Partial<ConversationState>;
  profile?: Partial<Profile>;
  lead?: Partial<OpenLead> | null;
  truncated?: boolean;
  limited?: boolean;
  maxChars?: number;
  knowledge?: LoadedKnowledge;
  language?: LanguageLayer;
  history?: StoredMessage[];
}

/**
 * A TurnContext for one message, as bot.ts builds it, on the minimal
 * knowledge base and a fixed time: the unit under test is one step.
 */
export function turnContext(o: TurnOptions = {}): TurnContext & { historyCalls: number[] } {
  const historyCalls: number[] = [];
  const inbound: Inbound = {
    id: "m1",
    channel: o.channel ?? "test",
    conversation: "c1",
    // A private chat: the conversation is the student's own (see isShared in leads/workflow.ts).
    sender: "c1",
    text: o.text ?? "",
    receivedAt: TURN_NOW,
    ...(o.payload !== undefined ? { payload: o.payload } : {}),
    ...(o.contentType ? { contentType: o.contentType } : {}),
  };
  return {
    inbound,
    truncated: o.truncated ?? false,
    limited: o.limited ?? false,
    conversation: { state: parseState(o.state ?? {}), profile: parseProfile(o.profile ?? {}), lead: o.lead ? openLead(o.lead) : null },
    knowledge: o.knowledge ?? minimalKnowledge(),
    now: TURN_NOW,
    maxChars: o.maxChars ?? 2000,
    route: createRouter(defaultHandlers),
    turnBudgetMs: 60_000,
    ...(o.language ? { language: o.language } : {}),
    history: async (limit) => {
      historyCalls.push(limit);
      return (o.history ?? []).slice(-limit);
    },
    historyCalls,
  };
}

/** An open lead of conversation c1 with every field set to a plausible default. */
export function openLead(fields: Partial<OpenLead>): OpenLead {
  const lead: Lead = {
    id: 7,
    channel: "test",
    conversation: "c1",
    // A private chat: the conversation is the student's own (see isShared in leads/workflow.ts).
    sender: "c1",
    status: "collecting",
    step: "consent",
    trigger: "asked",
    score: 0,
    scoreReasons: [],
    consent: null,
    contact: null,
    summary: null,
    claimedBy: null,
    claimedAt: null,
    outcome: null,
    closedAt: null,
    card: null,
    announcedAt: null,
    reannounced: 0,
    unreachable: null,
    redactedAt: null,
    version: 1,
    createdAt: TURN_NOW,
    updatedAt: TURN_NOW,
  };
  return { ...lead, pendingPhone: null, ...fields };
}

/** A step's `next` that records that it ran, and may answer like the steps below would. */
export function nextStep(ctx: TurnContext, answer?: (ctx: TurnContext) => void): { next: () => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    next: async () => {
      calls++;
      answer?.(ctx);
    },
    calls: () => calls,
  };
}
