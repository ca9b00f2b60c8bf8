/** The widget's calls to rotabot serve (see webchat-channel.ts for the other side). */

export interface ReplyMessage {
  seq: number;
  text: string;
  quickReplies?: { title: string; payload: string }[];
  at: string;
}
export type HistoryMessage = { from: "visitor"; text: string; at: string } | ({ from: "bot" } & ReplyMessage);

export type SendOutcome = "sent" | "rate_limited" | "bad_token" | "failed";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createApi(base: string) {
  const api = `${base}/webchat/api`;
  return {
    async session(): Promise<string> {
      const r = await fetch(`${api}/session`, { method: "POST" });
      if (!r.ok) throw new Error(`session: ${r.status}`);
      return ((await r.json()) as { token: string }).token;
    },
    /** null: the token is not (or no longer) valid. */
    async history(token: string): Promise<{ messages: HistoryMessage[]; last: number } | null> {
      // In a header rather than the address, which proxies log; only the event stream cannot do that.
      const r = await fetch(`${api}/history`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status === 401) return null;
      if (!r.ok) throw new Error(`history: ${r.status}`);
      return (await r.json()) as { messages: HistoryMessage[]; last: number };
    },
    /**
     * Sends one message until it is acknowledged (stored) or refused. The id
     * makes a retry the same message, so a lost acknowledgement never doubles it.
     */
    async send(token: string, message: { id: string; text: string; payload?: string }): Promise<SendOutcome> {
      for (let attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0) await sleep(500 * 2 ** (attempt - 1));
        try {
          const r = await fetch(`${api}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, ...message }) });
          if (r.status === 200 || r.status === 202) return "sent";
          if (r.status === 429) return "rate_limited";
          if (r.status === 401) return "bad_token";
          if (r.status < 500) return "failed";
        } catch {
          // Offline or the server is away: try again.
        }
      }
      return "failed";
    },
    streamUrl: (token: string, after: number) => `${api}/stream?token=${encodeURIComponent(token)}&after=${after}`,
  };
}

/** An id no other message of this visitor will have (the server prefixes it with the visitor id). */
export function messageId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
