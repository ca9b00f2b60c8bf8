import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger, silentLogger, type Logger } from "../../src/logger.js";
import { FAKE_TELEGRAM_TOKEN } from "../fakes/telegram-api.js";

/**
 * The whole suite logs at debug level into one folder (set up by the global
 * setup), and the global teardown scans every line for the canaries below:
 * personal data and secrets that tests hand to rotabot must never reach a log
 * (RELIABILITY.md, case 29).
 */
export const LOG_DIR_VAR = "ROTABOT_TEST_LOG_DIR";

/** Personal data for tests to use as a student's: none of it may ever appear in a log line. */
export const CANARY = {
  name: "Quillon Zephyrine",
  email: "zephyrine.canary@example.org",
  /** E.164, and as a student might type it. */
  phone: "+14155550142",
  phoneTyped: "(415) 555-0142",
} as const;

/** The test logger: debug level into the suite's log folder, silent when run outside the suite's setup. */
export function testLogger(): Logger {
  const dir = process.env[LOG_DIR_VAR];
  if (!dir) return silentLogger;
  const file = join(dir, `worker-${process.pid}.log`);
  return createLogger("debug", { write: (line: string) => appendFileSync(file, line) });
}

/** Keeps what a child process (`what`: serve, chat, replay…) wrote on stderr, for the scan. */
export function keepChildLog(what: string, stderr: string): void {
  const dir = process.env[LOG_DIR_VAR];
  if (!dir || !stderr) return;
  appendFileSync(join(dir, `child-${what.replace(/\W+/g, "-")}-${process.pid}.log`), stderr.endsWith("\n") ? stderr : `${stderr}\n`);
}

/** Values that must never appear in a log line: students' personal data and every secret the tests use. */
export const FORBIDDEN_IN_LOGS: readonly string[] = [
  ...Object.values(CANARY),
  // The web chat's signing secret (tests/helpers/webchat.ts).
  "webchat-test-secret-0123456789abcdef",
  // What the lead tests give as a student's contact details.
  "Zorblatt",
  "zorblatt.canary@example.com",
  "forget.canary@example.com",
  "jane@example.com",
  "jane.doe@example.com",
  "+919876543210",
  "+442079460958",
  // ... and the Slack tests.
  "Priya Raman",
  "priya@example.org",
  "Priya Canarysdottir",
  "priya.canary@example.org",
  "+919812345678",
  FAKE_TELEGRAM_TOKEN,
  "FAKE-GRAPH-ACCESS-TOKEN",
  "test_secret-0123456789",
  "whatsapp-app-secret",
];

/**
 * RELIABILITY.md case 29: reads every log file in `dir` and throws, quoting
 * the first lines found, when any holds personal data or a secret. Returns
 * the number of lines scanned.
 */
export function scanLogs(dir: string, forbidden: readonly string[] = FORBIDDEN_IN_LOGS): number {
  let lines = 0;
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (!line) continue;
      lines++;
      const found = forbidden.filter((v) => line.includes(v));
      if (found.length > 0 && hits.length < 20) hits.push(`${name}: ${found.join(", ")}: ${line.slice(0, 300)}`);
    }
  }
  if (hits.length > 0) throw new Error(`personal data or secrets in the test suite's logs:\n${hits.join("\n")}`);
  return lines;
}
