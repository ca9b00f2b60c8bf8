import { randomBytes } from "node:crypto";

/** The web chat settings of the tests (WEBCHAT_SECRET is also a log canary). */
export const WEBCHAT_SECRET = "webchat-test-secret-0123456789abcdef";
export const ALLOWED_ORIGIN = "https://agency.example";
export const webchatEnv = { WEBCHAT_SECRET, WEBCHAT_ORIGINS: ALLOWED_ORIGIN };

export async function webchatSession(url: string): Promise<string> {
  const r = await fetch(`${url}/webchat/api/session`, { method: "POST" });
  if (r.status !== 201) throw new Error(`session: ${r.status}`);
  return ((await r.json()) as { token: string }).token;
}

/** POSTs a message as the widget does; `id` defaults to a fresh one. */
export async function webchatSend(url: string, token: string, message: { text?: string; payload?: string; id?: string }, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/webchat/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ token, id: message.id ?? randomBytes(8).toString("hex"), text: message.text ?? "", payload: message.payload }),
  });
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface TestStream {
  status: number;
  events: SseEvent[];
  /** The reply events so far, parsed. */
  replies(): { seq: number; text: string; quickReplies?: { title: string; payload: string }[] }[];
  /** Waits until `check` holds for the events; throws with `what` after `ms`. */
  until(check: (events: SseEvent[]) => boolean, what: string, ms?: number): Promise<void>;
  close(): void;
}

/** Reads /webchat/api/stream as an EventSource would, from node (fetch and a tiny SSE parser). */
export async function openStream(url: string, token: string, options: { after?: number; lastEventId?: string; origin?: string } = {}): Promise<TestStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  if (options.origin) headers.origin = options.origin;
  const r = await fetch(`${url}/webchat/api/stream?token=${encodeURIComponent(token)}&after=${options.after ?? 0}`, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  if (r.ok && r.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const e: SseEvent = { event: "message", data: "" };
            let any = false;
            for (const line of block.split("\n")) {
              const [field, ...rest] = line.split(":");
              const value = rest.join(":").replace(/^ /, "");
              if (field === "id") e.id = value;
              else if (field === "event") e.event = value;
              else if (field === "data") (e.data = value), (any = true);
            }
            if (any) events.push(e);
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: r.status,
    events,
    replies: () => events.filter((e) => e.event === "reply").map((e) => JSON.parse(e.data) as { seq: number; text: string }),
    async until(check, what, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!check(events)) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    close: () => abort.abort(),
  };
}
