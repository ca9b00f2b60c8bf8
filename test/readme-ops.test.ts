import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { signLeadEvent } from "../src/channels/webhook/signature.js";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const readme = read("README.md");

describe("the README", () => {
  it("names every dependency and development dependency of package.json in its list of dependencies", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const section = readme.slice(readme.indexOf("### Dependencies and why"));
    const named = new Set([...section.matchAll(/`(@?[a-z0-9][\w./-]*)`/g)].map((m) => m[1]));
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) expect(named, name).toContain(name);
    expect(Object.keys(pkg.dependencies)).not.toContain("langchain");
    expect(Object.keys(pkg.devDependencies)).toContain("@types/js-yaml");
  });

  it("gives a receiver a verification snippet that accepts rotabot's signature and refuses a forged or old one", async () => {
    const block = /<!-- lead-webhook-verify -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "rotabot-readme-"));
    try {
      const file = join(dir, "verify.mjs");
      writeFileSync(file, block as string);
      const { verifyRotabot } = (await import(pathToFileURL(file).href)) as { verifyRotabot: (s: string, h: Record<string, string>, b: string, now?: number) => boolean };
      const secret = "crm-shared-secret-0123456789";
      const body = '{"id":"lead:1:event:2","type":"lead.created"}';
      const ts = Math.floor(Date.now() / 1000);
      const headers = { "x-rotabot-timestamp": String(ts), "x-rotabot-signature": signLeadEvent(secret, ts, body) };
      expect(verifyRotabot(secret, headers, body)).toBe(true);
      expect(verifyRotabot(secret, headers, body.replace("created", "redacted"))).toBe(false);
      expect(verifyRotabot("another-secret-0123456789", headers, body)).toBe(false);
      expect(verifyRotabot(secret, headers, body, ts + 600)).toBe(false);
      expect(verifyRotabot(secret, { "x-rotabot-timestamp": String(ts) }, body)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
