import type { IncomingMessage, ServerResponse } from "node:http";
import { header } from "../../http/request.js";

/**
 * Who may call the web chat's API from a browser, and the headers of its
 * answers. The widget runs in the agency's page, so its calls are
 * cross-origin: WEBCHAT_ORIGINS lists the pages allowed to make them (CORS),
 * and to frame the demo page (CSP frame-ancestors). No cookies are used, so
 * no credentials are ever allowed.
 */
export interface OriginPolicy {
  /** The origin to echo in Access-Control-Allow-Origin; null: refuse; undefined: not a cross-origin browser call. */
  check(req: IncomingMessage): string | null | undefined;
  /** frame-ancestors of our own pages: this server and the allowed origins. */
  frameAncestors: string;
}

export function createOriginPolicy(origins: string[], publicUrl?: string): OriginPolicy {
  const allowed = new Set(origins);
  if (publicUrl) allowed.add(new URL(publicUrl).origin);
  return {
    check(req) {
      const origin = header(req, "origin");
      if (!origin) return undefined;
      if (allowed.has(origin)) return origin;
      // The demo page and any page of this very server: a same-origin call.
      const host = header(req, "host");
      if (host && (origin === `http://${host}` || origin === `https://${host}`)) return origin;
      return null;
    },
    frameAncestors: ["'self'", ...origins].join(" "),
  };
}

/** Headers of every API answer: never cached, never framed, no referrer. */
export function apiHeaders(origin: string | undefined): Record<string, string> {
  return {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    vary: "Origin",
    ...(origin
      ? {
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": "authorization, content-type, last-event-id",
          "access-control-expose-headers": "retry-after",
          "access-control-max-age": "600",
        }
      : {}),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

/**
 * The client's address: the socket's peer, or with `trustProxyHops` reverse
 * proxies in front, the address the outermost of them saw (X-Forwarded-For
 * from the right). A forged header cannot move it further left than that.
 */
export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (trustProxyHops === 0) return peer;
  const hops = (header(req, "x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return hops[hops.length - trustProxyHops] ?? hops[0] ?? peer;
}
