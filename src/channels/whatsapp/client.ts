import { ChannelApiError } from "../../core/errors.js";

/** The Graph API version rotabot is written against. */
export const GRAPH_API_VERSION = "v21.0";
export const GRAPH_API_BASE = `https://graph.facebook.com/${GRAPH_API_VERSION}`;

/** Graph error codes that retrying cannot fix. */
const WINDOW_CLOSED = 131047;
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131048, 131056]);

export interface WhatsAppClientOptions {
  /** `https://graph.facebook.com/v21.0` or a local fake, without a trailing slash. */
  base: string;
  phoneNumberId: string;
  accessToken: string;
  timeoutMs?: number;
}

export interface WhatsAppClient {
  /** Sends one message object (without `messaging_product`); returns its wamid. Throws ChannelApiError. */
  send(message: Record<string, unknown>): Promise<string>;
}

/**
 * The few Cloud API calls rotabot needs, over fetch. A client of our own keeps
 * the base URL injectable (tests point it at a fake) and the errors mapped to
 * what the outbox needs: retry, when, or give up.
 */
export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppClient {
  const url = `${options.base.replace(/\/+$/, "")}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  return {
    async send(message) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${options.accessToken}`, "content-type": "application/json" },
          body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", ...message }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new ChannelApiError(`WhatsApp unreachable: ${err instanceof Error ? err.message : String(err)}`, { permanent: false }, { cause: err });
      }
      const body = (await res.json().catch(() => undefined)) as
        | { messages?: { id?: string }[]; error?: { code?: number; message?: string; error_subcode?: number } }
        | undefined;
      if (res.ok && body?.messages?.[0]?.id) return body.messages[0].id;
      const code = body?.error?.code;
      const what = `WhatsApp ${res.status}${code ? ` (code ${code})` : ""}: ${body?.error?.message ?? "unexpected answer"}`.slice(0, 300);
      if (res.ok) throw new ChannelApiError(what, { status: res.status, permanent: false });
      if (code === WINDOW_CLOSED) throw new ChannelApiError(what, { status: res.status, permanent: true, reason: "reply window closed (24 hours since the student's last message)" });
      if (res.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
        const retryAfter = Number(res.headers.get("retry-after"));
        throw new ChannelApiError(what, { status: res.status, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 5_000, permanent: false });
      }
      if (res.status >= 500) throw new ChannelApiError(what, { status: res.status, permanent: false });
      throw new ChannelApiError(what, { status: res.status, permanent: true, reason: `rejected: ${what}` });
    },
  };
}
