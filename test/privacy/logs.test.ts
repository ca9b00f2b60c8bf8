import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { CANARY, LOG_DIR_VAR, scanLogs } from "../helpers/logs.js";
import { startTestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";
import { TELEGRAM_SECRET } from "../helpers/server.js";

describe("the log scan of the whole suite (RELIABILITY.md case 29)", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotabot-logscan-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs: the suite's loggers write to the folder the global teardown scans", () => {
    expect(process.env[LOG_DIR_VAR]).toBeTruthy();
  });

  it("finds a canary value in any log line and names the file", () => {
    writeFileSync(join(dir, "a.log"), `{"level":30,"msg":"fine"}\n{"level":30,"msg":"contact ${CANARY.email}"}\n`);
    expect(() => scanLogs(dir)).toThrow(/a\.log: zephyrine\.canary@example\.org/);
  });

  it("counts the lines of clean logs", () => {
    const clean = mkdtempSync(join(dir, "clean-"));
    writeFileSync(join(clean, "b.log"), '{"level":30,"msg":"one"}\n{"level":20,"msg":"two"}\n');
    expect(scanLogs(clean)).toBe(2);
  });

  it("keeps a student's name, email and phone out of the logs of a whole turn at debug level", async () => {
    const lines: string[] = [];
    const t = await startTestServer("pglite", { logger: createLogger("debug", { write: (l: string) => lines.push(l) }) });
    try {
      const chat = 7_700_001;
      const text = `I'm ${CANARY.name}, email ${CANARY.email}, phone ${CANARY.phoneTyped}. How much does an observership cost?`;
      expect((await postTelegram(t.url, tgText({ chatId: chat, text }), { secret: TELEGRAM_SECRET })).status).toBe(200);
      await t.until(() => t.telegram.sent(chat).length === 1, "the reply");
      await t.server.worker.idle();
    } finally {
      await t.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join("");
    for (const v of Object.values(CANARY)) expect(all).not.toContain(v);
  });
});
