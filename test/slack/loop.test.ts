import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_CLAIM, ACTION_RELEASE } from "../../src/channels/slack/card.js";
import { createLogger } from "../../src/logger.js";
import { realKnowledge } from "../helpers/bot.js";
import { TELEGRAM_SECRET, WHATSAPP_APP_SECRET } from "../helpers/server.js";
import { startSlackTestServer, type SlackTestServer } from "../helpers/slack-server.js";
import { LEADS_CHANNEL, postSlackAction, postSlackEvent, threadReply } from "../helpers/slack-requests.js";
import { postTelegram, tgText, tgVoice } from "../helpers/telegram-updates.js";
import { postWhatsApp, waEnvelope, waText } from "../helpers/whatsapp-webhook.js";

/**
 * The whole hand-off loop, student side on the Telegram and WhatsApp fakes and
 * counselor side on the Slack fake, through `rotabot serve`. The student
 * fills the real lead form; its answers are picked by the form step stored on
 * the lead. Logs are captured at debug level and must carry none of the
 * student's or counselor's words.
 */
const messages = realKnowledge().messages;
const CANARY = { name: "Priya Canarysdottir", email: "priya.canary@example.org", phone: "+919812345678", student: "canary-question-about-my-visa", counselor: "canary-counselor-answer" };
let tsSeq = 0;
const nextTs = () => `1950000000.${String(++tsSeq).padStart(6, "0")}`;

describe("the counselor loop, end to end", () => {
  let t: SlackTestServer;
  const logs: string[] = [];
  beforeAll(async () => {
    t = await startSlackTestServer("pglite", { logger: createLogger("debug", { write: (line) => void logs.push(line) }) });
  });
  afterAll(async () => t?.close());

  const lead = async (conversation: string) =>
    (await t.db.query<{ id: number; status: string; step: string | null; slack_ts: string | null }>("SELECT id, status, step, slack_ts FROM leads WHERE conversation = $1 ORDER BY id DESC LIMIT 1", [conversation])).rows[0];
  /** Answers the form step by step through `say` until the lead is queued, then waits for its card. */
  const fillForm = async (conversation: string, answers: Record<string, string>, say: (text: string) => Promise<void>) => {
    for (let step = 0; step < 10; step++) {
      const l = await lead(conversation);
      if (!l || l.status !== "collecting") break;
      await say(answers[l.step ?? ""] ?? "skip");
    }
    await t.until(async () => (await lead(conversation))?.slack_ts != null, "the card in Slack");
    const { id, slack_ts: ts } = (await lead(conversation)) as { id: number; slack_ts: string };
    return { id, ts };
  };
  const sayTelegram = (chat: number) => async (text: string) => {
    const n = t.telegram.sent(chat).length;
    expect((await postTelegram(t.url, tgText({ chatId: chat, text }), { secret: TELEGRAM_SECRET })).status).toBe(200);
    await t.until(() => t.telegram.sent(chat).length > n, `an answer to "${text}"`);
  };
  const sayWhatsApp = (waId: string) => async (text: string) => {
    const n = t.graph.sent(waId).length;
    expect((await postWhatsApp(t.url, waEnvelope(waText({ from: waId, text })), { appSecret: WHATSAPP_APP_SECRET })).status).toBe(200);
    await t.until(() => t.graph.sent(waId).length > n, `an answer to "${text}"`);
  };

  it("Telegram: counselor request → card → claim → counselor's reply on the phone → student's answer in the thread → release → bot answers again", async () => {
    const chat = 7_900_001;
    expect((await postTelegram(t.url, tgText({ chatId: chat, text: "I want to talk to a counselor" }), { secret: TELEGRAM_SECRET })).status).toBe(200);
    await t.until(() => t.telegram.sent(chat).length >= 1, "the bot's answer");
    const before = t.telegram.sent(chat).length;

    const { id, ts } = await fillForm(String(chat), { consent: "yes", name: CANARY.name, contact: CANARY.email, best_time: "evenings" }, sayTelegram(chat));
    const card = t.slack.cards(LEADS_CHANNEL).find((c) => c.ts === ts);
    expect(JSON.stringify(card?.blocks)).toContain(CANARY.email);

    await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user: "UANA00001", responseUrl: t.slack.responseUrl("claim") });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === messages.lead_claimed), "the claim notice on Telegram");

    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: nextTs(), user: "UANA00001", text: `Hello! ${CANARY.counselor} <@UBEN00002>` }));
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === `Hello! ${CANARY.counselor}`), "the counselor's reply on Telegram");

    // The student answers; while the lead is claimed the message goes to the thread, not to the bot.
    await postTelegram(t.url, tgText({ chatId: chat, text: CANARY.student }), { secret: TELEGRAM_SECRET });
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes(CANARY.student)), "the student's answer in the thread");

    // A voice note cannot be relayed: the counselor sees a note, the student is asked to type it.
    await postTelegram(t.url, tgVoice({ chatId: chat }), { secret: TELEGRAM_SECRET });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === messages.lead_unreadable), "the request to type it");
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes(messages.lead_unreadable_note)), "the note in the thread");

    await postSlackAction(t.url, { actionId: ACTION_RELEASE, value: String(id), user: "UANA00001", responseUrl: t.slack.responseUrl("release") });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === messages.lead_released), "the release notice");
    const n = t.telegram.sent(chat).length;
    await postTelegram(t.url, tgText({ chatId: chat, text: "how much does an observership cost?" }), { secret: TELEGRAM_SECRET });
    // (Replies to earlier messages may still be arriving: look for the answer among what came after.)
    await t.until(() => t.telegram.sent(chat).slice(n).some((m) => /observership/i.test(m.text)), "the bot's answer after release");
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it("WhatsApp: the counselor's reply arrives on the student's phone while the window is open", async () => {
    const waId = "15550009999";
    t.graph.noteInbound(waId);
    await postWhatsApp(t.url, waEnvelope(waText({ from: waId, text: "can someone call me?" })), { appSecret: WHATSAPP_APP_SECRET });
    await t.until(() => t.graph.sent(waId).length >= 1, "the bot's answer on WhatsApp");
    const { id, ts } = await fillForm(waId, { consent: "no" }, sayWhatsApp(waId));
    expect(JSON.stringify(t.slack.cards(LEADS_CHANNEL).find((c) => c.ts === ts)?.blocks)).toContain("did not consent");
    await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user: "UBEN00002", responseUrl: t.slack.responseUrl("wa-claim") });
    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: nextTs(), user: "UBEN00002", text: "Hi, this is Ben from the counseling team." }));
    await t.until(() => t.graph.sent(waId).some((m) => JSON.stringify(m).includes("this is Ben")), "the counselor's reply on WhatsApp");
  });

  it("wrote none of the student's details or anyone's words to the logs", () => {
    const all = logs.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const canary of Object.values(CANARY)) expect(all).not.toContain(canary);
  });
});
