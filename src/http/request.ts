import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The request body is larger than the limit. */
export class BodyTooLargeError extends Error {}

/** Reads a request's raw bytes (signatures are computed over them), refusing more than `limit` bytes. */
export async function readRawBody(req: IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Compares a secret from a request with the configured one in constant time. */
export function sameSecret(given: string | undefined | null, expected: string): boolean {
  if (given == null || expected.length === 0) return false;
  const x = Buffer.from(given, "utf8");
  const y = Buffer.from(expected, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One request header as a string (the first, when it was sent several times). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the raw body, or answers 413 (too large) / 400 (broken stream) itself and returns null. */
export async function readBodyOrRefuse(req: IncomingMessage, res: ServerResponse): Promise<Buffer | null> {
  try {
    return await readRawBody(req);
  } catch (err) {
    res.writeHead(err instanceof BodyTooLargeError ? 413 : 400).end();
    return null;
  }
}

/** Nesting deeper than this is not a platform's event: no platform sends more than a dozen levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deeply the JSON in `raw` nests (brackets outside strings), scanning the
 * bytes without parsing: a signed body 10,000 levels deep would otherwise
 * overflow the stack wherever it is walked (mapping, serializing) and be
 * answered 503, and the platform would redeliver it forever.
 */
export function jsonDepth(raw: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** The parsed JSON, or undefined when the bytes are not JSON. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** A stable id for a body that has none of its own: a redelivery of the same bytes is the same dead letter. */
export function bodyId(raw: Buffer): string {
  return `body:${createHash("sha256").update(raw).digest("hex").slice(0, 32)}`;
}
