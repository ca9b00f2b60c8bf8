import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The lead webhook's signature, Slack's scheme with our prefix: HMAC-SHA256,
 * keyed by LEAD_WEBHOOK_SECRET, over `v1:<timestamp>:<raw body>`, sent as
 * `X-Rotabot-Signature: v1=<hex>` with `X-Rotabot-Timestamp: <unix seconds>`.
 * The timestamp is signed so that a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = "x-rotabot-signature";
export const TIMESTAMP_HEADER = "x-rotabot-timestamp";

export function signLeadEvent(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${createHmac("sha256", secret).update(`v1:${timestamp}:${rawBody}`).digest("hex")}`;
}

/** A receiver's check (used by the tests' receiver, and the README's snippet is the same code): signature and a 5-minute window. */
export function verifyLeadEvent(secret: string, headers: { signature?: string; timestamp?: string }, rawBody: string, nowSeconds = Date.now() / 1000): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > 300 || !headers.signature) return false;
  const expected = Buffer.from(signLeadEvent(secret, ts, rawBody));
  const given = Buffer.from(headers.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
