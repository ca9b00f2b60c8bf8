import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KnowledgeError } from "../../src/core/errors.js";
import { checkKnowledge, loadKnowledge } from "../../src/knowledge/loader.js";

const FIXTURE = new URL("../fixtures/knowledge-min", import.meta.url).pathname;
const today = new Date("2026-11-22T00:00:00Z");
const dirs: string[] = [];

/** A copy of the minimal fixture knowledge base that a test may break. */
function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "rotabot-kb-"));
  cpSync(FIXTURE, dir, { recursive: true });
  dirs.push(dir);
  return dir;
}
function edit(dir: string, file: string, change: (s: string) => string) {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("loading the knowledge base", () => {
  it("loads a valid directory into entries, vocabulary and messages", () => {
    const { kb, warnings } = loadKnowledge(FIXTURE, today);
    expect(kb.entries.map((e) => e.id).sort()).toEqual(["costs-observership", "out-of-scope-emergency", "rotation-types-observership"]);
    expect(kb.byId.get("costs-observership")?.facts?.costs?.[0]).toMatchObject({ route: "observership", min: 0, max: 3000 });
    expect(kb.byId.get("rotation-types-observership")?.audience).toEqual(["all"]);
    expect(kb.vocabulary.topics.observership).toContain("obs");
    expect(kb.messages.too_long).toContain("{limit}");
    expect(warnings).toEqual([]);
  });

  it("names the file, the line and the field of an invalid intent", () => {
    const dir = copyFixture();
    edit(dir, "costs-observership.md", (s) => s.replace("intent: costs", "intent: pricing"));
    const r = checkKnowledge(dir, today);
    expect(r.kb).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3, severity: "error" });
    expect(r.errors[0]?.file).toMatch(/costs-observership\.md$/);
    expect(r.errors[0]?.message).toMatch(/^intent: must be one of: eligibility, costs/);
  });

  it("reports a missing required field and an unknown field", () => {
    const dir = copyFixture();
    edit(dir, "rotation-types-observership.md", (s) => s.replace(/reviewed: .*\n/, "colour: blue\n"));
    const messages = checkKnowledge(dir, today).errors.map((e) => e.message);
    expect(messages).toContain("reviewed: is required");
    expect(messages.some((m) => /unknown field\(s\): colour/.test(m))).toBe(true);
  });

  it("reports YAML syntax errors at their line", () => {
    const dir = copyFixture();
    edit(dir, "rotation-types-observership.md", (s) => s.replace("topics: [observership]", "topics: [observership"));
    const [err] = checkKnowledge(dir, today).errors;
    expect(err?.message).toMatch(/^YAML syntax/);
    expect(err?.line).toBeGreaterThanOrEqual(5);
  });

  it("rejects duplicate ids, unknown related entries and unknown topics", () => {
    const dir = copyFixture();
    edit(dir, "costs-observership.md", (s) => s.replace("related: [rotation-types-observership]", "related: [no-such-entry]").replace("topics: [observership]", "topics: [nothing]"));
    writeFileSync(join(dir, "copy.md"), readFileSync(join(dir, "rotation-types-observership.md"), "utf8").replace(/what is an observership|explain observerships|what do observers do/g, (m) => `${m} again`));
    const messages = checkKnowledge(dir, today).errors.map((e) => `${e.file.split("/").pop()}:${e.line}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rotation-types-observership\.md:2: duplicate id "rotation-types-observership" \(also in .*copy\.md\)/),
        expect.stringMatching(/^copy\.md:\d+: id "rotation-types-observership" must match the file name "copy"/),
        expect.stringMatching(/^costs-observership\.md:16: related entry "no-such-entry" does not exist/),
        expect.stringMatching(/^costs-observership\.md:6: unknown topic "nothing"/),
      ]),
    );
  });

  it("rejects an example question that another entry already uses", () => {
    const dir = copyFixture();
    edit(dir, "rotation-types-observership.md", (s) => s.replace("explain observerships", "Observership fees?"));
    const [err] = checkKnowledge(dir, today).errors;
    expect(err?.message).toMatch(/example question "Observership fees\?" is also an example of costs-observership/);
  });

  it("requires sources on factual answers but not on out-of-scope ones", () => {
    const dir = copyFixture();
    edit(dir, "rotation-types-observership.md", (s) => s.replace(/sources:\n  - name: Test source\n/, ""));
    const errors = checkKnowledge(dir, today).errors;
    expect(errors.map((e) => e.message)).toEqual(['a "rotation_types" answer states facts, so it needs at least one source']);
  });

  it("warns, without failing, when a review date has passed", () => {
    const r = checkKnowledge(FIXTURE, new Date("2027-07-01T00:00:00Z"));
    expect(r.kb).not.toBeNull();
    expect(r.warnings.map((w) => w.message)).toEqual(["review date 2027-06-30 has passed: check the facts and update reviewed/review_by"]);
  });

  it("warns when an entry's direct answer (its first paragraph) is longer than answer_max_chars, and where", () => {
    const dir = copyFixture();
    edit(dir, "_messages.yaml", (s) => `${s.replace(/^answer_max_chars:.*\n/m, "")}\nanswer_max_chars: 150\n`);
    edit(dir, "costs-observership.md", (s) => s.replace(/\n---\n/, `\n---\n${"A long first paragraph about observership fees. ".repeat(4)}\n\n`));
    const r = checkKnowledge(dir, today);
    expect(r.errors).toEqual([]);
    const long = r.warnings.filter((w) => w.message.startsWith("the first paragraph"));
    expect(long).toHaveLength(1);
    expect(long[0]?.file).toMatch(/costs-observership\.md$/);
    expect(long[0]?.message).toMatch(/is \d+ characters, over answer_max_chars \(150\)/);
  });

  it("reports a missing vocabulary or messages file", () => {
    const dir = copyFixture();
    rmSync(join(dir, "_messages.yaml"));
    expect(checkKnowledge(dir, today).errors.map((e) => e.message)).toEqual(["missing: the knowledge directory needs _messages.yaml"]);
  });

  it("throws a KnowledgeError whose message lists every problem as file:line: message", () => {
    const dir = copyFixture();
    edit(dir, "costs-observership.md", (s) => s.replace("min: 0, max: 3000", "min: 5000, max: 3000"));
    expect(() => loadKnowledge(dir, today)).toThrow(KnowledgeError);
    expect(() => loadKnowledge(dir, today)).toThrow(/costs-observership\.md:\d+: facts\.costs\.0: max must be at least min/);
  });
});
