import { createHmac } from "node:crypto";

/**
 * Builders for WhatsApp Cloud API webhook bodies (INTEGRATION.md §3, "POST
 * payloads"), the signature Meta puts on them, and postWhatsApp() to deliver
 * one to our webhook. Message builders return the exact `messages[]` element;
 * waEnvelope() wraps messages and statuses into the whole body.
 */

let lastId = 0;
const nextWamid = () => `wamid.TEST${Date.now().toString(36)}${(++lastId).toString().padStart(6, "0")}`;
const seconds = (at: Date | number | undefined) =>
  String(at instanceof Date ? Math.floor(at.getTime() / 1000) : (at ?? Math.floor(Date.now() / 1000)));

/** The default business number, matching the fake Graph API's default phone number id. */
export const WA_PHONE_NUMBER_ID = "100000000000001";
export const WA_DISPLAY_PHONE_NUMBER = "15550783881";

/** One element of `value.messages[]`. */
export interface WaMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  context?: { from: string; id: string };
  [field: string]: unknown;
}

/** One element of `value.statuses[]`. */
export interface WaStatus {
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp: string;
  recipient_id: string;
  conversation?: { id: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string };
  errors?: { code: number; title: string; message?: string; error_data?: { details: string } }[];
}

/** The whole webhook body. */
export interface WaEnvelope {
  object: "whatsapp_business_account";
  entry: {
    id: string;
    changes: {
      field: "messages";
      value: {
        messaging_product: "whatsapp";
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: { profile: { name: string }; wa_id: string }[];
        messages?: WaMessage[];
        statuses?: WaStatus[];
      };
    }[];
  }[];
}

/** Fields every message builder accepts. */
export interface WaMessageOptions {
  /** The student's wa_id (digits, no plus). */
  from: string;
  /** Default: a unique `wamid.TEST…`. */
  id?: string;
  /** A Date or Unix seconds; default now. */
  timestamp?: Date | number;
  /** The profile name in `contacts[]`; default "Test Student". */
  name?: string;
}

// The profile name belongs in `contacts[]`, not in the message; keeping it
// beside the object leaves the message JSON exactly as Meta sends it.
const profileNames = new WeakMap<WaMessage, string>();

function message(o: WaMessageOptions, type: string, fields: Record<string, unknown>): WaMessage {
  const built: WaMessage = { from: o.from, id: o.id ?? nextWamid(), timestamp: seconds(o.timestamp), type, ...fields };
  profileNames.set(built, o.name ?? "Test Student");
  return built;
}

const replyContext = (contextId?: string) => ({ context: { from: WA_DISPLAY_PHONE_NUMBER, id: contextId ?? nextWamid() } });

/** A text message. */
export function waText(o: WaMessageOptions & { text: string }): WaMessage {
  return message(o, "text", { text: { body: o.text } });
}

/** A tap on a reply button; `contextId` is the wamid of the message that carried the buttons. */
export function waButtonReply(o: WaMessageOptions & { buttonId: string; title: string; contextId?: string }): WaMessage {
  return message(o, "interactive", {
    ...replyContext(o.contextId),
    interactive: { type: "button_reply", button_reply: { id: o.buttonId, title: o.title } },
  });
}

/** A choice from a list message. */
export function waListReply(o: WaMessageOptions & { rowId: string; title: string; description?: string; contextId?: string }): WaMessage {
  return message(o, "interactive", {
    ...replyContext(o.contextId),
    interactive: {
      type: "list_reply",
      list_reply: { id: o.rowId, title: o.title, ...(o.description !== undefined ? { description: o.description } : {}) },
    },
  });
}

/** A media or location message, which rotabot cannot read as text. */
export function waMedia(o: WaMessageOptions & { type: "image" | "audio" | "sticker" | "document" | "location"; caption?: string }): WaMessage {
  const media = { sha256: "a".repeat(64), id: `${++lastId}0000000000` };
  const caption = o.caption !== undefined ? { caption: o.caption } : {};
  switch (o.type) {
    case "image":
      return message(o, "image", { image: { ...caption, mime_type: "image/jpeg", ...media } });
    case "audio":
      return message(o, "audio", { audio: { mime_type: "audio/ogg; codecs=opus", ...media, voice: true } });
    case "sticker":
      return message(o, "sticker", { sticker: { mime_type: "image/webp", ...media, animated: false } });
    case "document":
      return message(o, "document", { document: { ...caption, filename: "cv.pdf", mime_type: "application/pdf", ...media } });
    case "location":
      return message(o, "location", { location: { latitude: 40.7128, longitude: -74.006, name: "New York" } });
  }
}

