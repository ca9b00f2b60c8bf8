import type { OutboxPayload } from "../../src/core/ports.js";
import type { SqlExecutor } from "../../src/storage/driver.js";
import { enqueueLeadRow } from "../../src/storage/sql-leads.js";
import type { LeadSummary, LeadTrigger } from "../../src/core/lead.js";

/**
 * Leads written the way the turn side writes them when a lead becomes
 * queued: the `leads` row and its first `lead_card` outbox row, in one
 * transaction-free pair of statements (tests only). It lets the Slack side be
 * tested without the lead form.
 */
export interface TestLead {
  channel?: "telegram" | "whatsapp" | "test";
  conversation: string;
  sender?: string;
  status?: "collecting" | "queued" | "claimed" | "closed";
  trigger?: LeadTrigger;
  score?: number;
  scoreReasons?: string[];
  consent?: "granted" | "declined" | "withdrawn" | null;
  name?: string;
  contactKind?: "email" | "phone";
  contact?: string;
  bestTime?: string;
  summary?: LeadSummary;
  /** When it was queued; also when its card row is due. Default now. */
  at?: Date;
}

export const sampleSummary: LeadSummary = {
  profile: [
    { label: "Status", value: "a final-year medical student" },
    { label: "Target specialty", value: "Internal medicine" },
    { label: "Target start", value: "March 2027" },
  ],
  questions: [{ text: "how much does an observership cost?", answer: "Observerships usually cost $1,500 to $4,000 for four weeks.", entryId: "costs-observership" }],
  score: 7,
  scoreReasons: ["target start within 6 months", "specialty chosen"],
  trigger: "asked",
};

/** Inserts a queued lead and its card row; returns its id. */
export async function insertLead(db: SqlExecutor, o: TestLead): Promise<number> {
  const at = o.at ?? new Date();
  const r = await db.query<{ id: number }>(
    `INSERT INTO leads (channel, conversation, sender, status, "trigger", score, score_reasons, consent, name, contact_kind, contact, best_time, summary, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13::jsonb, $14, $14) RETURNING id`,
    [
      o.channel ?? "telegram",
      o.conversation,
      o.sender ?? o.conversation,
      o.status ?? "queued",
      o.trigger ?? "asked",
      o.score ?? sampleSummary.score,
      JSON.stringify(o.scoreReasons ?? sampleSummary.scoreReasons),
      o.consent === undefined ? "granted" : o.consent,
      o.name ?? null,
      o.contactKind ?? null,
      o.contact ?? null,
      o.bestTime ?? null,
      JSON.stringify(o.summary ?? sampleSummary),
      at,
    ],
  );
  const id = Number(r.rows[0]?.id);
  if ((o.status ?? "queued") !== "collecting") await insertSlackRow(db, id, `lead:${id}:card:1`, { kind: "lead_card", leadId: id }, at);
  return id;
}

/** A Slack outbox row of a lead's stream, as the turn side writes them (student message, bot answer). */
export const insertSlackRow = (db: SqlExecutor, leadId: number, key: string, payload: OutboxPayload, at = new Date()) => enqueueLeadRow(db, key, leadId, payload, at);

/** A student's message relayed into the lead's thread, keyed as the turn side keys it. */
export const insertStudentThreadMessage = (db: SqlExecutor, leadId: number, messageId: string, text: string, at = new Date()) =>
  insertSlackRow(db, leadId, `lead:${leadId}:in:${messageId}`, { kind: "thread", leadId, from: "student", text }, at);
