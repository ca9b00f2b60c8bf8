import http from "node:http";
import type { AddressInfo } from "node:net";

/** Answers one request; `raw` is the whole request body. */
export type FakeHandler = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) => Promise<void>;

/**
 * A node:http server on 127.0.0.1 with a random port, plus the plumbing every
 * platform fake needs: delays that end when the fake goes away, requests that
 * hang until then, and refuse()/accept() on the same port.
 */
export interface FakeHttpServer {
  /** `http://127.0.0.1:PORT`, no trailing slash (grammY throws on one). */
  readonly url: string;
  readonly port: number;
  /** Resolves after `ms`, when `until` settles, or at once when the fake is refused or closed. */
  wait(ms: number, until?: Promise<unknown>): Promise<void>;
  /** Resolves only when the fake is refused or closed (a request that never gets an answer). */
  hang(): Promise<void>;
  /** Stops listening and drops every open connection: clients get ECONNREFUSED until accept(). */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  /** Drops every connection, ends pending waits and stops listening for good. */
  close(): Promise<void>;
}

/** Starts a fake HTTP server on 127.0.0.1:0 that hands every request to `handler`. */
export async function startFakeHttpServer(handler: FakeHandler): Promise<FakeHttpServer> {
  const releases = new Set<() => void>();
  const releaseAll = () => {
    for (const release of releases) release();
    releases.clear();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handler(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        // A bug in a fake must be loud, not a hung test.
        if (!res.headersSent && !res.destroyed) res.writeHead(599).end(String(error));
      });
    });
  });
  // Tests end many sockets abruptly; an unhandled 'clientError' would only add noise.
  server.on("clientError", (_error, socket) => socket.destroy());

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      releaseAll();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Keep-alive sockets (grammY's agent keeps them) would hold close() open and keep serving.
      server.closeAllConnections();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let closed = false;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    wait(ms, until) {
      return new Promise<void>((resolve) => {
        const done = () => {
          // Clear the timer so a long poll that ended early leaves nothing behind.
          clearTimeout(timer);
          releases.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        releases.add(done);
        until?.then(done, done);
      });
    },
    hang() {
      return new Promise<void>((resolve) => {
        releases.add(resolve);
      });
    },
    refuse: stop,
    async accept() {
      if (closed) throw new Error("fake server is closed; start a new one");
      if (!server.listening) await listen(port);
    },
    async close() {
      closed = true;
      await stop();
    },
  };
}

/**
 * Writes a JSON answer unless the client already went away (hung and slow
 * requests can outlive their sockets). Returns the status to log: the one sent,
 * or 499 ("client closed request") when nobody was listening any more.
 */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  return sendRaw(res, status, JSON.stringify(body), { "content-type": "application/json", ...headers });
}

/** Writes a raw answer unless the client already went away; returns the status to log, as sendJson does. */
export function sendRaw(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): number {
  if (res.destroyed || res.writableEnded || res.socket?.destroyed) return 499;
  res.writeHead(status, headers).end(body);
  return status;
}

/**
 * Parses a request body the way the platforms accept it: JSON, urlencoded
 * (values that look like JSON objects or arrays are decoded, as Telegram does
 * for `reply_markup`), or query parameters of a GET. Returns undefined when
 * the body is not parseable.
 */
export function parseBody(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> | undefined {
  const type = req.headers["content-type"] ?? "";
  const text = raw.toString("utf8");
  if (type.includes("application/json")) {
    try {
      const parsed: unknown = text === "" ? {} : JSON.parse(text);
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  const params = type.includes("application/x-www-form-urlencoded")
    ? new URLSearchParams(text)
    : new URL(req.url ?? "/", "http://fake").searchParams;
  const body: Record<string, unknown> = {};
  for (const [key, value] of params) {
    body[key] = /^\s*[[{]/.test(value) ? tryJson(value) : value;
  }
  return body;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Fault modes shared by the fakes. Each fault applies to matching requests
 * until it has been used `times` times (default: until cleared).
 */
export class FaultBook<F extends { times?: number }> {
  #faults: { fault: F; left: number }[] = [];

  add(fault: F): void {
    this.#faults.push({ fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#faults = [];
  }

  /** The first fault that matches, with one use counted; later faults wait their turn. */
  take(matches: (fault: F) => boolean): F | undefined {
    const slot = this.#faults.find((f) => f.left > 0 && matches(f.fault));
    if (!slot) return undefined;
    slot.left -= 1;
    this.#faults = this.#faults.filter((f) => f.left > 0);
    return slot.fault;
  }
}
