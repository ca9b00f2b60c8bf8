import type { Channel } from "../core/model.js";
import type { LeadFields, LeadWrite, OpenLead, OutboxPayload, SavedTurn } from "../core/ports.js";
import type { CounselorRef, Lead, LeadContact, LeadOutcome, LeadStatus, LeadSummary, LeadTrigger, ConsentDecision } from "../core/lead.js";
import { leadStream } from "../core/lead.js";
import type { SqlExecutor } from "./driver.js";
import { enqueueLeadEventOf } from "./sql-lead-events.js";
import { enqueueOutbox } from "./sql-outbox.js";

/**
 * The turn side of the leads tables (migrations 003, 004): reading a
 * conversation's open lead, and the lead writes of a turn, of a consent
 * withdrawal and of `/forget`, always inside the caller's transaction.
 */

/** A `leads` row as `row_to_json` (or a plain SELECT) returns it. */
export interface LeadRow {
  id: number | string;
  channel: string;
  conversation: string;
  sender: string;
  status: LeadStatus;
  step: string | null;
  trigger: LeadTrigger;
  score: number;
  score_reasons: string[] | null;
  consent: ConsentDecision | null;
  name: string | null;
  contact_kind: "email" | "phone" | null;
  contact: string | null;
  best_time: string | null;
  summary: LeadSummary | null;
  claimed_by: string | null;
  claimed_by_name: string | null;
  claimed_at: string | Date | null;
  outcome: LeadOutcome | null;
  closed_at: string | Date | null;
  slack_channel: string | null;
  slack_ts: string | null;
  announced_at: string | Date | null;
  reannounced: number;
  unreachable: string | null;
  redacted_at: string | Date | null;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
}

const date = (v: string | Date | null | undefined) => (v === null || v === undefined ? null : new Date(v));

/**
 * A `leads` row as the shared `Lead` model, for the turn side and the desk alike:
 * contact details only with consent granted and not redacted.
 */
export function leadFromRow(row: LeadRow): Lead {
  const contact: LeadContact = {};
  if (row.name) contact.name = row.name;
  if (row.contact_kind === "email" && row.contact) contact.email = row.contact;
  if (row.contact_kind === "phone" && row.contact) contact.phone = row.contact;
  if (row.best_time) contact.bestTime = row.best_time;
  const granted = row.consent === "granted" && !row.redacted_at;
  const claimedBy: CounselorRef | null = row.claimed_by ? { id: row.claimed_by, ...(row.claimed_by_name ? { name: row.claimed_by_name } : {}) } : null;
  return {
    id: Number(row.id),
    channel: row.channel as Channel,
    conversation: row.conversation,
    sender: row.sender,
    status: row.status,
    step: row.step,
    trigger: row.trigger,
    score: row.score,
    scoreReasons: Array.isArray(row.score_reasons) ? row.score_reasons : [],
    consent: row.consent,
    contact: granted && Object.keys(contact).length > 0 ? contact : null,
    summary: row.summary && typeof row.summary === "object" ? row.summary : null,
    claimedBy,
    claimedAt: date(row.claimed_at),
    outcome: row.outcome,
    closedAt: date(row.closed_at),
    card: row.slack_channel && row.slack_ts ? { channel: row.slack_channel, ts: row.slack_ts } : null,
    announcedAt: date(row.announced_at),
    reannounced: row.reannounced,
    unreachable: row.unreachable,
    redactedAt: date(row.redacted_at),
    version: row.version,
    createdAt: date(row.created_at) as Date,
    updatedAt: date(row.updated_at) as Date,
  };
}

/** An open lead for a turn: the lead, plus a phone number waiting for its country. */
export function openLeadFromRow(row: LeadRow): OpenLead {
  return { ...leadFromRow(row), pendingPhone: row.consent === "granted" && row.contact_kind === null && row.contact ? row.contact : null };
}

/** The SQL of a column holding the open lead of conversation ($1 channel, $2 conversation) as JSON. */
export const OPEN_LEAD_COLUMN = `(SELECT row_to_json(l) FROM leads l WHERE l.channel = $1 AND l.conversation = $2 AND l.status <> 'closed') AS lead`;

export async function openLead(ex: SqlExecutor, channel: string, conversation: string): Promise<OpenLead | null> {
  const r = await ex.query<{ lead: LeadRow | null }>(`SELECT ${OPEN_LEAD_COLUMN}`, [channel, conversation]);
  const row = r.rows[0]?.lead;
  return row ? openLeadFromRow(row) : null;
}

