import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

/** The variables src/config.ts reads: the keys of its envSchema (it is the only module that reads the environment). */
function configVariables(): string[] {
  const source = read("src/config.ts");
  const schema = source.slice(source.indexOf("const envSchema = z.object({"), source.indexOf("\n});", source.indexOf("const envSchema")));
  return [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):\s*z\b/gm)].map((m) => m[1] as string).sort();
}

/** The variables .env.example mentions, set or commented out. */
function exampleVariables(): string[] {
  return [...read(".env.example").matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string).sort();
}

describe(".env.example", () => {
  it("lists every setting src/config.ts reads, and nothing else", () => {
    const config = configVariables();
    expect(config.length).toBeGreaterThan(30);
    expect(config).toContain("ROTABOT_CONSOLE_USER");
    expect(exampleVariables()).toEqual(config);
  });

  it("is itself a valid configuration once its commented values are left out", () => {
    const set = Object.fromEntries([...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => loadConfig(set)).not.toThrow();
  });
});

describe("the licence", () => {
  it("is the MIT licence package.json names", () => {
    expect(JSON.parse(read("package.json")).license).toBe("MIT");
    expect(read("LICENSE")).toMatch(/^MIT License\n\nCopyright \(c\) 2026 rotabot contributors/);
  });
});
