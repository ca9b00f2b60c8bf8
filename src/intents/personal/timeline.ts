// Function-level imports: the package's index pulls in every function (a quarter of a second at start-up).
import { addWeeks } from "date-fns/addWeeks";
import { format } from "date-fns/format";
import { subDays } from "date-fns/subDays";
import { subMonths } from "date-fns/subMonths";
import type { KnowledgeBase, KnowledgeEntry } from "../../knowledge/loader.js";
import type { Route } from "../../knowledge/schema.js";
import { typicalWeeks } from "./cost-estimate.js";
import { leadTimeFacts, provenance } from "./facts.js";
import { fill } from "../../knowledge/template.js";

export interface Timeline {
  route: Route;
  start: Date;
  applyBy: Date;
  applyLatest: Date;
  visa?: { requestBy: Date; minMonths: number; maxMonths: number };
  letters?: { matchYear: number; end: Date; ready: Date; weeks: number; review?: Date; reviewEstimated?: boolean };
  entries: KnowledgeEntry[];
}

/** `months` (possibly fractional) before `date`. */
function monthsBefore(date: Date, months: number): Date {
  const whole = Math.floor(months);
  return subDays(subMonths(date, whole), Math.round((months - whole) * 30));
}

export const formatDate = (d: Date) => format(d, "d MMMM yyyy");

/**
 * Works out, from the knowledge base's lead times, when to apply for a
 * rotation starting on `start`, when to request a visa appointment, and, for a
 * Match year, whether a letter from the rotation can be in before programs
 * start reviewing. Null when the knowledge base has no lead time for the route.
 */
export function planTimeline(
  kb: KnowledgeBase,
  options: { route: Route; start: Date; needsVisa: boolean; matchYear?: number },
): Timeline | null {
  const leads = leadTimeFacts(kb);
  const lead = leads.find((l) => l.fact.route === options.route);
  if (!lead) return null;
  const entries = [lead.entry];
  const { start } = options;
  const timeline: Timeline = {
    route: options.route,
    start,
    applyBy: monthsBefore(start, lead.fact.recommended_months ?? lead.fact.max_months),
    applyLatest: monthsBefore(start, lead.fact.min_months),
    entries,
  };
  const visa = leads.find((l) => l.fact.route === "visa");
  if (options.needsVisa && visa) {
    timeline.visa = {
      requestBy: monthsBefore(start, visa.fact.recommended_months ?? visa.fact.max_months),
      minMonths: visa.fact.min_months,
      maxMonths: visa.fact.max_months,
    };
    entries.push(visa.entry);
  }
  const letters = leads.find((l) => l.fact.route === "letters");
  if (options.matchYear && letters) {
    const weeks = Math.round(letters.fact.max_months * (52 / 12));
    const end = addWeeks(start, typicalWeeks(kb, options.route));
    const review = kb.entries
      .flatMap((e) => (e.facts?.dates ?? []).map((d) => ({ d, e })))
      .find(({ d }) => d.name === "eras_programs_review" && d.match_year === options.matchYear);
    timeline.letters = {
      matchYear: options.matchYear,
      end,
      ready: addWeeks(end, weeks),
      weeks,
      review: review ? new Date(`${review.d.date}T00:00:00Z`) : undefined,
      reviewEstimated: review?.d.estimated === true,
    };
    entries.push(letters.entry, ...(review ? [review.e] : []));
  }
  return timeline;
}

/** The timeline as the student reads it, flagging dates that have already passed. */
export function formatTimeline(kb: KnowledgeBase, t: Timeline, now: Date, visaKnownUnneeded: boolean): string {
  const m = kb.messages;
  const when = (d: Date) => (d < now ? `${formatDate(d)} (${m.timeline_passed})` : formatDate(d));
  const lines = [
    fill(m.timeline_header, { route: (m.route_labels[t.route] ?? t.route).toLowerCase(), start: format(t.start, "MMMM yyyy") }),
    `- ${fill(m.timeline_apply_by, { date: when(t.applyBy), latest: formatDate(t.applyLatest) })}`,
  ];
  if (t.visa) lines.push(`- ${fill(m.timeline_visa, { date: when(t.visa.requestBy), min: t.visa.minMonths, max: t.visa.maxMonths })}`);
  else if (visaKnownUnneeded) lines.push(`- ${m.timeline_no_visa}`);
  if (t.letters) {
    const l = t.letters;
    if (!l.review) lines.push(`- ${fill(m.timeline_letters_unknown, { year: l.matchYear })}`);
    else {
      const slots = { year: l.matchYear, end: formatDate(l.end), weeks: l.weeks, ready: formatDate(l.ready), review: formatDate(l.review) };
      lines.push(`- ${fill(l.ready <= l.review ? m.timeline_letters_ok : m.timeline_letters_late, slots)}`);
      if (l.reviewEstimated) lines.push(`  ${fill(m.timeline_review_estimated, { year: l.matchYear })}`);
    }
  }
  const { ids, overdue } = provenance(t.entries, now);
  lines.push(fill(m.based_on, { entries: ids.join(", ") }));
  if (overdue) lines.push(fill(m.review_overdue, { date: overdue }));
  return lines.join("\n");
}

