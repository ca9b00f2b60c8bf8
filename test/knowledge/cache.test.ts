import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cachedKnowledge, knowledgeCacheKey } from "../../src/knowledge/cache.js";
import { loadKnowledge } from "../../src/knowledge/loader.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "knowledge-min");
const today = new Date("2026-12-03T10:00:00Z");
const temps: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "rotabot-kcache-"));
  temps.push(d);
  return d;
};
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the knowledge cache", () => {
  it("serves the same checked base from disk on the next start, without loading the files", () => {
    const cacheDir = temp();
    const load = vi.fn(loadKnowledge);
    const first = cachedKnowledge(load, { cacheDir })(FIXTURE, today);
    expect(load).toHaveBeenCalledTimes(1);
    expect(readdirSync(cacheDir)).toHaveLength(1);

    const again = vi.fn(loadKnowledge);
    const second = cachedKnowledge(again, { cacheDir })(FIXTURE, today);
    expect(again).not.toHaveBeenCalled();
    expect(isDeepStrictEqual(second, first)).toBe(true);
    // As the loader hands it out: frozen, and byId points at the entries themselves.
    expect(Object.isFrozen(second.kb)).toBe(true);
    expect(Object.isFrozen(second.kb.entries)).toBe(true);
    for (const e of second.kb.entries) expect(second.kb.byId.get(e.id)).toBe(e);
  });

  it("loads again when a file changes, and on another day (review dates)", () => {
    const dir = temp();
    cpSync(FIXTURE, dir, { recursive: true });
    const key = knowledgeCacheKey(dir, today);
    const entry = readdirSync(dir).find((f) => f.endsWith(".md")) as string;
    appendFileSync(join(dir, entry), "\nOne more sentence.\n");
    expect(knowledgeCacheKey(dir, today)).not.toBe(key);
    expect(knowledgeCacheKey(dir, new Date("2026-12-04T10:00:00Z"))).not.toBe(knowledgeCacheKey(dir, today));

    const cacheDir = temp();
    const load = vi.fn(loadKnowledge);
    const cached = cachedKnowledge(load, { cacheDir });
    cached(dir, today);
    writeFileSync(join(dir, entry), readFileSync(join(FIXTURE, entry), "utf8"));
    const back = cached(dir, today);
    expect(load).toHaveBeenCalledTimes(2);
    expect(back.kb.entries.find((e) => e.file === entry)?.body).not.toContain("One more sentence.");
  });

  it("still loads when the cache cannot be written", () => {
    // A file where the cache directory should be: mkdir fails, even for root.
    const blocker = join(temp(), "not-a-directory");
    writeFileSync(blocker, "");
    const load = vi.fn(loadKnowledge);
    expect(cachedKnowledge(load, { cacheDir: join(blocker, "cache") })(FIXTURE, today).kb.entries.length).toBeGreaterThan(0);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("keeps a broken knowledge base out of the cache: the load's error reaches the caller", () => {
    const dir = temp();
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, "_messages.yaml"), ": not: valid: yaml: [");
    const cacheDir = temp();
    expect(() => cachedKnowledge(loadKnowledge, { cacheDir })(dir, today)).toThrow();
    expect(readdirSync(cacheDir)).toHaveLength(0);
  });
});
