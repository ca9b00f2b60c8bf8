import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkKnowledge } from "../../src/knowledge/loader.js";
import { KNOWLEDGE_DIR } from "../helpers/bot.js";
import { copyKnowledge } from "../helpers/knowledge-dir.js";

describe("the README's worked example of adding an entry", () => {
  it("is a valid entry that the real knowledge base accepts", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("### Worked example"));
    const entry = /```markdown\n([\s\S]*?)```/.exec(section)?.[1];
    const file = /Create\s+`knowledge\/([a-z0-9-]+\.md)`/.exec(section)?.[1];
    expect(entry).toBeDefined();
    expect(file).toBe("logistics-visa-waiver.md");
    const kb = copyKnowledge(KNOWLEDGE_DIR);
    kb.write(file as string, entry as string);
    const result = checkKnowledge(kb.dir, new Date("2026-11-22T00:00:00Z"));
    kb.remove();
    expect(result.errors).toEqual([]);
    expect(result.kb?.byId.get("logistics-visa-waiver")?.intent).toBe("logistics");
  });
});
