import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_CLAIM, ACTION_RELEASE } from "../../src/channels/slack/card.js";
import { realKnowledge } from "../helpers/bot.js";
import { databaseKinds } from "../helpers/databases.js";
import { TELEGRAM_SECRET } from "../helpers/server.js";
import { startSlackTestServer, type SlackTestServer } from "../helpers/slack-server.js";
import { LEADS_CHANNEL, postSlackAction, postSlackEvent, threadReply } from "../helpers/slack-requests.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";

/**
 * The full loop with nothing stubbed: the student asks for a counselor on
 * Telegram and answers the lead form through the real bot, which writes the
 * lead and its card row. Answers are picked by the form step stored on the
 * lead.
 */
const messages = realKnowledge().messages;
const ANSWERS: Record<string, string> = {
  consent: "yes",
  name: "Priya Raman",
  contact: "priya@example.org",
  best_time: "evenings, India time",
  status: "final-year medical student",
  specialty: "internal medicine",
  target_start: "March 2027",
};

// On PostgreSQL the turns run in rotabot serve's worker thread and the desk in its server thread.
describe.each(databaseKinds)("the full counselor loop through the real bot on $name", ({ name }) => {
  let t: SlackTestServer;
  beforeAll(async () => {
    t = await startSlackTestServer(name);
  });
  afterAll(async () => t?.close());
  const lead = async (chat: number) =>
    (await t.db.query<{ id: number; status: string; step: string | null; slack_ts: string | null }>("SELECT id, status, step, slack_ts FROM leads WHERE conversation = $1 ORDER BY id DESC LIMIT 1", [String(chat)])).rows[0];
  const say = async (chat: number, text: string) => {
    const n = t.telegram.sent(chat).length;
    expect((await postTelegram(t.url, tgText({ chatId: chat, text }), { secret: TELEGRAM_SECRET })).status).toBe(200);
    await t.until(() => t.telegram.sent(chat).length > n, `an answer to "${text}"`);
  };

  it("asks for a counselor, fills the form, and talks with a counselor from Slack and back", async () => {
    const chat = name === "postgres" ? 7_950_002 : 7_950_001;
    await say(chat, "I want to talk to a counselor");
    for (let step = 0; step < 10; step++) {
      const l = await lead(chat);
      if (!l || l.status !== "collecting") break;
      await say(chat, ANSWERS[l.step ?? ""] ?? "skip");
    }
    await t.until(async () => (await lead(chat))?.slack_ts != null, "the card in Slack");
    const { id, slack_ts: ts } = (await lead(chat)) as { id: number; slack_ts: string };
    expect(t.slack.cards(LEADS_CHANNEL).some((c) => c.ts === ts)).toBe(true);

    await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user: "UANA00001", responseUrl: t.slack.responseUrl("claim") });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === messages.lead_claimed), "the claim notice");
    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: "1960000000.000001", user: "UANA00001", text: "Hi Priya, Ana here." }));
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === "Hi Priya, Ana here."), "the counselor's reply");

    // While claimed, the bot is silent: the student's message only goes to the thread.
    const n = t.telegram.sent(chat).length;
    await postTelegram(t.url, tgText({ chatId: chat, text: "Thanks Ana, evenings work best" }), { secret: TELEGRAM_SECRET });
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes("evenings work best")), "the student's message in the thread");
    expect(t.telegram.sent(chat).length).toBe(n);

    await postSlackAction(t.url, { actionId: ACTION_RELEASE, value: String(id), user: "UANA00001", responseUrl: t.slack.responseUrl("release") });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === messages.lead_released), "the release notice");
    await say(chat, "how much does an observership cost?");
    expect(t.telegram.sent(chat).at(-1)?.text).toMatch(/observership/i);
  });
});
