import type { IncomingMessage, ServerResponse } from "node:http";
import type { Intake } from "../../inbox/intake.js";
import type { ChannelSender } from "../../core/ports.js";
import { bodyId, header, jsonDepth, MAX_JSON_DEPTH, parseJson, readBodyOrRefuse, sameSecret } from "../../http/request.js";
import { silentLogger, type Logger } from "../../logger.js";
import { createWhatsAppClient } from "./client.js";
import { renderWhatsApp } from "./render.js";
import { parseWebhook, validSignature } from "./webhook.js";

export interface WhatsAppSettings {
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  /** Graph API base with its version, e.g. https://graph.facebook.com/v21.0; a fake in tests. */
  apiBase: string;
}

export interface WhatsAppChannel {
  sender: ChannelSender;
  /** GET (verification) and POST (events) of /whatsapp/webhook. */
  webhook(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Free-form messages are allowed for 24 hours after the student's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The WhatsApp Cloud API channel. A POST is verified over its raw bytes before
 * anything parses it, every message in it is stored (deduplicated on its wamid)
 * and every status recorded, and only then does Meta get its 200.
 */
export function createWhatsAppChannel(settings: WhatsAppSettings, intake: Intake, options: { logger?: Logger; listButton: () => string }): WhatsAppChannel {
  const log = options.logger ?? silentLogger;
  const client = createWhatsAppClient({ base: settings.apiBase, phoneNumberId: settings.phoneNumberId, accessToken: settings.accessToken });

  async function receive(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBodyOrRefuse(req, res);
    if (!raw) return;
    if (!validSignature(raw, header(req, "x-hub-signature-256"), settings.appSecret)) {
      res.writeHead(401, { "content-type": "text/plain" }).end("invalid signature");
      return;
    }
    const tooDeep = jsonDepth(raw) > MAX_JSON_DEPTH;
    const body = tooDeep ? undefined : parseJson(raw);
    const events = body === undefined
      ? [{ kind: "dead" as const, externalId: bodyId(raw), reason: tooDeep ? "body nested too deeply" : "body is not JSON", body: raw.toString("utf8").slice(0, 20_000) }]
      : parseWebhook(body, bodyId(raw));
    // Throws on a database failure: the server answers 503 and Meta redelivers.
    for (const e of events) {
      if (e.kind === "message") await intake.accept(e.inbound, e.seq);
      else if (e.kind === "status") await intake.recordStatus({ channel: "whatsapp", ...e });
      else {
        await intake.deadLetter({ channel: "whatsapp", externalId: e.externalId, sender: e.sender, reason: e.reason, body: e.body });
        log.warn({ channel: "whatsapp", reason: e.reason }, "event kept as a dead letter");
      }
    }
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  }

  function verify(req: IncomingMessage, res: ServerResponse) {
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    const challenge = query.get("hub.challenge");
    if (query.get("hub.mode") === "subscribe" && sameSecret(query.get("hub.verify_token"), settings.verifyToken) && challenge) {
      res.writeHead(200, { "content-type": "text/plain" }).end(challenge);
    } else {
      res.writeHead(403, { "content-type": "text/plain" }).end("verification failed");
    }
  }

  return {
    sender: {
      channel: "whatsapp",
      replyWindowMs: WHATSAPP_WINDOW_MS,
      async send(conversation, reply) {
        for (const message of renderWhatsApp(reply, conversation, options.listButton())) await client.send(message);
      },
    },
    async webhook(req, res) {
      if (req.method === "GET") verify(req, res);
      else if (req.method === "POST") await receive(req, res);
      else res.writeHead(405, { allow: "GET, POST" }).end();
    },
  };
}
