import { createHmac } from "node:crypto";

/**
 * Signed requests to rotabot's POST /slack/events, shaped like what Slack
 * sends: Events API envelopes (JSON) and block actions (form body with a
 * `payload` field), with `X-Slack-Signature` over the raw bytes.
 */

export const SLACK_SIGNING_SECRET = "slack-signing-secret-for-tests";
export const LEADS_CHANNEL = "CLEADS0001";

let events = 0;
let triggers = 0;

/** Slack's v0 signature headers for a raw body, at `at` (default now). */
export function slackSignature(raw: string, secret = SLACK_SIGNING_SECRET, at = new Date()): Record<string, string> {
  const ts = Math.floor(at.getTime() / 1000);
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${raw}`).digest("hex")}`;
  return { "x-slack-request-timestamp": String(ts), "x-slack-signature": sig };
}

export interface SlackPostOptions {
  secret?: string;
  /** When the request was signed (a stale one is refused). */
  signedAt?: Date;
  /** Adds X-Slack-Retry-Num (1..3) and X-Slack-Retry-Reason, as Slack's redeliveries do. */
  retryNum?: number;
  /** Replace the signature header (to send a wrong one). */
  signature?: string;
}

async function post(url: string, raw: string, contentType: string, o: SlackPostOptions) {
  const headers: Record<string, string> = { "content-type": contentType, ...slackSignature(raw, o.secret, o.signedAt) };
  if (o.signature !== undefined) headers["x-slack-signature"] = o.signature;
  if (o.retryNum) {
    headers["x-slack-retry-num"] = String(o.retryNum);
    headers["x-slack-retry-reason"] = "http_timeout";
  }
  const res = await fetch(`${url}/slack/events`, { method: "POST", headers, body: raw });
  return { status: res.status, body: await res.text() };
}

/** A message event as Slack sends it for a reply in a thread. */
export function threadReply(o: { channel?: string; threadTs: string; ts: string; user: string; text: string; subtype?: string; botId?: string }) {
  return {
    type: "message",
    channel: o.channel ?? LEADS_CHANNEL,
    channel_type: "channel",
    user: o.user,
    text: o.text,
    ts: o.ts,
    thread_ts: o.threadTs,
    event_ts: o.ts,
    ...(o.subtype ? { subtype: o.subtype } : {}),
    ...(o.botId ? { bot_id: o.botId } : {}),
  };
}

/** Posts an Events API envelope around `event`; returns the status and the event id used. */
export async function postSlackEvent(url: string, event: Record<string, unknown>, o: SlackPostOptions & { eventId?: string } = {}) {
  const eventId = o.eventId ?? `Ev${String(++events).padStart(8, "0")}`;
  const raw = JSON.stringify({
    token: "legacy-verification-token",
    team_id: "TFAKE",
    api_app_id: "AFAKE",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
  return { ...(await post(url, raw, "application/json", o)), eventId };
}

/** Posts a block action (a button or a select on a lead card) by `user`. */
export async function postSlackAction(
  url: string,
  a: { actionId: string; value?: string; selected?: string; user: string; userName?: string; responseUrl: string; channel?: string; messageTs?: string },
  o: SlackPostOptions = {},
) {
  const action = a.selected !== undefined
    ? { type: "static_select", action_id: a.actionId, block_id: "lead_actions", selected_option: { text: { type: "plain_text", text: a.selected }, value: a.selected }, action_ts: "1800000000.1" }
    : { type: "button", action_id: a.actionId, block_id: "lead_actions", value: a.value, text: { type: "plain_text", text: a.actionId }, action_ts: "1800000000.1" };
  const payload = {
    type: "block_actions",
    team: { id: "TFAKE", domain: "fake" },
    user: { id: a.user, username: a.userName ?? a.user.toLowerCase(), name: a.userName ?? a.user.toLowerCase(), team_id: "TFAKE" },
    api_app_id: "AFAKE",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: a.messageTs ?? "1800000000.000001", channel_id: a.channel ?? LEADS_CHANNEL, is_ephemeral: false },
    trigger_id: `trigger-${++triggers}`,
    channel: { id: a.channel ?? LEADS_CHANNEL, name: "leads" },
    message: { type: "message", ts: a.messageTs ?? "1800000000.000001", text: "Lead" },
    response_url: a.responseUrl,
    actions: [action],
  };
  const raw = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return post(url, raw, "application/x-www-form-urlencoded", o);
}
