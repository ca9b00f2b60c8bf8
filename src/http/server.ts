import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { silentLogger, type Logger } from "../logger.js";
import type { Metrics } from "./metrics.js";
import { sameSecret } from "./request.js";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HttpServerOptions {
  /** Webhook handlers by path, e.g. "/telegram/webhook"; the label names the channel in metrics. */
  webhooks: { path: string; channel: string; handler: Handler; longLived?: boolean }[];
  /** Readiness: the database answers and the knowledge base is loaded. */
  ready(): Promise<{ ok: boolean; checks: Record<string, string> }>;
  metrics: Metrics;
  /** The bearer token /metrics requires; without one, /metrics answers clients on the loopback interface only. */
  metricsToken?: string;
  logger?: Logger;
}

export interface HttpServer {
  server: Server;
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting connections and waits for the requests in flight. */
  close(): Promise<void>;
}

/**
 * rotabot's one HTTP server: the webhooks, /healthz, /readyz and /metrics.
 * Six routes need no framework, and grammY and Bolt both hand us node
 * request listeners. A webhook handler that throws (the database is down)
 * gets a 503, so the platform redelivers; nothing is ever acknowledged with
 * a 200 unless its row was written.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.logger ?? silentLogger;
  const routes = new Map(options.webhooks.map((w) => [w.path, w]));
  let inFlight = 0;
  let drained: (() => void) | undefined;

  async function route(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/healthz" && req.method === "GET") return json(res, 200, { status: "ok" });
    if (path === "/readyz" && req.method === "GET") {
      // Anyone may ask whether rotabot is ready; the reasons go to the log, never into the answer.
      const r = await options.ready().catch((err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message.slice(0, 200) : String(err) }, "readiness check failed");
        return { ok: false, checks: { error: "check failed" } };
      });
      return json(res, r.ok ? 200 : 503, { status: r.ok ? "ready" : "not ready", checks: r.checks });
    }
    if (path === "/metrics" && req.method === "GET") {
      if (!mayScrape(req, options.metricsToken)) {
        res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="rotabot metrics"' }).end("unauthorized");
        return;
      }
      const body = await options.metrics.registry.metrics();
      res.writeHead(200, { "content-type": options.metrics.registry.contentType }).end(body);
      return;
    }
    const webhook = routes.get(path);
    if (!webhook) return json(res, 404, { error: "not found" });
    const started = performance.now();
    try {
      await webhook.handler(req, res);
    } catch (err) {
      log.warn({ channel: webhook.channel, err: err instanceof Error ? err.message.replace(/bot\d+:[\w-]+/g, "bot<token>").slice(0, 200) : String(err) }, "webhook not stored; answered 503 for redelivery");
      if (!res.headersSent) json(res, 503, { error: "temporarily unavailable, please retry" });
      else res.end();
    } finally {
      // An event stream's length is the visitor's visit, not an acknowledgement's latency.
      if (!webhook.longLived) options.metrics.webhook(webhook.channel, res.statusCode, (performance.now() - started) / 1000);
    }
  }

  const server = createServer((req, res) => {
    inFlight++;
    res.on("close", () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    route(req, res).catch((err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : String(err) }, "request failed");
      if (!res.headersSent) json(res, 500, { error: "internal error" });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A bearer token equal to METRICS_TOKEN (constant time); without one set, a loopback client. */
export function mayScrape(req: IncomingMessage, token: string | undefined): boolean {
  if (token) {
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
    return sameSecret(given, token);
  }
  const address = req.socket.remoteAddress ?? "";
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
