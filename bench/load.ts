import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";

/** The part of loadtest's API the drivers use (its bundled typings predate the promise API). */
interface LoadTestRun {
  loadTest(options: {
    url: string;
    method: "POST";
    requestsPerSecond: number;
    maxSeconds: number;
    agentKeepAlive: boolean;
    timeout: number;
    quiet: boolean;
    contentInspector(result: unknown): void;
    requestGenerator(params: unknown, options: RequestOptions, request: (o: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest, callback: (res: IncomingMessage) => void): ClientRequest;
  }): Promise<{ totalRequests: number; totalErrors: number; errorCodes: Record<string, number>; percentiles: Record<string, number | false> }>;
}

export interface LoadFigures {
  requests: number;
  ok: number;
  /** Answered with a status other than 2xx. */
  non2xx: number;
  /** Connection failures and timeouts. */
  errors: number;
  /** Failures by status code ("-1": no answer). */
  failures: Record<string, number>;
  p50: number;
  p99: number;
}

/**
 * POSTs `next()`'s requests to `url` with loadtest, on a fixed schedule (one
 * request every 1000/rate ms, opening connections as needed): what "200
 * requests a second" means for a platform delivering webhooks. autocannon's
 * rate limit sends each connection's share in a burst at the top of every
 * second instead, so its latencies were those of 200-request bursts.
 */
export async function postAtRate(o: { url: string; rate: number; seconds: number }, next: () => { headers: Record<string, string>; body: string }): Promise<LoadFigures> {
  const { loadTest } = (await import("loadtest")) as unknown as LoadTestRun;
  const result = await loadTest({
    url: o.url,
    method: "POST",
    requestsPerSecond: o.rate,
    maxSeconds: o.seconds,
    agentKeepAlive: true,
    timeout: 10_000,
    quiet: true,
    // With an inspector, loadtest keys failures by status code (else all are "-1").
    contentInspector: () => {},
    requestGenerator(_params, options, request, callback) {
      const r = next();
      const req = request({ ...options, headers: { ...options.headers, ...r.headers, "content-length": String(Buffer.byteLength(r.body)) } }, callback);
      req.write(r.body);
      return req;
    },
  });
  // Status codes are keyed by number; connection failures and timeouts by "-1".
  const non2xx = Object.entries(result.errorCodes)
    .filter(([code]) => /^[1-9]\d*$/.test(code))
    .reduce((n, [, c]) => n + c, 0);
  return {
    requests: result.totalRequests,
    ok: result.totalRequests - result.totalErrors,
    non2xx,
    errors: result.totalErrors - non2xx,
    failures: result.errorCodes,
    p50: Number(result.percentiles[50] || 0),
    p99: Number(result.percentiles[99] || 0),
  };
}