/** Columns and values of a set of lead fields. */
function columns(set: LeadFields): [string, unknown][] {
  const out: [string, unknown][] = [];
  const put = (column: string, value: unknown) => out.push([column, value]);
  if (set.status !== undefined) put("status", set.status);
  if (set.step !== undefined) put("step", set.step);
  if (set.trigger !== undefined) put('"trigger"', set.trigger);
  if (set.score !== undefined) put("score", set.score);
  if (set.scoreReasons !== undefined) put("score_reasons", JSON.stringify(set.scoreReasons));
  if (set.consent !== undefined) put("consent", set.consent);
  if (set.contact !== undefined) {
    const c = set.contact;
    put("name", c?.name ?? null);
    put("contact_kind", c?.email ? "email" : c?.phone ? "phone" : null);
    put("contact", c?.email ?? c?.phone ?? c?.pendingPhone ?? null);
    put("best_time", c?.bestTime ?? null);
  }
  if (set.summary !== undefined) put("summary", set.summary === null ? null : JSON.stringify(set.summary));
  if (set.outcome !== undefined) put("outcome", set.outcome);
  if (set.closedAt !== undefined) put("closed_at", set.closedAt);
  if (set.queuedAt !== undefined) put("queued_at", set.queuedAt);
  return out;
}

const JSONB = new Set(["score_reasons", "summary"]);
const cast = (column: string, placeholder: string) => (JSONB.has(column) ? `${placeholder}::jsonb` : placeholder);

/** Puts a Slack row of a lead in the outbox (channel "slack", the lead's own stream); a repeated key is a no-op. */
export const enqueueLeadRow = (ex: SqlExecutor, key: string, leadId: number, payload: OutboxPayload, at?: Date) =>
  enqueueOutbox(ex, key, "slack", leadStream(leadId), payload, at);

/** The card (or card update) of a lead at its version. */
export const enqueueCard = (ex: SqlExecutor, leadId: number, version: number, at?: Date) =>
  enqueueLeadRow(ex, `lead:${leadId}:card:${version}`, leadId, { kind: "lead_card", leadId }, at);

const recordConsent = (ex: SqlExecutor, channel: string, sender: string, leadId: number, decision: ConsentDecision, version: string, at: Date) =>
  ex.query("INSERT INTO consents (channel, sender, lead_id, decision, version, at) VALUES ($1, $2, $3, $4, $5, $6)", [channel, sender, leadId, decision, version, at]);

/**
 * Applies a turn's lead write in its transaction. Returns the lead's id,
 * status and version after the write; nothing when the lead had moved on
 * (e.g. a counselor closed it meanwhile), in which case nothing is written.
 */
export async function writeLead(
  ex: SqlExecutor,
  address: { channel: string; conversation: string; sender: string },
  w: LeadWrite,
  at: Date,
): Promise<SavedTurn["lead"]> {
  let lead: { id: number; status: LeadStatus; version: number } | undefined;
  const cols = columns(w.set ?? {});
  if (w.id === undefined) {
    const names = ["channel", "conversation", "sender", "created_at", "updated_at", ...cols.map(([c]) => c)];
    const values = [address.channel, address.conversation, address.sender, at, at, ...cols.map(([, v]) => v)];
    const r = await ex.query<{ id: number; status: LeadStatus; version: number }>(
      `INSERT INTO leads (${names.join(", ")}) VALUES (${names.map((c, i) => cast(c, `$${i + 1}`)).join(", ")}) RETURNING id, status, version`,
      values,
    );
    lead = r.rows[0];
  } else if (cols.length > 0) {
    const params: unknown[] = [w.id, at, ...cols.map(([, v]) => v)];
    const assignments = cols.map(([c], i) => `${c} = ${cast(c, `$${i + 3}`)}`);
    const guard = w.whileStatus ? ` AND status = $${params.push(w.whileStatus)}` : "";
    const r = await ex.query<{ id: number; status: LeadStatus; version: number }>(
      `UPDATE leads SET ${assignments.join(", ")}, version = version + 1, updated_at = $2 WHERE id = $1${guard} RETURNING id, status, version`,
      params,
    );
    lead = r.rows[0];
  } else {
    const r = await ex.query<{ id: number; status: LeadStatus; version: number }>("SELECT id, status, version FROM leads WHERE id = $1", [w.id]);
    lead = r.rows[0];
    if (lead && w.whileStatus && lead.status !== w.whileStatus) lead = undefined;
  }
  if (!lead) return undefined;
  const id = Number(lead.id);
  // The student wrote again: a lead marked unreachable (bot blocked, WhatsApp window closed) is
  // reachable once more, and its card loses the flag.
  if (w.id !== undefined && (w.thread ?? []).some((m) => m.from === "student")) {
    const r = await ex.query<{ version: number }>(
      "UPDATE leads SET unreachable = NULL, version = version + 1, updated_at = $2 WHERE id = $1 AND unreachable IS NOT NULL RETURNING version",
      [id, at],
    );
    const version = r.rows[0]?.version;
    if (version !== undefined) {
      lead = { ...lead, version };
      if (!w.card) await enqueueCard(ex, id, version);
    }
  }
  if (w.consent) await recordConsent(ex, address.channel, address.sender, id, w.consent.decision, w.consent.version, at);
  if (w.card) await enqueueCard(ex, id, lead.version);
  // The form finished: the lead webhook's "created" event, in the same transaction.
  if (w.card && lead.status === "queued") await enqueueLeadEventOf(ex, id, "queued", at);
  for (const m of w.thread ?? []) await enqueueLeadRow(ex, `lead:${id}:${m.key}`, id, { kind: "thread", leadId: id, from: m.from, text: m.text, ...(m.generated ? { generated: true } : {}) });
  return { id, status: lead.status, version: lead.version };
}

