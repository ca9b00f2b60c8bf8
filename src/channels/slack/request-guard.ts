import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, header, jsonDepth, MAX_JSON_DEPTH, readRawBody, sameSecret } from "../../http/request.js";
import type { Logger } from "../../logger.js";

/** Slack's replay window, both ways: a request signed more than this from now is refused. */
const WINDOW_SECONDS = 5 * 60;
/**
 * Slack's own events and button payloads are far below this; an unsigned or
 * forged request is refused before more than this is read.
 */
export const SLACK_BODY_LIMIT = 256 * 1024;

/**
 * Checks a request to POST /slack/events before Bolt sees it: the method
 * (405), the timestamp in the 5-minute window either way (Bolt only refuses
 * old ones), at most SLACK_BODY_LIMIT bytes read (413), then the signature
 * over those bytes (401). A signed body nested deeper than any Slack payload
 * is kept as a dead letter (`keep`) and answered 200, so Slack does not
 * redeliver it; 503 when it cannot be kept, so that Slack tries again.
 * Returns the raw body, for Bolt to use without reading the request again,
 * or null when it answered.
 */
export async function guardSlackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  signingSecret: string,
  log: Logger,
  options: { keep?: (raw: Buffer, reason: string) => Promise<void>; now?: number } = {},
): Promise<Buffer | null> {
  const now = options.now ?? Date.now();
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return null;
  }
  const timestamp = Number(header(req, "x-slack-request-timestamp"));
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > WINDOW_SECONDS) {
    res.writeHead(401).end();
    return null;
  }
  let raw: Buffer;
  try {
    raw = await readRawBody(req, SLACK_BODY_LIMIT);
  } catch (err) {
    res.writeHead(err instanceof BodyTooLargeError ? 413 : 400).end();
    return null;
  }
  const expected = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:`).update(raw).digest("hex")}`;
  if (!sameSecret(header(req, "x-slack-signature"), expected)) {
    res.writeHead(401).end();
    return null;
  }
  if (jsonDepth(raw) > MAX_JSON_DEPTH) {
    try {
      await options.keep?.(raw, "body nested too deeply");
    } catch (err) {
      log.error({ err, channel: "slack" }, "could not keep a signed Slack request as a dead letter; Slack will redeliver it");
      res.writeHead(503).end();
      return null;
    }
    log.warn({ channel: "slack", bytes: raw.length }, "signed Slack request nested too deeply; kept as a dead letter and acknowledged");
    res.writeHead(200).end();
    return null;
  }
  return raw;
}
