import { afterEach, describe, expect, it } from "vitest";
import { createBot } from "../../src/dialog/bot.js";
import { watchKnowledge, type ReloadingKnowledge } from "../../src/knowledge/watch.js";
import { prepareKnowledge, type LoadedKnowledge } from "../../src/nlu/knowledge-source.js";
import { createLogger } from "../../src/logger.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { createPgliteTestDatabase } from "../helpers/databases.js";
import { copyKnowledge } from "../helpers/knowledge-dir.js";

/** Polls until `check` passes or two seconds are up: the promise made to admins. */
async function within2s(check: () => boolean): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 2000) throw new Error("not picked up within 2 seconds");
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup() {
  const kb = copyKnowledge();
  const logs: string[] = [];
  const logger = createLogger("info", { write: (line: string) => logs.push(line) });
  const watched: ReloadingKnowledge<LoadedKnowledge> = watchKnowledge(kb.dir, (k) => prepareKnowledge(k), { logger, debounceMs: 100 });
  cleanups.push(() => watched.close(), kb.remove);
  const body = (id: string) => watched.current().kb.byId.get(id)?.body;
  return { kb, logs, watched, body };
}

describe("hot reload of the knowledge base", () => {
  it("picks up a saved edit within 2 seconds", async () => {
    const { kb, body, logs } = setup();
    kb.edit("costs-observership.md", (s) => s.replace("Observerships range from free to a few thousand dollars.", "Updated answer about observership costs."));
    await within2s(() => body("costs-observership") === "Updated answer about observership costs.");
    expect(logs.some((l) => /knowledge reloaded/.test(l))).toBe(true);
  });

  it("picks up a new entry and a removed one", async () => {
    const { kb, watched } = setup();
    kb.write("costs-new.md", kb.read("costs-observership.md").replace("id: costs-observership", "id: costs-new").replace(/  - (how|observership|is) (.*)\n/g, "  - new $1 $2\n"));
    await within2s(() => watched.current().kb.byId.has("costs-new"));
  });

  it("rejects an invalid edit with the kb check message and keeps serving the last good version", async () => {
    const { kb, body, logs, watched } = setup();
    const before = watched.current();
    kb.edit("costs-observership.md", (s) => s.replace("intent: costs", "intent: prices").replace("Observerships range", "Broken edit"));
    await within2s(() => logs.some((l) => /knowledge edit rejected/.test(l)));
    const rejected = JSON.parse(logs.find((l) => /knowledge edit rejected/.test(l)) as string) as { level: number; msg: string; errors: string[] };
    expect(rejected.level).toBe(50);
    expect(rejected.errors).toEqual([expect.stringMatching(/costs-observership\.md:3: intent: must be one of: /)]);
    expect(rejected.msg).toContain(rejected.errors[0]);
    expect(watched.current()).toBe(before);
    expect(body("costs-observership")).toBe("Observerships range from free to a few thousand dollars.");

    kb.edit("costs-observership.md", (s) => s.replace("intent: prices", "intent: costs"));
    await within2s(() => body("costs-observership") === "Broken edit from free to a few thousand dollars.");
  });

  it("changes what a running bot answers, without a restart", async () => {
    const { kb, watched, body } = setup();
    const db = await createPgliteTestDatabase();
    cleanups.push(() => void db.dispose());
    const bot = createBot({ store: createSqlStore(db.driver), knowledge: watched });
    const ask = async (id: string) =>
      (await bot.handle({ id, channel: "test", conversation: "c", sender: "c", text: "how much does an observership cost", receivedAt: new Date() })).replies[0]?.text ?? "";
    expect(await ask("1")).toContain("Observerships range from free");
    kb.edit("costs-observership.md", (s) => s.replace("Observerships range from free", "Observerships now range from free"));
    await within2s(() => body("costs-observership")?.startsWith("Observerships now") === true);
    expect(await ask("2")).toContain("Observerships now range from free");
  });
});
