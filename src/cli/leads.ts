import { writeFileSync } from "node:fs";
import { loadConfig } from "../config.js";
import { ConfigError } from "../core/errors.js";
import { LEAD_STATUSES, type LeadStatus } from "../core/lead.js";
import { openStorage, type StorageTarget } from "../storage/open-storage.js";
import { leadDetail, listLeads, type LeadFilter, type ListedLead } from "../storage/sql-lead-list.js";
import { leadsCsv, leadsJsonl } from "./lead-export.js";

type Out = (line: string) => void;

/** The options `rotabot leads` and `leads export` share. */
export interface LeadQueryOptions {
  status?: string;
  since?: string;
  until?: string;
  days?: number;
  limit?: number;
}

/** A YYYY-MM-DD (or full ISO) date of a CLI option, or a ConfigError naming the option. */
function day(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) throw new ConfigError(`${option} ${value}: not a date; write it as YYYY-MM-DD (UTC)`);
  return d;
}

export function leadFilter(o: LeadQueryOptions, now = new Date()): LeadFilter {
  if (o.status !== undefined && !(LEAD_STATUSES as readonly string[]).includes(o.status)) {
    throw new ConfigError(`--status ${o.status}: must be one of ${LEAD_STATUSES.join(", ")}`);
  }
  const since = day("--since", o.since) ?? (o.days ? new Date(now.getTime() - o.days * 86_400_000) : undefined);
  // --until is inclusive of its day.
  const untilDay = day("--until", o.until);
  const until = untilDay && o.until && /^\d{4}-\d{2}-\d{2}$/.test(o.until) ? new Date(untilDay.getTime() + 86_400_000) : untilDay;
  return { status: o.status as LeadStatus | undefined, since, until, limit: o.limit };
}

async function withStorage<T>(target: StorageTarget | undefined, fn: (s: Awaited<ReturnType<typeof openStorage>>) => Promise<T>): Promise<T> {
  const storage = await openStorage(target ?? loadConfig().database);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "-");

/** `rotabot leads`: one line per lead, newest first. */
export async function leadsList(o: LeadQueryOptions, out: Out, target?: StorageTarget): Promise<void> {
  const filter = leadFilter(o);
  const leads = await withStorage(target, (s) => listLeads(s.driver, { ...filter, limit: filter.limit ?? 50 }));
  if (leads.length === 0) {
    out("No leads match.");
    return;
  }
  out(`${"id".padStart(6)}  ${"created (UTC)".padEnd(16)}  ${"status".padEnd(10)}  ${"channel".padEnd(9)}  ${"score".padStart(5)}  ${"consent".padEnd(9)}  ${"trigger".padEnd(15)}  outcome / holder`);
  for (const l of leads) {
    const tail = l.redactedAt ? "redacted" : (l.outcome ?? (l.claimedBy ? `held by ${l.claimedBy.name ?? l.claimedBy.id}` : ""));
    out(`${String(l.id).padStart(6)}  ${when(l.createdAt).padEnd(16)}  ${l.status.padEnd(10)}  ${l.channel.padEnd(9)}  ${String(l.score).padStart(5)}  ${(l.consent ?? "-").padEnd(9)}  ${l.trigger.padEnd(15)}  ${tail}`);
  }
  out("");
  out(`${leads.length} lead(s). \`rotabot leads show <id>\` shows one with its summary and consent record.`);
}

/** `rotabot leads show <id>`: the lead, its summary as counselors read it, and every consent decision. */
export async function leadsShow(id: number, out: Out, target?: StorageTarget): Promise<boolean> {
  const found = await withStorage(target, (s) => leadDetail(s.driver, id));
  if (!found) {
    out(`No lead ${id}.`);
    return false;
  }
  const { lead: l, consents } = found;
  out(`Lead ${l.id}: ${l.status}${l.outcome ? ` (${l.outcome})` : ""}${l.redactedAt ? `, redacted ${when(l.redactedAt)}` : ""}`);
  out(`  channel ${l.channel}, trigger ${l.trigger}, score ${l.score}`);
  out(`  created ${when(l.createdAt)}, queued ${when(l.queuedAt)}, claimed ${when(l.claimedAt)}${l.claimedBy ? ` by ${l.claimedBy.name ?? l.claimedBy.id}` : ""}, closed ${when(l.closedAt)}`);
  out("Contact:");
  if (l.contact) {
    for (const [k, v] of Object.entries({ name: l.contact.name, email: l.contact.email, phone: l.contact.phone, "best time": l.contact.bestTime })) if (v) out(`  ${k}: ${v}`);
  } else {
    out(`  none (${l.redactedAt ? "redacted" : l.consent === "granted" ? "not given" : `consent ${l.consent ?? "not asked"}`})`);
  }
  printSummary(l, out);
  out("Consent record:");
  if (consents.length === 0) out("  no decision recorded");
  for (const c of consents) out(`  ${when(c.at)}  ${c.decision.padEnd(9)}  wording ${c.version}  on ${c.channel}`);
  return true;
}

function printSummary(l: ListedLead, out: Out): void {
  const s = l.summary;
  out("Summary:");
  if (!s) {
    out(`  none${l.redactedAt ? " (redacted)" : ""}`);
    return;
  }
  for (const p of s.profile) out(`  ${p.label}: ${p.value}`);
  if (s.failedQuestion) out(`  Unanswered: "${s.failedQuestion}"`);
  if (s.scoreReasons.length > 0) out(`  Score ${s.score}: ${s.scoreReasons.join("; ")}`);
  for (const q of s.questions) out(`  Q: ${q.text}\n     A: ${q.answer}`);
}

/** `rotabot leads export`: CSV or JSON lines, to a file or stdout. Returns how many leads. */
export async function leadsExport(o: LeadQueryOptions & { format: "csv" | "jsonl"; out?: string }, write: (text: string) => void, target?: StorageTarget): Promise<number> {
  const leads = await withStorage(target, (s) => listLeads(s.driver, leadFilter(o)));
  const text = o.format === "csv" ? leadsCsv(leads) : leadsJsonl(leads);
  if (o.out) writeFileSync(o.out, text, { mode: 0o600 });
  else write(text);
  return leads.length;
}
