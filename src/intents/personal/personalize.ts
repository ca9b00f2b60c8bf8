import { needsVisa } from "../../core/state.js";
import type { Turn } from "../turn.js";
import type { KnowledgeEntry } from "../../knowledge/loader.js";
import type { Route } from "../../knowledge/schema.js";
import { estimateCost, formatCostEstimate, typicalWeeks } from "./cost-estimate.js";
import { formatVerdicts } from "./eligibility.js";
import { formatTimeline, planTimeline } from "./timeline.js";

/**
 * The route a question is about: the one the message names, else the one the
 * conversation was about, else the entry's own, else the only route in the
 * entry's structured facts.
 */
export function routeOf(turn: Turn, entry: KnowledgeEntry): Route | undefined {
  const routes = turn.kb.vocabulary.routes;
  const fromTopics = (topics: readonly string[]) => topics.map((t) => routes[t]).find((r): r is Route => r !== undefined);
  const named = fromTopics(turn.understanding.analysis.topics);
  if (named) return named;
  if (turn.understanding.analysis.topics.length === 0) {
    const context = fromTopics(turn.state.topics);
    if (context) return context;
  }
  const own = fromTopics(entry.topics);
  if (own) return own;
  const inFacts = new Set<string>([...(entry.facts?.costs ?? []), ...(entry.facts?.lead_times ?? [])].map((f) => f.route).filter((r) => r !== "any" && r !== "visa" && r !== "letters"));
  return inFacts.size === 1 ? ([...inFacts][0] as Route) : undefined;
}

const FIRST_PERSON = /\b(i|i'm|im|me|my|mine)\b/i;

/**
 * The computed part of an answer, shown before the entry's text when the entry
 * asks for it (`personalize:`) and rotabot knows enough: eligibility verdicts
 * for a student whose status it knows, a cost estimate when a length or a
 * currency is named, a timeline when a start date is known. When something
 * is missing and the question is about the student, a line asks for it.
 */
export function personalBlock(turn: Turn, entry: KnowledgeEntry): { before?: string; after?: string } {
  const { kb, profile, now, understanding } = turn;
  const m = kb.messages;
  const { details } = understanding;
  const personal = FIRST_PERSON.test(turn.text);
  const before: string[] = [];
  const after: string[] = [];

  if (entry.personalize.includes("eligibility")) {
    const verdicts = formatVerdicts(kb, profile, now);
    if (verdicts) before.push(verdicts.text);
    else if (personal) after.push(m.verdict_missing);
  }
  if (entry.personalize.includes("cost_estimate") && (details.weeks || details.currency)) {
    const route = routeOf(turn, entry);
    const weeks = details.weeks ?? turn.state.weeks;
    const estimate = route ? estimateCost(kb, route, weeks ?? typicalWeeks(kb, route), profile) : null;
    if (estimate) {
      const currency = details.currency === "local" ? profile.country ?? "local currency" : details.currency;
      before.push(formatCostEstimate(kb, estimate, now, currency));
    } else after.push(m.cost_need_route);
  }
  if (entry.personalize.includes("timeline")) {
    const start = details.start?.date ?? (profile.target_start ? new Date(`${profile.target_start}-01T12:00:00Z`) : undefined);
    const route = routeOf(turn, entry);
    const visa = needsVisa(profile);
    const timeline = start && route ? planTimeline(kb, { route, start, needsVisa: visa, matchYear: details.matchYear }) : null;
    if (timeline) before.push(formatTimeline(kb, timeline, now, !visa));
    else if (personal || start) after.push(m.timeline_need_start);
  }
  return { before: before.length ? before.join("\n\n") : undefined, after: after.length ? after.join("\n\n") : undefined };
}
