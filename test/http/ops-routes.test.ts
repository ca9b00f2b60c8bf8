import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/http/metrics.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 14, medium 7: /metrics needs METRICS_TOKEN as a bearer token (or, with
 * none set, a loopback client); scrapes share one cached depth query; and
 * /readyz never shows the database's own error text.
 */

const TOKEN = "metrics-token-0123456789abcdef";

describe("/metrics and /readyz", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => t?.close());

  it("answers /metrics only with the bearer token", async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("rotabot_queue_depth");
  });

  it("counts the queue depths once for many scrapes at once, and again only after the cache expires", async () => {
    let queries = 0;
    const metrics = createMetrics(
      {
        depths: async () => {
          queries++;
          await new Promise((r) => setTimeout(r, 30));
          return [{ channel: "telegram", inbox: 3, outbox: 1, dead: 0 }];
        },
      },
      undefined,
      { depthsCacheMs: 1500 },
    );
    const scrapes = await Promise.all(Array.from({ length: 20 }, () => metrics.registry.metrics()));
    expect(queries).toBe(1);
    for (const s of scrapes) expect(s).toContain('rotabot_queue_depth{channel="telegram",queue="inbox"} 3');
    await metrics.registry.metrics();
    expect(queries).toBe(1);
    await new Promise((r) => setTimeout(r, 1600));
    await metrics.registry.metrics();
    expect(queries).toBe(2);
  });

  it("says the database is unreachable on /readyz without its error text", async () => {
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await t.server.storage.driver.close();
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe("unreachable");
    expect(JSON.stringify(body)).not.toMatch(/closed|error|PGlite|Error/i);
  });
});
