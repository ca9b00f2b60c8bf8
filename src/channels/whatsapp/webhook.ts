import { createHmac } from "node:crypto";
import type { Inbound } from "../../core/model.js";
import { bodyId as idOfBody, sameSecret } from "../../http/request.js";

/** True when `header` is `sha256=` + the HMAC-SHA256 of the raw body with the app secret. */
export function validSignature(raw: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header?.startsWith("sha256=")) return false;
  return sameSecret(header.slice(7), createHmac("sha256", appSecret).update(raw).digest("hex"));
}

/** What one webhook POST holds, in order. */
export type WhatsAppEvent =
  | { kind: "message"; inbound: Inbound; seq: number }
  | { kind: "status"; messageId: string; status: string; recipient?: string; error?: string; at: Date }
  | { kind: "dead"; externalId: string; sender?: string; reason: string; body: string };

const UNSUPPORTED = new Set(["image", "audio", "video", "sticker", "document", "location", "contacts", "unsupported", "order", "system"]);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

/**
 * Reads every message and status of a Cloud API webhook body, across all
 * entries and changes. Anything of an unexpected shape becomes a dead letter
 * instead of an error: the platform must not redeliver it forever.
 */
export function parseWebhook(body: unknown, bodyId = idOfBody(Buffer.from(JSON.stringify(body ?? null)))): WhatsAppEvent[] {
  const events: WhatsAppEvent[] = [];
  const root = obj(body);
  if (!root || root.object !== "whatsapp_business_account") {
    return [{ kind: "dead", externalId: bodyId, reason: "not a WhatsApp Business Account event", body: JSON.stringify(body ?? null).slice(0, 20_000) }];
  }
  for (const entry of arr(root.entry)) {
    for (const change of arr(obj(entry)?.changes)) {
      const value = obj(obj(change)?.value);
      if (!value) continue;
      for (const [i, m] of arr(value.messages).entries()) events.push(mapMessage(obj(m) ?? {}, `${bodyId}:${i}`));
      for (const s of arr(value.statuses)) {
        const st = obj(s) ?? {};
        const messageId = str(st.id);
        const status = str(st.status);
        if (!messageId || !status) continue;
        const error = arr(st.errors).map((e) => str(obj(e)?.title) ?? str(obj(e)?.code)).filter(Boolean).join("; ");
        events.push({ kind: "status", messageId, status, recipient: str(st.recipient_id), error: error || undefined, at: timestamp(st.timestamp) });
      }
    }
  }
  return events;
}

function mapMessage(m: Json, fallbackId: string): WhatsAppEvent {
  const id = str(m.id);
  const from = str(m.from);
  const type = str(m.type) ?? "unknown";
  if (!id || !from) return { kind: "dead", externalId: id ?? fallbackId, sender: from, reason: "message without id or sender", body: JSON.stringify(m).slice(0, 20_000) };
  const base = { id, channel: "whatsapp" as const, conversation: from, sender: from, receivedAt: timestamp(m.timestamp) };
  const n = Number(str(m.timestamp));
  const seq = Number.isSafeInteger(n) && n > 0 ? n : 0;
  const interactive = obj(m.interactive);
  const reply = obj(interactive?.button_reply) ?? obj(interactive?.list_reply);
  if (type === "text") return { kind: "message", seq, inbound: { ...base, text: str(obj(m.text)?.body) ?? "" } };
  if (type === "interactive" && reply) {
    return { kind: "message", seq, inbound: { ...base, text: str(reply.title) ?? "", payload: str(reply.id) } };
  }
  if (type === "button") {
    const button = obj(m.button);
    return { kind: "message", seq, inbound: { ...base, text: str(button?.text) ?? "", payload: str(button?.payload) } };
  }
  if (UNSUPPORTED.has(type)) {
    const caption = str(obj(m[type])?.caption);
    return { kind: "message", seq, inbound: caption ? { ...base, text: caption } : { ...base, text: "", contentType: "unsupported" } };
  }
  return { kind: "dead", externalId: id, sender: from, reason: `unsupported message type: ${type.slice(0, 40)}`, body: JSON.stringify(m).slice(0, 20_000) };
}

/**
 * A Unix timestamp in seconds, or now when it is missing or absurd. Past the year 5138
 * (1e11 s, as for Telegram's dates) is absurd too: from the year 10000 on, a Date's ISO
 * form ("+010000-…") is one PostgreSQL cannot read, and the insert would fail.
 */
function timestamp(v: unknown): Date {
  const seconds = Number(str(v));
  return Number.isFinite(seconds) && seconds > 0 && seconds < 1e11 ? new Date(seconds * 1000) : new Date();
}
