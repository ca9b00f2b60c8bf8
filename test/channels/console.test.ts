import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dataDir = mkdtempSync(join(tmpdir(), "rotabot-console-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the console chat with piped input", () => {
  it("answers one message per line and exits at the end of input", async () => {
    // At the default level a normal chat writes nothing on stderr (the suite runs children at debug level),
    // but the two lines of a first start on a new data directory (creating the embedded database).
    const run = await runCli(["chat"], { input: "how much does a rotation cost?\nI'm a 2022 graduate\n", env: { ROTABOT_DATA_DIR: dataDir, LOG_LEVEL: "info" } });
    expect(run.code).toBe(0);
    expect(run.stderr.replace(/^rotabot: (first start: creating the embedded database|database ready) .*\n/gm, "")).toBe("");
    expect(run.stdout).toMatch(/you › how much does a rotation cost\?\nrotabot › .*\$/s);
    expect(run.stdout.match(/rotabot › /g)).toHaveLength(2);
  });

  it("remembers the student after a restart", async () => {
    const run = await runCli(["chat"], { input: "/profile\n", env: { ROTABOT_DATA_DIR: dataDir } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/graduate/);
    expect(run.stdout).toMatch(/2022/);
  });

  it("refuses to share its data directory with a running chat", async () => {
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("../helpers/cli.js");
    const first = spawn(process.execPath, [BIN, "chat"], { env: { ...process.env, DATABASE_URL: "", ROTABOT_DATA_DIR: dataDir }, stdio: ["pipe", "pipe", "pipe"] });
    first.stdin.write("hi\n");
    await new Promise<void>((resolve) => first.stdout.once("data", () => resolve()));
    const second = await runCli(["chat"], { input: "hi\n", env: { ROTABOT_DATA_DIR: dataDir } });
    first.stdin.end();
    await new Promise((resolve) => first.on("close", resolve));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by another rotabot process/);
  });
});

describe("a personal answer in the console, end to end", () => {
  it("learns the student's status, then answers eligibility per route for them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotabot-personal-"));
    const run = await runCli(["chat"], {
      input: "I graduated in 2023 and passed Step 1\nam I eligible for electives?\nhow much would 8 weeks of observership cost?\n",
      env: { ROTABOT_DATA_DIR: dir },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Noted: Status: graduate, Graduation year: 2023, USMLE Step 1: passed.");
    expect(run.stdout).toContain("As a 2023 graduate, here is where you stand:");
    expect(run.stdout).toContain("- VSLO elective: not open to you (for enrolled students only)");
    expect(run.stdout).toContain("- Third-party rotation: open to you");
    expect(run.stdout).toMatch(/Estimated cost for 8 weeks of observership, in US dollars:\n- Program fee: .*\n- Housing for about 1\.8 months: .*\n- B1\/B2 visa fee: \$185/);
  });
});

describe("start-up with a broken knowledge file", () => {
  it("exits non-zero naming the file and the field, without a stack trace", async () => {
    const { cpSync, writeFileSync, readFileSync } = await import("node:fs");
    const kbDir = mkdtempSync(join(tmpdir(), "rotabot-badkb-"));
    cpSync(new URL("../fixtures/knowledge-min", import.meta.url).pathname, kbDir, { recursive: true });
    const file = join(kbDir, "costs-observership.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("reviewed: 2026-11-01", "reviewed: last week"));
    const run = await runCli(["chat"], { input: "hi\n", env: { KNOWLEDGE_DIR: kbDir, ROTABOT_DATA_DIR: join(kbDir, "data") } });
    rmSync(kbDir, { recursive: true, force: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/costs-observership\.md:14: reviewed: must be a date written as YYYY-MM-DD/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe("");
  });

  it("exits non-zero with a clear message for an invalid setting", async () => {
    const run = await runCli(["chat"], { env: { DATABASE_URL: "mysql://nope" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DATABASE_URL: must be a PostgreSQL URL/);
  });
});
