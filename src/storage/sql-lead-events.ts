import { leadStream, type Lead } from "../core/lead.js";
import { leadEventFacts, leadEventKey, type LeadChange } from "../leads/webhook-event.js";
import type { SqlExecutor } from "./driver.js";
import { leadFromRow, type LeadRow } from "./sql-leads.js";
import { enqueueOutbox } from "./sql-outbox.js";

/**
 * Puts one event of the lead webhook in the outbox (channel "webhook", the
 * lead's own stream, so a CRM gets a lead's events in order), inside the
 * caller's transaction: the event exists if and only if the change does.
 * Written whether or not LEAD_WEBHOOK_URL is set: a webhook configured later
 * receives the backlog, oldest first. Keyed by lead and version: writing the
 * same event twice is a no-op.
 */
export async function enqueueLeadEvent(ex: SqlExecutor, lead: Lead, change: LeadChange, at: Date): Promise<void> {
  await enqueueOutbox(ex, leadEventKey(lead.id, lead.version), "webhook", leadStream(lead.id), { kind: "lead_event", leadId: lead.id, change, at: at.toISOString(), facts: leadEventFacts(lead) }, at);
}

/** The same, for a lead known by id only (the turn side's writes). */
export async function enqueueLeadEventOf(ex: SqlExecutor, leadId: number, change: LeadChange, at: Date): Promise<void> {
  const r = await ex.query<LeadRow>("SELECT * FROM leads WHERE id = $1", [leadId]);
  const row = r.rows[0];
  if (row) await enqueueLeadEvent(ex, leadFromRow(row), change, at);
}
