import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One event as the receiver took it. */
export interface ReceivedEvent {
  key: string;
  type: string;
  body: { id: string; type: string; change: string; occurredAt: string; lead: Record<string, any> };
}

/**
 * A CRM's end of the lead webhook on 127.0.0.1, written as the README tells a
 * receiver to write it (and independently of rotabot's own signing code): it
 * checks the HMAC-SHA256 signature over `v1:<timestamp>:<raw body>` and the
 * timestamp's age, answers 401 to anything else, and keeps each event once by
 * its idempotency key, answering 200 to a duplicate.
 */
export interface LeadReceiver {
  url: string;
  /** Events kept, in arrival order, one per idempotency key. */
  events: ReceivedEvent[];
  /** Requests per idempotency key, duplicates and refusals included. */
  attempts: Map<string, number>;
  /** Requests with a bad or missing signature. */
  rejected: number;
  /** Stops listening (connections are refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** The next `n` signed requests are stored, then answered 500 (a receiver that fails after its write). */
  failAfterStoring(n: number): void;
  close(): Promise<void>;
}

export async function startLeadReceiver(secret: string): Promise<LeadReceiver> {
  const events: ReceivedEvent[] = [];
  const seen = new Set<string>();
  const attempts = new Map<string, number>();
  let rejected = 0;
  let failing = 0;
  const handler = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-rotabot-timestamp"] ?? "");
      const signature = String(req.headers["x-rotabot-signature"] ?? "");
      const expected = `v1=${createHmac("sha256", secret).update(`v1:${timestamp}:${raw}`).digest("hex")}`;
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
      const ok = fresh && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
      if (!ok) {
        rejected++;
        res.writeHead(401).end();
        return;
      }
      const body = JSON.parse(raw) as ReceivedEvent["body"];
      const key = String(req.headers["idempotency-key"]);
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      if (key !== body.id) {
        res.writeHead(400).end("idempotency key and body id differ");
        return;
      }
      if (!seen.has(key)) {
        seen.add(key);
        events.push({ key, type: String(req.headers["x-rotabot-event"]), body });
      }
      if (failing > 0) {
        failing--;
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}/hooks/rotabot`,
    events,
    attempts,
    get rejected() {
      return rejected;
    },
    down: stop,
    async up() {
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    failAfterStoring(n) {
      failing = n;
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
