import { stringify } from "csv-stringify/sync";
import type { ListedLead } from "../storage/sql-lead-list.js";

/**
 * The export of `rotabot leads export`: one record per lead with the contact
 * details the student consented to (none without consent, none once redacted).
 * CSV is written by csv-stringify (RFC 4180 quoting); JSON lines by JSON.stringify.
 */
export const EXPORT_COLUMNS = [
  "id", "status", "channel", "trigger", "score", "consent", "name", "email", "phone", "best_time",
  "claimed_by", "outcome", "created_at", "queued_at", "claimed_at", "closed_at", "redacted",
] as const;

type ExportRecord = Record<(typeof EXPORT_COLUMNS)[number], string | number | boolean | null>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function exportRecord(lead: ListedLead): ExportRecord {
  const c = lead.contact;
  return {
    id: lead.id,
    status: lead.status,
    channel: lead.channel,
    trigger: lead.trigger,
    score: lead.score,
    consent: lead.consent,
    name: c?.name ?? null,
    email: c?.email ?? null,
    phone: c?.phone ?? null,
    best_time: c?.bestTime ?? null,
    claimed_by: lead.claimedBy ? (lead.claimedBy.name ?? lead.claimedBy.id) : null,
    outcome: lead.outcome,
    created_at: iso(lead.createdAt),
    queued_at: iso(lead.queuedAt),
    claimed_at: iso(lead.claimedAt),
    closed_at: iso(lead.closedAt),
    redacted: lead.redactedAt !== null,
  };
}

/**
 * A cell a spreadsheet would run as a formula (CSV injection: = + - @, and tab
 * or carriage return, OWASP's list) gets a leading apostrophe, so it shows as
 * text. A phone number in E.164 therefore reads '+15551234567 in the CSV.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function leadsCsv(leads: ListedLead[]): string {
  return stringify(
    leads.map((l) => EXPORT_COLUMNS.map((k) => exportRecord(l)[k])),
    {
      header: true,
      columns: [...EXPORT_COLUMNS],
      record_delimiter: "\r\n",
      cast: {
        string: (v) => neutralizeCell(v),
        boolean: (v) => (v ? "true" : "false"),
        number: (v) => String(v),
      },
    },
  );
}

export function leadsJsonl(leads: ListedLead[]): string {
  return leads.map((l) => `${JSON.stringify(exportRecord(l))}\n`).join("");
}
