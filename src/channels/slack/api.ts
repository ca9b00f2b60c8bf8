import { webApi } from "@slack/bolt";
import { ChannelApiError } from "../../core/errors.js";

/** A message of a thread, as `conversations.replies` returns it (the fields rotabot reads). */
export interface SlackMessage {
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
}

/**
 * The Slack Web API calls rotabot makes, behind a small port so the relay and
 * the reconciler are tested against a fake server through the real client.
 * Every method throws ChannelApiError: `retryAfterMs` on 429, `permanent`
 * when Slack refused the call for a reason a retry cannot fix.
 */
export interface SlackApi {
  postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string; reply_broadcast?: boolean }): Promise<{ ts: string }>;
  update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<void>;
  postEphemeral(args: { channel: string; user: string; text: string; thread_ts?: string }): Promise<void>;
  replies(args: { channel: string; ts: string; cursor?: string; limit?: number }): Promise<{ messages: SlackMessage[]; nextCursor?: string }>;
}

/** Slack errors that a later attempt may not get. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"]);

/**
 * The Web API client rotabot uses: no retries of its own (the outbox retries,
 * with its own backoff) and 429s thrown, not slept on, so a rate limit
 * never blocks a Slack action handler.
 */
export function createWebClient(token: string, apiUrl: string, timeoutMs = 10_000): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: webApi.LogLevel.ERROR,
  });
}

/** The port over a WebClient (Bolt's `app.client`). */
export function createSlackApi(client: webApi.WebClient): SlackApi {
  const call = async <T>(method: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toChannelError(method, err);
    }
  };
  return {
    postMessage: (args) =>
      call("chat.postMessage", async () => {
        const r = await client.chat.postMessage({ ...args, unfurl_links: false, unfurl_media: false } as webApi.ChatPostMessageArguments);
        return { ts: String(r.ts) };
      }),
    update: (args) =>
      call("chat.update", async () => {
        await client.chat.update(args as webApi.ChatUpdateArguments);
      }),
    postEphemeral: (args) =>
      call("chat.postEphemeral", async () => {
        await client.chat.postEphemeral(args as webApi.ChatPostEphemeralArguments);
      }),
    replies: (args) =>
      call("conversations.replies", async () => {
        const r = await client.conversations.replies({ channel: args.channel, ts: args.ts, cursor: args.cursor, limit: args.limit ?? 200 });
        return { messages: (r.messages ?? []) as SlackMessage[], nextCursor: r.response_metadata?.next_cursor || undefined };
      }),
  };
}

/** A Web API failure as a ChannelApiError; never carries the token or the request body. */
export function toChannelError(method: string, err: unknown): ChannelApiError {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e?.code) {
    case webApi.ErrorCode.RateLimitedError:
      return new ChannelApiError(`Slack ${method}: rate limited`, { status: 429, retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000, permanent: false });
    case webApi.ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      return new ChannelApiError(`Slack ${method}: HTTP ${status}`, { status, permanent: status >= 400 && status < 500 && status !== 408, reason: `HTTP ${status}` });
    }
    case webApi.ErrorCode.PlatformError: {
      const code = e.data?.error ?? "unknown_error";
      return new ChannelApiError(`Slack ${method}: ${code}`, { permanent: !TRANSIENT.has(code), reason: code });
    }
    default:
      // Request errors (refused, reset, timeout) and anything unexpected: try again later.
      return new ChannelApiError(`Slack ${method} unreachable: ${String(e?.message ?? err).slice(0, 200)}`, { permanent: false });
  }
}
