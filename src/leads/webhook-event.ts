/**
 * The events of the outgoing lead webhook (LEAD_WEBHOOK_URL): what a CRM
 * receives when a lead is queued (created), claimed, released, closed, loses
 * its contact details (consent withdrawn) or is redacted (`/forget`).
 *
 * An event is written to the outbox in the transaction of the lead change, with
 * the lead's facts at that moment but never its contact details: those are read
 * from the lead row when the event is delivered, so a student who withdraws
 * consent or asks to be forgotten before delivery is never sent.
 */
import type { Lead } from "../core/lead.js";

export const LEAD_CHANGES = ["queued", "claimed", "released", "closed", "consent_withdrawn", "redacted"] as const;
export type LeadChange = (typeof LEAD_CHANGES)[number];

export type LeadEventType = "lead.created" | "lead.updated" | "lead.redacted";

export function leadEventType(change: LeadChange): LeadEventType {
  if (change === "queued") return "lead.created";
  if (change === "redacted") return "lead.redacted";
  return "lead.updated";
}

/** The idempotency key of a lead's event: one per lead version, so a redelivery carries the same one. */
export const leadEventKey = (leadId: number, version: number) => `lead:${leadId}:event:${version}`;

/** The facts of a lead an event records at the time of the change: no contact details, no summary. */
export function leadEventFacts(lead: Lead): Record<string, unknown> {
  return {
    id: lead.id,
    version: lead.version,
    status: lead.status,
    channel: lead.channel,
    trigger: lead.trigger,
    score: lead.score,
    consent: lead.consent,
    claimedBy: lead.claimedBy,
    claimedAt: lead.claimedAt?.toISOString() ?? null,
    outcome: lead.outcome,
    closedAt: lead.closedAt?.toISOString() ?? null,
    createdAt: lead.createdAt.toISOString(),
  };
}

/** The JSON body POSTed to the webhook. */
export interface LeadWebhookBody {
  /** The idempotency key (also the Idempotency-Key header): the same on every delivery attempt. */
  id: string;
  type: LeadEventType;
  change: LeadChange;
  occurredAt: string;
  lead: Record<string, unknown> & {
    /** Only with consent granted and not redacted, as the lead row holds it at delivery. */
    contact: Lead["contact"];
    /** The counselor summary (profile, recent questions, score reasons); null once redacted. */
    summary: Lead["summary"];
    redacted: boolean;
  };
}

/**
 * The body of one event: its facts, with the contact details and summary of
 * `current` (the lead row now; null when it is gone).
 */
export function leadWebhookBody(key: string, event: { change: string; at: string; facts: Record<string, unknown> }, current: Lead | null): LeadWebhookBody {
  const change = event.change as LeadChange;
  const redacted = change === "redacted" || Boolean(current?.redactedAt);
  return {
    id: key,
    type: leadEventType(change),
    change,
    occurredAt: event.at,
    lead: {
      ...event.facts,
      // A later withdrawal shows in every event still to be delivered.
      consent: current?.consent ?? event.facts.consent ?? null,
      contact: redacted ? null : (current?.contact ?? null),
      summary: redacted ? null : (current?.summary ?? null),
      redacted,
    },
  };
}
