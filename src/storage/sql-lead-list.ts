import type { Lead, LeadStatus } from "../core/lead.js";
import type { SqlExecutor } from "./driver.js";
import { leadFromRow, type LeadRow } from "./sql-leads.js";

/**
 * Leads read back for people (`rotabot leads`, its export): filtered by
 * status and creation date, newest first. Contact details come through
 * `leadFromRow`, so only with consent granted and never after a redaction.
 */
export interface LeadFilter {
  status?: LeadStatus;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  limit?: number;
}

export interface ListedLead extends Lead {
  queuedAt: Date | null;
}

export interface ConsentRecord {
  decision: string;
  /** The consent wording's version shown to the student. */
  version: string;
  channel: string;
  at: Date;
}

const listed = (row: LeadRow & { queued_at: string | Date | null }): ListedLead => ({ ...leadFromRow(row), queuedAt: row.queued_at ? new Date(row.queued_at) : null });

export async function listLeads(db: SqlExecutor, filter: LeadFilter = {}): Promise<ListedLead[]> {
  const r = await db.query<LeadRow & { queued_at: string | Date | null }>(
    `SELECT * FROM leads
      WHERE ($1::text IS NULL OR status = $1)
        AND ($2::timestamptz IS NULL OR created_at >= $2)
        AND ($3::timestamptz IS NULL OR created_at < $3)
      ORDER BY created_at DESC, id DESC
      LIMIT $4`,
    [filter.status ?? null, filter.since ?? null, filter.until ?? null, filter.limit ?? 1_000_000],
  );
  return r.rows.map(listed);
}

/** One lead with its consent record (every decision, oldest first); null when there is none with that id. */
export async function leadDetail(db: SqlExecutor, id: number): Promise<{ lead: ListedLead; consents: ConsentRecord[] } | null> {
  const r = await db.query<LeadRow & { queued_at: string | Date | null }>("SELECT * FROM leads WHERE id = $1", [id]);
  const row = r.rows[0];
  if (!row) return null;
  const c = await db.query<{ decision: string; version: string; channel: string; at: Date }>(
    "SELECT decision, version, channel, at FROM consents WHERE lead_id = $1 ORDER BY at, id",
    [id],
  );
  return { lead: listed(row), consents: c.rows.map((x) => ({ ...x, at: new Date(x.at) })) };
}
