import type { IncomingMessage, ServerResponse } from "node:http";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import type { Intake } from "../../inbox/intake.js";
import { BodyTooLargeError, header, parseJson, readRawBody } from "../../http/request.js";
import { silentLogger, type Logger } from "../../logger.js";
import { demoPage } from "./demo-page.js";
import { createWebchatHub, type WebchatHub } from "./event-stream.js";
import { apiHeaders, clientAddress, createOriginPolicy, sendJson } from "./http-policy.js";
import type { WebchatMailbox } from "../../core/webchat-mailbox.js";
import { createVisitorTokens } from "./visitor-token.js";
import { toWebHistory } from "./web-message.js";
import { widgetBundle } from "./widget-bundle.js";

export interface WebchatSettings {
  secret: string;
  origins: string[];
  ipRatePerMinute: number;
  trustProxyHops: number;
  /** Messages per visitor per minute that get an answer (the worker's limit); the door refuses beyond twice that. */
  rateLimitPerMinute: number;
  publicUrl?: string;
}

export interface WebchatChannel {
  /** The paths to mount on the server, all served by one handler. */
  routes: { path: string; channel: string; handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>; longLived?: boolean }[];
  hub: WebchatHub;
  close(): void;
}

const MessageBody = z.object({
  token: z.string().max(100),
  /** Chosen by the page, so that a retried POST is the same message (deduplicated). */
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  text: z.string().max(20_000).default(""),
  payload: z.string().min(1).max(300).optional(),
});

/**
 * The web chat's front door (see README, "Web chat"): the widget script, the
 * demo page, and the API the widget calls. A message is stored in the inbox
 * before it is acknowledged, exactly like a webhook; replies reach the page
 * over its event stream. Every call but the script's is limited per client
 * address, and messages also per visitor; nothing personal is logged.
 */
