import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram-api.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 14, operator honesty: `rotabot serve` with the Telegram Bot API out of
 * reach logs every failed attempt with its reason and the next retry, reports
 * Telegram as not ready on /readyz, and connects once the API answers.
 */

describe("the Telegram Bot API unreachable at start", () => {
  const lines: Record<string, unknown>[] = [];
  let fake: FakeTelegram;
  let t: TestServer;
  beforeAll(async () => {
    fake = await startFakeTelegram({ perChatMs: 0 });
    await fake.refuse();
    const logger = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    t = await startTestServer("pglite", { telegram: fake, logger });
  });
  afterAll(async () => t?.close());

  it("starts anyway, logs each attempt with its reason and next retry, says not ready, and recovers", async () => {
    const failures = () => lines.filter((l) => l.msg === "cannot reach the Telegram Bot API; retrying");
    expect(failures().length).toBeGreaterThanOrEqual(1);
    expect(failures()[0]).toMatchObject({ level: 40, channel: "telegram", attempt: 1, retryInMs: 1000 });
    expect(String(failures()[0]?.err)).toMatch(/ECONNREFUSED|failed|reach/i);
    expect(JSON.stringify(lines)).not.toContain(fake.token);
    const notReady = await fetch(`${t.url}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { checks: Record<string, string> };
    expect(body.checks.telegram).toMatch(/^cannot reach the Bot API/);
    expect(body.checks.telegram).not.toContain(fake.token);

    await t.until(() => failures().length >= 2, "a second attempt", 5000);
    expect(failures()[1]).toMatchObject({ attempt: 2, retryInMs: 2000 });
    await fake.accept();
    await t.until(() => fake.webhook !== undefined, "the webhook registered after the API came back", 10_000);
    await t.until(async () => (await fetch(`${t.url}/readyz`)).status === 200, "ready", 5000);
  }, 30_000);
});
