import { needsVisa, type Profile } from "../../core/state.js";
import type { KnowledgeBase, KnowledgeEntry } from "../../knowledge/loader.js";
import type { CostFact, Route } from "../../knowledge/schema.js";
import { costFacts, durationFacts, eligibilityFacts, provenance } from "./facts.js";
import { fill, usd } from "../../knowledge/template.js";

const WEEKS_PER_MONTH = 52 / 12;

/** A range in US dollars; `max: null` means no typical upper limit. */
export interface Range {
  min: number;
  max: number | null;
}

export interface CostEstimate {
  route: Route;
  weeks: number;
  programFee: Range;
  /** Absent for remote routes. */
  housing?: Range & { months: number };
  /** Present when the student needs a B1/B2 visa (or has not said they have one). */
  visaFee?: Range;
  total: Range;
  entries: KnowledgeEntry[];
}

/** The amount of one cost fact over `weeks` weeks. */
function scale(fact: CostFact, weeks: number): Range {
  const factor =
    fact.unit === "per_week" ? weeks : fact.unit === "per_4_weeks" ? weeks / 4 : fact.unit === "per_month" ? weeks / WEEKS_PER_MONTH : 1;
  return { min: fact.min * factor, max: fact.max === null ? null : fact.max * factor };
}

function span(ranges: Range[]): Range {
  return {
    min: Math.min(...ranges.map((r) => r.min)),
    max: ranges.some((r) => r.max === null) ? null : Math.max(...ranges.map((r) => r.max as number)),
  };
}

function add(...ranges: Range[]): Range {
  return {
    min: ranges.reduce((s, r) => s + r.min, 0),
    max: ranges.some((r) => r.max === null) ? null : ranges.reduce((s, r) => s + (r.max as number), 0),
  };
}

/** The typical length of a rotation on this route, from the knowledge base (4 weeks when it says nothing). */
export function typicalWeeks(kb: KnowledgeBase, route: Route): number {
  return durationFacts(kb).find((d) => d.fact.route === route)?.fact.typical_weeks ?? 4;
}

/**
 * Estimates the cost of `weeks` weeks on `route` from the knowledge base's cost
 * facts: the program fee (widest range the facts support), housing by the
 * month, and the visa fee when the student may need a visa. Null when the
 * knowledge base has no program fee for the route.
 */
export function estimateCost(kb: KnowledgeBase, route: Route, weeks: number, profile: Profile): CostEstimate | null {
  const facts = costFacts(kb);
  const program = facts.filter((s) => s.fact.route === route && s.fact.kind === "program_fee");
  if (program.length === 0) return null;
  // A remote route (telehealth) needs neither housing nor a visa.
  const inPerson = eligibilityFacts(kb).find((s) => s.fact.route === route)?.fact.in_person ?? true;
  const housingFacts = inPerson ? facts.filter((s) => s.fact.route === "any" && s.fact.kind === "housing") : [];
  const visaFacts = inPerson ? facts.filter((s) => s.fact.route === "any" && s.fact.kind === "visa_fee") : [];
  const months = Math.round((weeks / WEEKS_PER_MONTH) * 10) / 10;
  const programFee = span(program.map((s) => scale(s.fact, weeks)));
  const housing = housingFacts.length ? { ...span(housingFacts.map((s) => scale(s.fact, weeks))), months } : undefined;
  const visaFee = needsVisa(profile) && visaFacts.length ? span(visaFacts.map((s) => scale(s.fact, weeks))) : undefined;
  const used = [...program, ...housingFacts, ...(visaFee ? visaFacts : [])].map((s) => s.entry);
  return {
    route,
    weeks,
    programFee,
    housing,
    visaFee,
    total: add(programFee, ...(housing ? [housing] : []), ...(visaFee ? [visaFee] : [])),
    entries: used,
  };
}

export function formatRange(kb: KnowledgeBase, r: Range, money: (n: number) => string = usd): string {
  const m = kb.messages;
  if (r.max === null) return r.min === 0 ? fill(m.cost_free_or_more, { max: m.cost_no_upper }) : fill(m.cost_open_ended, { min: money(r.min) });
  return r.min === r.max ? money(r.min) : `${money(r.min)}-${money(r.max)}`;
}

/** The estimate as the student reads it; with `currency`, also converted at a rate from `_currencies.yaml`. */
export function formatCostEstimate(kb: KnowledgeBase, e: CostEstimate, now: Date, currency?: string): string {
  const m = kb.messages;
  const lines = [
    fill(m.cost_header, { weeks: e.weeks, route: (m.route_labels[e.route] ?? e.route).toLowerCase() }),
    `- ${fill(m.cost_program_fee, { range: formatRange(kb, e.programFee) })}`,
    ...(e.housing ? [`- ${fill(m.cost_housing, { months: e.housing.months, range: formatRange(kb, e.housing) })}`] : []),
    ...(e.visaFee ? [`- ${fill(m.cost_visa_fee, { range: formatRange(kb, e.visaFee) })}`] : []),
    fill(m.cost_total, { range: formatRange(kb, e.total) }),
  ];
  if (currency) {
    const rate = findRate(kb, currency);
    if (rate) {
      const money = (n: number) => `${rate.code} ${Math.round(n * rate.per_usd).toLocaleString("en-US")}`;
      lines.push(fill(m.currency_line, { code: rate.code, range: formatRange(kb, e.total, money), rate: rate.per_usd, source: rate.source, as_of: rate.as_of }));
    } else {
      lines.push(fill(m.currency_unknown, { currency }));
    }
  }
  const { ids, overdue } = provenance(e.entries, now);
  lines.push(fill(m.based_on, { entries: ids.join(", ") }));
  if (overdue) lines.push(fill(m.review_overdue, { date: overdue }));
  return lines.join("\n");
}

/** A rate by ISO code, currency name or country key. */
export function findRate(kb: KnowledgeBase, currency: string) {
  const c = currency.toLowerCase();
  return kb.currencies.rates.find((r) => r.code.toLowerCase() === c || r.names.includes(c) || r.countries.includes(c));
}