export function createWebchatChannel(settings: WebchatSettings, deps: { intake: Intake; mailbox: WebchatMailbox; logger?: Logger; pollMs?: number }): WebchatChannel {
  const log = deps.logger ?? silentLogger;
  const tokens = createVisitorTokens(settings.secret);
  const policy = createOriginPolicy(settings.origins, settings.publicUrl);
  const hub = createWebchatHub({ mailbox: deps.mailbox, logger: log, pollMs: deps.pollMs });
  const perAddress = new RateLimiterMemory({ points: settings.ipRatePerMinute, duration: 60 });
  // Reconnecting streams (a phone going in and out of coverage) are cheap; they get their own, larger budget.
  const streamsPerAddress = new RateLimiterMemory({ points: settings.ipRatePerMinute * 4, duration: 60 });
  const perVisitor = new RateLimiterMemory({ points: settings.rateLimitPerMinute * 2 + 5, duration: 60 });

  /** Consumes a point; answers 429 itself and returns false when the budget is spent. */
  async function within(limiter: RateLimiterMemory, key: string, res: ServerResponse, headers: Record<string, string>): Promise<boolean> {
    try {
      await limiter.consume(key);
      return true;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      sendJson(res, 429, { error: "rate_limited", retryAfterSeconds: seconds }, { ...headers, "retry-after": String(seconds) });
      return false;
    }
  }

  async function api(path: string, req: IncomingMessage, res: ServerResponse) {
    const origin = policy.check(req);
    if (origin === null) {
      sendJson(res, 403, { error: "origin_not_allowed" }, apiHeaders(undefined));
      return;
    }
    const headers = apiHeaders(origin);
    if (req.method === "OPTIONS") {
      res.writeHead(204, headers).end();
      return;
    }
    const address = clientAddress(req, settings.trustProxyHops);
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;

    if (path === "/webchat/api/session" && req.method === "POST") {
      if (!(await within(perAddress, address, res, headers))) return;
      sendJson(res, 201, { token: tokens.issue().token }, headers);
      return;
    }
    if (path === "/webchat/api/messages" && req.method === "POST") {
      if (!(await within(perAddress, address, res, headers))) return;
      let raw: Buffer;
      try {
        raw = await readRawBody(req, 64_000);
      } catch (err) {
        sendJson(res, err instanceof BodyTooLargeError ? 413 : 400, { error: err instanceof BodyTooLargeError ? "too_large" : "bad_request" }, headers);
        return;
      }
      const body = MessageBody.safeParse(parseJson(raw));
      if (!body.success) {
        sendJson(res, 400, { error: "bad_request" }, headers);
        return;
      }
      const visitor = tokens.verify(body.data.token);
      if (!visitor) {
        sendJson(res, 401, { error: "bad_token" }, headers);
        return;
      }
      if (!(await within(perVisitor, visitor, res, headers))) return;
      // Throws when the database fails: the server answers 503 and the widget sends it again.
      const { isNew } = await deps.intake.accept({
        id: `${visitor}:${body.data.id}`,
        channel: "webchat",
        conversation: visitor,
        sender: visitor,
        text: body.data.text,
        payload: body.data.payload,
        receivedAt: new Date(),
      });
      sendJson(res, isNew ? 202 : 200, { status: isNew ? "accepted" : "duplicate" }, headers);
      return;
    }
    if ((path === "/webchat/api/history" || path === "/webchat/api/stream") && req.method === "GET") {
      const stream = path === "/webchat/api/stream";
      if (!(await within(stream ? streamsPerAddress : perAddress, address, res, headers))) return;
      // EventSource cannot send headers, so the stream's token comes in the query; history's in Authorization.
      const bearer = /^Bearer (\S+)$/.exec(header(req, "authorization") ?? "")?.[1];
      const visitor = tokens.verify(bearer ?? query.get("token"));
      if (!visitor) {
        sendJson(res, 401, { error: "bad_token" }, headers);
        return;
      }
      if (!stream) {
        const items = await deps.mailbox.history(visitor, 100);
        const messages = toWebHistory(items);
        const last = items.reduce((m, i) => (i.kind === "out" ? Math.max(m, i.seq) : m), 0);
        sendJson(res, 200, { messages, last }, headers);
        return;
      }
      // The browser's own reconnection sends the last id it saw; a new page passes the last it showed.
      const after = Math.max(cursor(header(req, "last-event-id")), cursor(query.get("after")));
      for (const [k, v] of Object.entries(headers)) if (k !== "content-security-policy") res.setHeader(k, v);
      hub.open(visitor, after, res);
      return;
    }
    sendJson(res, 404, { error: "not_found" }, headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/webchat/api/")) return api(path, req, res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/webchat/widget.js") {
      const bundle = await widgetBundle().catch((err: unknown) => {
        log.error({ channel: "webchat", err: err instanceof Error ? err.message.slice(0, 300) : String(err) }, "the web chat widget could not be built");
        return undefined;
      });
      if (!bundle) {
        res.writeHead(500, { "content-type": "text/plain" }).end("widget unavailable");
        return;
      }
      const common = { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300", etag: bundle.etag, "x-content-type-options": "nosniff", "cross-origin-resource-policy": "cross-origin", vary: "Accept-Encoding" };
      if (header(req, "if-none-match") === bundle.etag) {
        res.writeHead(304, common).end();
        return;
      }
      const gzip = /\bgzip\b/.test(header(req, "accept-encoding") ?? "");
      res.writeHead(200, { ...common, ...(gzip ? { "content-encoding": "gzip" } : {}) }).end(req.method === "HEAD" ? undefined : gzip ? bundle.gzip : bundle.js);
      return;
    }
    // "/webchat" and "/webchat/": the demo page.
    res
      .writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "content-security-policy": `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors ${policy.frameAncestors}`,
      })
      .end(req.method === "HEAD" ? undefined : demoPage(settings.publicUrl));
  }

  const paths = ["/webchat", "/webchat/", "/webchat/widget.js", "/webchat/api/session", "/webchat/api/messages", "/webchat/api/history"];
  return {
    routes: [...paths.map((path) => ({ path, channel: "webchat", handler: handle })), { path: "/webchat/api/stream", channel: "webchat", handler: handle, longLived: true }],
    hub,
    close: () => hub.close(),
  };
}

/** A stream cursor from a header or the query: a non-negative integer, else 0. */
function cursor(value: string | null | undefined): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
