import type { Profile } from "../core/state.js";
import { formatValue } from "../intents/profile.js";
import type { LeadsConfig } from "../knowledge/leads-schema.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { fill } from "../knowledge/template.js";

export interface LeadScore {
  score: number;
  /** One short line per point source, for counselors. */
  reasons: string[];
}

/** Whole months from `now` to a "YYYY-MM" start; negative when it has passed. */
export function monthsUntil(start: string, now: Date): number | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(start);
  if (!m) return undefined;
  return Number(m[1]) * 12 + Number(m[2]) - 1 - (now.getUTCFullYear() * 12 + now.getUTCMonth());
}

/** The specific route the conversation is about, from its subjects ("any" and unknown subjects do not count). */
export function chosenRoute(topics: readonly string[], kb: KnowledgeBase): string | undefined {
  return topics.map((t) => kb.vocabulary.routes[t]).find((r) => r !== undefined && r !== "any");
}

/**
 * How ready a student looks to act, by the weights of `_leads.yaml`: profile
 * completeness, how soon they want to start, a specific route and a specialty
 * chosen. A pure function of what rotabot knows; the same inputs always give
 * the same score and reasons.
 */
export function scoreLead(profile: Readonly<Profile>, topics: readonly string[], now: Date, kb: KnowledgeBase, config: LeadsConfig): LeadScore {
  const { score: weights, reasons: templates } = config;
  const labels = kb.messages.profile_labels;
  const reasons: string[] = [];
  let score = 0;

  const known = Object.entries(weights.profile).filter(([field, points]) => (points ?? 0) > 0 && profile[field] !== undefined && profile[field] !== "");
  const profilePoints = known.reduce((sum, [, points]) => sum + (points ?? 0), 0);
  if (profilePoints > 0) {
    score += profilePoints;
    reasons.push(fill(templates.profile, { fields: known.map(([f]) => labels[f] ?? f).join(", "), points: profilePoints }));
  }

  const months = profile.target_start ? monthsUntil(profile.target_start, now) : undefined;
  const urgency = months !== undefined && months >= 0 ? weights.start_within.find((row) => months <= row.months) : undefined;
  if (urgency && urgency.points > 0) {
    score += urgency.points;
    reasons.push(fill(templates.start, { months: Math.max(months ?? 0, 1), points: urgency.points }));
  }

  const route = chosenRoute(topics, kb);
  if (route && weights.route > 0) {
    score += weights.route;
    reasons.push(fill(templates.route, { route: kb.messages.route_labels[route as keyof typeof kb.messages.route_labels] ?? formatValue(route), points: weights.route }));
  }

  if (profile.specialty && weights.specialty > 0) {
    score += weights.specialty;
    reasons.push(fill(templates.specialty, { specialty: formatValue(profile.specialty), points: weights.specialty }));
  }
  return { score, reasons };
}