/**
 * Consent withdrawn: every lead of the student with consent granted loses its
 * contact details; a `withdrawn` row is recorded per lead, and the card of
 * every announced lead is updated.
 */
export async function withdrawConsent(ex: SqlExecutor, channel: string, sender: string, version: string, at: Date): Promise<number[]> {
  const r = await ex.query<{ id: number; version: number; queued_at: Date | null }>(
    `UPDATE leads SET consent = 'withdrawn', name = NULL, contact_kind = NULL, contact = NULL, best_time = NULL,
            version = version + 1, updated_at = $3
      WHERE channel = $1 AND sender = $2 AND consent = 'granted'
      RETURNING id, version, queued_at`,
    [channel, sender, at],
  );
  for (const lead of r.rows) {
    const id = Number(lead.id);
    await recordConsent(ex, channel, sender, id, "withdrawn", version, at);
    if (lead.queued_at) {
      await enqueueCard(ex, id, lead.version);
      await enqueueLeadEventOf(ex, id, "consent_withdrawn", at);
    }
  }
  return r.rows.map((l) => Number(l.id));
}

/**
 * `/forget`, leads part: every lead of the student is closed (outcome
 * `stopped` when it was open) and anonymized: contact, summary, reasons and
 * the conversation address are erased and `redacted_at` is set. Consent rows
 * keep the decision, version and time but lose the student's id. The lead's
 * thread messages leave the outbox; the card of each announced lead is
 * re-rendered (redacted) through a new `lead_card` row.
 */
export async function forgetLeads(ex: SqlExecutor, channel: string, sender: string): Promise<void> {
  const r = await ex.query<{ id: number; version: number; queued_at: Date | null }>(
    `UPDATE leads SET status = 'closed', outcome = CASE WHEN status = 'closed' THEN outcome ELSE 'stopped' END,
            closed_at = COALESCE(closed_at, now()), step = NULL,
            name = NULL, contact_kind = NULL, contact = NULL, best_time = NULL, summary = NULL, score_reasons = '[]'::jsonb,
            conversation = 'erased:' || id, sender = 'erased:' || id,
            redacted_at = now(), version = version + 1, updated_at = now()
      WHERE channel = $1 AND sender = $2
      RETURNING id, version, queued_at`,
    [channel, sender],
  );
  await ex.query("UPDATE consents SET sender = 'erased:' || COALESCE(lead_id, id) WHERE channel = $1 AND sender = $2", [channel, sender]);
  if (r.rows.length === 0) return;
  const ids = r.rows.map((l) => Number(l.id));
  // Thread messages already posted to Slack (the student's own words among them) are overwritten there, in order after the rest of the stream.
  const posted = await ex.query<{ lead_id: string; ts: string }>(
    `SELECT payload->>'leadId' AS lead_id, payload->>'postedTs' AS ts FROM outbox
      WHERE channel = 'slack' AND conversation = ANY($1::text[]) AND payload->>'kind' = 'thread' AND payload ? 'postedTs'`,
    [ids.map(leadStream)],
  );
  await ex.query(
    `DELETE FROM outbox WHERE channel = 'slack' AND conversation = ANY($1::text[]) AND payload->>'kind' = 'thread'`,
    [ids.map(leadStream)],
  );
  for (const { lead_id, ts } of posted.rows) {
    const leadId = Number(lead_id);
    await enqueueOutbox(ex, `lead:${leadId}:erase:${ts}`, "slack", leadStream(leadId), { kind: "thread_erase", leadId, ts });
  }
  const now = new Date();
  for (const lead of r.rows) {
    if (!lead.queued_at) continue;
    await enqueueCard(ex, Number(lead.id), lead.version);
    // A CRM that had the lead is told to erase it.
    await enqueueLeadEventOf(ex, Number(lead.id), "redacted", now);
  }
}
