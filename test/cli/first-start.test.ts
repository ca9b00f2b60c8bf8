import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("the first start on a new embedded database", () => {
  const root = mkdtempSync(join(tmpdir(), "rotabot-first-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("says on stderr that it is creating the database and when it is ready; later starts say nothing", async () => {
    const env = { ROTABOT_DATA_DIR: join(root, "data"), LOG_LEVEL: "warn" };
    const first = await runCli(["chat"], { input: "hello\n", env });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^rotabot: first start: creating the embedded database in .*data \(a few seconds, only this once\)\.\.\.\nrotabot: database ready in \d+\.\d s\n/);
    expect(first.stdout).toMatch(/rotabot/i);
    const second = await runCli(["chat"], { input: "hello\n", env });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/first start|database ready/);
  }, 90_000);
});
