import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { LEAD_PAYLOAD } from "../../src/leads/form.js";
import { createLogger } from "../../src/logger.js";
import { createApp, type App } from "../../src/main.js";
import { KNOWLEDGE_DIR, realKnowledge } from "../helpers/bot.js";
import { startTestServer } from "../helpers/server.js";

/**
 * Issue 14, operator honesty: with no counselor desk configured (the default,
 * and always in the terminal chat) a finished lead form must not promise that
 * someone will make contact; the operator is warned once at start-up.
 */

const leads = realKnowledge().leads;
const lines: string[] = [];
let app: App;
let n = 0;
beforeAll(async () => {
  app = await createApp(loadConfig({ KNOWLEDGE_DIR }), { logger: createLogger("silent"), storage: { kind: "pglite" } });
});
afterAll(() => app?.close());

const say = async (text: string, payload?: string) => {
  const r = await app.bot.handle({ channel: "console", conversation: "nodesk", sender: "nodesk", id: `nd-${++n}`, text, payload, receivedAt: new Date() });
  return r.replies.map((x) => x.text).join("\n\n");
};

describe("leads without a counselor desk", () => {
  it("rotabot serve warns once at start-up that leads are only stored, and how to see them", async () => {
    const t = await startTestServer("pglite", { logger: createLogger("warn", { write: (line: string) => void lines.push(line) }) });
    await t.close();
    const warnings = lines.filter((l) => l.includes("no counselor desk or lead webhook is configured"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("only stored");
  }, 30_000);

  it("ends the form by saying the request is saved, never that a counselor will contact the student", async () => {
    await say("I want to talk to a counselor");
    await say("", LEAD_PAYLOAD.yes);
    let last = await say("Quillon Zephyrine");
    last = await say("zephyrine.canary@example.org");
    for (let i = 0; i < 6 && !last.includes(leads?.messages.queued_stored ?? "?"); i++) last = await say("skip");
    expect(last).toContain(leads?.messages.queued_stored);
    expect(last).not.toMatch(/will contact you|will reply to you/);
  });
});
