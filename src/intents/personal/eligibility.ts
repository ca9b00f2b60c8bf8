import type { Profile } from "../../core/state.js";
import type { KnowledgeBase } from "../../knowledge/loader.js";
import type { Route } from "../../knowledge/schema.js";
import { eligibilityFacts, provenance } from "./facts.js";
import { fill } from "../../knowledge/template.js";

export type VerdictKind = "open" | "closed" | "conditional";

export interface Verdict {
  route: Route;
  kind: VerdictKind;
  /** Why, for closed and conditional verdicts: keys of `verdict_reasons`. */
  reasons: string[];
  /** The route's own warning, from the knowledge base, for open and conditional verdicts. */
  caveat?: string;
}

/**
 * Which routes are open to this student, from the eligibility rules in the
 * knowledge base. Pure: the profile must say whether they are a student or a
 * graduate, otherwise there is no verdict.
 */
export function eligibilityVerdicts(kb: KnowledgeBase, profile: Profile): Verdict[] | null {
  const status = profile.status;
  if (!status) return null;
  return eligibilityFacts(kb).map(({ fact }) => {
    if (!fact.status.includes(status)) {
      return { route: fact.route, kind: "closed", reasons: [status === "graduate" ? "students_only" : "graduates_only"] };
    }
    const reasons: string[] = [];
    const passed = profile.step1 === "passed";
    if (fact.step1 === "required" && !passed) reasons.push("step1_required");
    if (fact.step1 === "required_for_graduates" && status === "graduate" && !passed) reasons.push("step1_required_for_graduates");
    if (fact.step1 === "varies" && !passed) reasons.push("step1_varies");
    if (!fact.hands_on) reasons.push(fact.route === "telehealth" ? "disputed_usce" : "not_hands_on");
    return { route: fact.route, kind: reasons.length > 0 ? "conditional" : "open", reasons, ...(fact.caveat ? { caveat: fact.caveat } : {}) };
  });
}

/** How the verdicts read to the student, with the entries they rest on. */
export function formatVerdicts(kb: KnowledgeBase, profile: Profile, now: Date): { text: string; entryIds: string[] } | null {
  const verdicts = eligibilityVerdicts(kb, profile);
  if (!verdicts) return null;
  const m = kb.messages;
  const label = (r: Route) => m.route_labels[r] ?? r;
  const reason = (key: string) => (m.verdict_reasons as Record<string, string>)[key] ?? key;
  const lines = verdicts.map((v) => {
    if (v.kind === "closed") return `- ${fill(m.verdict_closed, { route: label(v.route), reason: v.reasons.map(reason).join("; ") })}`;
    const conditions = [...v.reasons.map(reason), ...(v.caveat ? [v.caveat] : [])];
    if (conditions.length === 0) return `- ${fill(m.verdict_open, { route: label(v.route) })}`;
    return `- ${fill(m.verdict_conditional, { route: label(v.route), condition: conditions.join("; ") })}`;
  });
  const { ids, overdue } = provenance(eligibilityFacts(kb).map((s) => s.entry), now);
  const tail = [fill(m.based_on, { entries: ids.join(", ") }), ...(overdue ? [fill(m.review_overdue, { date: overdue })] : [])];
  return { text: [fill(m.verdict_header, { who: describeStudent(kb, profile) }), ...lines, ...tail].join("\n"), entryIds: ids };
}

/** "a 2023 graduate", "a final-year medical student"… from `status_phrases`. */
export function describeStudent(kb: KnowledgeBase, profile: Profile): string {
  const p = kb.messages.status_phrases;
  if (profile.status === "graduate") return profile.graduation_year ? fill(p.graduate_year, { year: profile.graduation_year }) : p.graduate;
  if (profile.year_of_study === "final") return p.student_final;
  if (typeof profile.year_of_study === "number") return fill(p.student_year, { year: profile.year_of_study });
  return p.student;
}
