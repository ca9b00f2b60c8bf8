import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";

/**
 * Issue 14, medium 4: in a group chat several people share one conversation,
 * so the lead form (consent, name, contact details: one person's) runs in a
 * private chat only. In a group a request for a counselor is answered with
 * where to ask instead, and no lead, consent or contact is stored.
 */

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(() => t?.dispose());

const leads = () => realKnowledge().leads;
let seq = 0;
const say = (conversation: string, sender: string, text: string) =>
  t.bot.handle({ channel: "telegram", conversation, sender, id: `group-${++seq}`, text, receivedAt: new Date("2026-11-22T10:00:00Z") });
const count = async (sql: string, params: unknown[]) => Number((await t.db.driver.query<{ n: number }>(sql, params)).rows[0]?.n);

describe("the lead form in a group chat", () => {
  it("sends a member who asks for a counselor to a private chat, and stores no lead, consent or contact from anyone in the group", async () => {
    const group = "-1001234567890";
    const asked = await say(group, "111", "I want to talk to a counselor");
    expect(asked.replies.at(-1)?.text).toContain(leads()?.messages.private_only);
    expect(asked.replies.map((r) => r.text).join(" ")).not.toContain(leads()?.consent.text.slice(0, 30));
    // Another member answers as if the form had started.
    await say(group, "222", "yes");
    await say(group, "222", "Other Member");
    await say(group, "222", "other.member@example.org");
    expect(await count("SELECT count(*) AS n FROM leads WHERE conversation = $1", [group])).toBe(0);
    expect(await count("SELECT count(*) AS n FROM consents WHERE channel = 'telegram' AND sender IN ('111', '222')", [])).toBe(0);
  });

  it("never offers a counselor in a group, even on strong intent", async () => {
    const group = "-1009876543210";
    const r = await say(group, "333", "I am ready to pay and book a rotation now, how much does an observership cost?");
    expect(r.replies.map((x) => x.text).join(" ")).not.toContain(leads()?.messages.offer);
    await say(group, "333", "yes");
    expect(await count("SELECT count(*) AS n FROM leads WHERE conversation = $1", [group])).toBe(0);
  });

  it("still runs the form in a private chat", async () => {
    const asked = await say("444", "444", "I want to talk to a counselor");
    expect(asked.replies.at(-1)?.text).not.toContain(leads()?.messages.private_only);
    expect(await count("SELECT count(*) AS n FROM leads WHERE conversation = '444'", [])).toBe(1);
  });
});
