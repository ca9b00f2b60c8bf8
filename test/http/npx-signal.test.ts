import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { keepChildLog } from "../helpers/logs.js";

/**
 * Issue 14, operator honesty: `npx rotabot serve` runs as npx → sh → node. A
 * SIGTERM to npx (what a process manager or a terminal sends) must stop the
 * server too, not leave it running as an orphan.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

it("stops the server when the npx process that started it is sent SIGTERM", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rotabot-npx-"));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_URL|ROTABOT_|TELEGRAM_|WHATSAPP_|SLACK_|OPENAI_|PORT|LOG_LEVEL)/.test(k)) env[k] = v;
  const npx = spawn("npx", ["rotabot", "serve"], { cwd: ROOT, env: { ...env, PORT: "0", ROTABOT_DATA_DIR: dataDir, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  npx.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  npx.stdout.on("data", () => {});
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr.slice(-2000)}`)), 90_000);
      const check = () => {
        const m = /"port":(\d+)[^\n]*rotabot serve is listening/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        } else setTimeout(check, 100);
      };
      check();
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    npx.kill("SIGTERM");
    const deadline = Date.now() + 20_000;
    let up = true;
    while (up && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      up = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false);
    }
    expect(up).toBe(false);
  } finally {
    npx.kill("SIGKILL");
    keepChildLog("npx-serve", stderr);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);
