import type { ServerResponse } from "node:http";
import { silentLogger, type Logger } from "../../logger.js";
import type { WebchatMailbox } from "../../core/webchat-mailbox.js";
import type { WebchatEvents } from "./webchat-sender.js";
import { toWebReply } from "./web-message.js";

export interface WebchatHub extends WebchatEvents {
  /**
   * Streams the conversation to a page as Server-Sent Events: every stamped
   * reply after `after` (the last one the page showed), then each new one as
   * it is stamped, each with its stamp as the event id, so that the browser's
   * own reconnection (Last-Event-ID) resumes exactly after the last reply shown.
   */
  open(conversation: string, after: number, res: ServerResponse): void;
  readonly connections: number;
  /** Ends every stream (the browsers reconnect to another server or later). */
  close(): void;
}

interface Connection {
  conversation: string;
  cursor: number;
  res: ServerResponse;
  busy: boolean;
  again: boolean;
}

const BATCH = 50;

/** Writes to a stream that is still open; a page that left (or was replaced by a newer tab) gets nothing. */
function put(c: Connection, chunk: string): boolean {
  if (c.res.writableEnded || c.res.destroyed) return false;
  c.res.write(chunk);
  return true;
}
/** Tabs of one visitor streaming at once; an older one is closed for a newer one. */
const MAX_PER_CONVERSATION = 5;

/**
 * The pages' event streams, in the server thread. A stream is woken when the
 * worker stamps a reply for its conversation (directly, or by a message from
 * the worker thread); a poll of the stamps of the open conversations covers
 * wake-ups lost in a restart of the worker thread or made by another process.
 */
export function createWebchatHub(options: { mailbox: WebchatMailbox; logger?: Logger; pollMs?: number; heartbeatMs?: number }): WebchatHub {
  const { mailbox } = options;
  const log = options.logger ?? silentLogger;
  const byConversation = new Map<string, Set<Connection>>();
  let count = 0;
  let closed = false;

  async function flush(c: Connection) {
    if (c.busy) {
      c.again = true;
      return;
    }
    c.busy = true;
    try {
      for (;;) {
        c.again = false;
        const replies = await mailbox.after(c.conversation, c.cursor, BATCH);
        for (const r of replies) {
          if (!put(c, `id: ${r.seq}\nevent: reply\ndata: ${JSON.stringify(toWebReply(r))}\n\n`)) return;
          c.cursor = r.seq;
        }
        if (replies.length < BATCH && !c.again) break;
      }
    } catch (err) {
      // The database is away: the next poll tries again; the page keeps its cursor.
      log.warn({ channel: "webchat", err: err instanceof Error ? err.message.slice(0, 200) : String(err) }, "web chat stream could not read replies");
    } finally {
      c.busy = false;
    }
  }

  const wake = (conversation: string) => {
    for (const c of byConversation.get(conversation) ?? []) void flush(c);
  };

  const poll = setInterval(() => {
    if (count === 0) return;
    const conversations = [...byConversation.keys()];
    void (async () => {
      for (let i = 0; i < conversations.length; i += 500) {
        const latest = await mailbox.latest(conversations.slice(i, i + 500));
        for (const [conversation, seq] of latest) {
          for (const c of byConversation.get(conversation) ?? []) if (seq > c.cursor) void flush(c);
        }
      }
    })().catch((err: unknown) => log.warn({ channel: "webchat", err: err instanceof Error ? err.message.slice(0, 200) : String(err) }, "web chat poll failed"));
  }, options.pollMs ?? 2000);
  poll.unref();
  // A comment line now and then keeps proxies and load balancers from closing an idle stream.
  const heartbeat = setInterval(() => {
    for (const set of byConversation.values()) for (const c of set) put(c, ": keep-alive\n\n");
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  function remove(c: Connection) {
    const set = byConversation.get(c.conversation);
    if (!set?.delete(c)) return;
    count--;
    if (set.size === 0) byConversation.delete(c.conversation);
  }

  return {
    open(conversation, after, res) {
      // Shutting down: the page retries, on another server or once this one is back.
      if (closed) {
        res.writeHead(503, { "retry-after": "2" }).end();
        return;
      }
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store, no-transform",
        // nginx buffers responses unless told not to.
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n\n");
      const c: Connection = { conversation, cursor: after, res, busy: false, again: false };
      let set = byConversation.get(conversation);
      if (!set) byConversation.set(conversation, (set = new Set()));
      if (set.size >= MAX_PER_CONVERSATION) {
        const oldest = set.values().next().value as Connection;
        remove(oldest);
        oldest.res.end();
      }
      set.add(c);
      count++;
      // The response closes when the page goes away (or the stream is ended here).
      res.on("close", () => remove(c));
      void flush(c);
    },
    replied: wake,
    typing(conversation) {
      for (const c of byConversation.get(conversation) ?? []) put(c, "event: typing\ndata: {}\n\n");
    },
    get connections() {
      return count;
    },
    close() {
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      for (const set of byConversation.values()) for (const c of set) c.res.end();
      byConversation.clear();
      count = 0;
    },
  };
}
