import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The eval set's own validation (`node test/eval/check-eval.mjs`) is part of the
 * build: an eval text that is also a knowledge example question (training data),
 * a fact no entry contains, an unknown intent… fail CI, not only the script.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(ROOT, "test/eval/check-eval.mjs");
const run = promisify(execFile);

async function check(root: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, root]);
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? 1, out: err.stdout ?? "" };
  }
}

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("check-eval.mjs", () => {
  it("reports no problem for the eval set and knowledge base as committed", async () => {
    const { code, out } = await check(ROOT);
    expect(out).not.toMatch(/problem\(s\)/);
    expect(out).toContain("OK: all checks passed");
    expect(code).toBe(0);
  });

  /** A copy of the repository whose knowledge base lists the first text of `set` as an example question. */
  function leakFirstTextOf(set: string): { dir: string; id: string } {
    const dir = mkdtempSync(join(tmpdir(), "rotabot-check-eval-"));
    temps.push(dir);
    cpSync(join(ROOT, "knowledge"), join(dir, "knowledge"), { recursive: true });
    cpSync(join(ROOT, "test/eval"), join(dir, "test/eval"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const first = JSON.parse(readFileSync(join(ROOT, "test/eval", set), "utf8").split("\n")[0] as string) as { id: string; text: string };
    const file = join(dir, "knowledge/costs-observership.md");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^examples:\n/m, `examples:\n  - ${JSON.stringify(first.text)}\n`));
    return { dir, id: first.id };
  }

  it.each(["messages.jsonl", "forum.jsonl", "forum-b.jsonl"])("fails when the first text of %s is also a knowledge example question", async (set) => {
    const { dir, id } = leakFirstTextOf(set);
    const { code, out } = await check(dir);
    expect(code).not.toBe(0);
    expect(out).toContain(`${id}: text equals a knowledge example`);
  });

  it("validates the held-out forum sets (check-forum.mjs, check-forum-b.mjs): facts in the named entries, one entry per question", async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, "test/eval/check-forum.mjs"), ROOT]);
    expect(stdout).toContain("OK: all checks passed");
    const b = await run(process.execPath, [join(ROOT, "test/eval/check-forum-b.mjs"), ROOT]);
    expect(b.stdout).toContain("OK: all checks passed");
  }, 120_000);
});