/** A message type Meta cannot deliver to the business (type "unsupported" with error 131051). */
export function waUnsupported(o: WaMessageOptions): WaMessage {
  return message(o, "unsupported", {
    errors: [{ code: 131051, title: "Message type unknown", message: "Message type unknown", error_data: { details: "Message type is currently not supported." } }],
  });
}

/** A delivery receipt for a message the bot sent; `errors` only for "failed" (default: 131047, window closed). */
export function waStatus(o: {
  messageId: string;
  recipient: string;
  status: WaStatus["status"];
  timestamp?: Date | number;
  errors?: WaStatus["errors"];
}): WaStatus {
  const status: WaStatus = { id: o.messageId, status: o.status, timestamp: seconds(o.timestamp), recipient_id: o.recipient };
  if (o.status === "sent" || o.status === "delivered") {
    status.conversation = { id: `conv-${o.recipient}`, origin: { type: "service" } };
    status.pricing = { billable: true, pricing_model: "CBP", category: "service" };
  }
  if (o.status === "failed") {
    status.errors = o.errors ?? [{
      code: 131047, title: "Re-engagement message", message: "Re-engagement message",
      error_data: { details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
    }];
  }
  return status;
}

/**
 * Wraps messages and/or statuses into the full webhook body. Messages and
 * statuses go into separate changes, as Meta sends them; `contacts[]` lists
 * each sender once.
 */
export function waEnvelope(
  items: WaMessage | WaStatus | (WaMessage | WaStatus)[],
  options: { phoneNumberId?: string; displayPhoneNumber?: string; wabaId?: string } = {},
): WaEnvelope {
  const list = Array.isArray(items) ? items : [items];
  const isStatus = (item: WaMessage | WaStatus): item is WaStatus => "recipient_id" in item;
  const messages = list.filter((item): item is WaMessage => !isStatus(item));
  const statuses = list.filter(isStatus);
  const metadata = {
    display_phone_number: options.displayPhoneNumber ?? WA_DISPLAY_PHONE_NUMBER,
    phone_number_id: options.phoneNumberId ?? WA_PHONE_NUMBER_ID,
  };
  const contacts = [...new Map(messages.map((m) => [m.from, profileNames.get(m) ?? "Test Student"])).entries()]
    .map(([waId, name]) => ({ profile: { name }, wa_id: waId }));
  const changes: WaEnvelope["entry"][number]["changes"] = [];
  if (messages.length > 0) changes.push({ field: "messages", value: { messaging_product: "whatsapp", metadata, contacts, messages } });
  if (statuses.length > 0) changes.push({ field: "messages", value: { messaging_product: "whatsapp", metadata, statuses } });
  return { object: "whatsapp_business_account", entry: [{ id: options.wabaId ?? "102290129340398", changes }] };
}

/** The `X-Hub-Signature-256` value Meta sends: `sha256=` + hex HMAC-SHA256 of the raw body bytes. */
export function signWhatsApp(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/**
 * POSTs a raw body to `${baseUrl}/whatsapp/webhook` as Meta does. With
 * `appSecret` it signs the exact bytes sent; `signature` overrides the header
 * (for wrong or stale signatures); with neither, no signature header is sent.
 * An object body is serialised with JSON.stringify first.
 */
export function postWhatsApp(baseUrl: string, body: string | WaEnvelope, options: { appSecret?: string; signature?: string } = {}): Promise<Response> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const signature = options.signature ?? (options.appSecret !== undefined ? signWhatsApp(raw, options.appSecret) : undefined);
  return fetch(`${baseUrl}/whatsapp/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature !== undefined ? { "x-hub-signature-256": signature } : {}) },
    body: raw,
  });
}

/** The GET Meta sends when the webhook is registered; a correct handler answers 200 with the challenge. */
export function verifyWhatsApp(baseUrl: string, o: { verifyToken: string; challenge?: string; mode?: string }): Promise<Response> {
  const query = new URLSearchParams({ "hub.mode": o.mode ?? "subscribe", "hub.verify_token": o.verifyToken, "hub.challenge": o.challenge ?? "1158201444" });
  return fetch(`${baseUrl}/whatsapp/webhook?${query}`);
}
