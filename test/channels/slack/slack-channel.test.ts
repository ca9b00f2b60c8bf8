import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_CLAIM, ACTION_CLOSE, ACTION_RELEASE } from "../../../src/channels/slack/card.js";
import { FAKE_BOT_ID, FAKE_BOT_USER_ID } from "../../fakes/slack-api.js";
import { databaseKinds } from "../../helpers/databases.js";
import { insertLead } from "../../helpers/leads.js";
import { realKnowledge } from "../../helpers/bot.js";
import { startSlackTestServer, type SlackTestServer } from "../../helpers/slack-server.js";
import { LEADS_CHANNEL, postSlackAction, postSlackEvent, threadReply } from "../../helpers/slack-requests.js";
import { postTelegram, tgText } from "../../helpers/telegram-updates.js";
import { TELEGRAM_SECRET } from "../../helpers/server.js";

let chatSeq = 7_100_000;
const newChat = () => ++chatSeq;
let tsSeq = 0;
const nextTs = () => `1900000000.${String(++tsSeq).padStart(6, "0")}`;
const messages = realKnowledge().messages;
const ANA = "UANA00001";
const BEN = "UBEN00002";

describe.each(databaseKinds)("counselors in Slack, on $name", ({ name }) => {
  let t: SlackTestServer;
  beforeAll(async () => {
    t = await startSlackTestServer(name);
  });
  afterAll(async () => t?.close());
  const texts = (chat: number) => t.telegram.sent(chat).map((m) => m.text);
  const leadRow = async (id: number) => (await t.db.query<{ status: string; claimed_by: string | null; outcome: string | null; unreachable: string | null }>("SELECT status, claimed_by, outcome, unreachable FROM leads WHERE id = $1", [id])).rows[0];
  const claim = (id: number, user: string, respond = `claim-${id}-${user}`) => postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user, responseUrl: t.slack.responseUrl(respond) });
  const reply = (ts: string, user: string, text: string, o: { eventId?: string; retryNum?: number; subtype?: string; botId?: string; ts?: string } = {}) =>
    postSlackEvent(t.url, threadReply({ threadTs: ts, ts: o.ts ?? nextTs(), user, text, subtype: o.subtype, botId: o.botId }), { eventId: o.eventId, retryNum: o.retryNum });
  /** Lets the worker and the relay run, then checks nothing more arrived. */
  const settle = () => new Promise((r) => setTimeout(r, 400));

  it("refuses unsigned, wrongly signed and stale requests before reading them", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    const unsigned = await fetch(`${t.url}/slack/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "event_callback", event: threadReply({ threadTs: ts, ts: nextTs(), user: ANA, text: "x" }) }) });
    expect(unsigned.status).toBe(401);
    expect((await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: nextTs(), user: ANA, text: "x" }), { signature: "v0=deadbeef" })).status).toBe(401);
    expect((await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: nextTs(), user: ANA, text: "x" }), { signedAt: new Date(Date.now() - 10 * 60_000) })).status).toBe(401);
    expect((await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user: BEN, responseUrl: t.slack.responseUrl("x") }, { secret: "wrong-secret" })).status).toBe(401);
    await settle();
    expect(await leadRow(id)).toMatchObject({ status: "queued", claimed_by: null });
    expect(texts(chat)).toEqual([]);
  });

  it("posts a card with Claim, gives it to one of two counselors clicking at once, and tells the other who has it", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    const card = t.slack.cards(LEADS_CHANNEL).find((c) => c.ts === ts);
    expect(JSON.stringify(card?.blocks)).toContain(ACTION_CLAIM);
    const results = await Promise.all([claim(id, ANA, `race-${id}-a`), claim(id, BEN, `race-${id}-b`), claim(id, ANA, `race-${id}-a2`)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const row = await leadRow(id);
    expect(row?.status).toBe("claimed");
    const loser = row?.claimed_by === ANA ? BEN : ANA;
    await t.until(() => t.slack.responses.some((r) => r.id.startsWith(`race-${id}-${loser === ANA ? "a" : "b"}`)), "the loser's notice");
    // The winner's own second click is a no-op; every click of the loser is told who holds the lead.
    const loserClicks = loser === ANA ? 2 : 1;
    await t.until(() => t.slack.responses.filter((r) => r.id.startsWith(`race-${id}-`)).length === loserClicks, "a notice per losing click");
    await settle();
    const notices = t.slack.responses.filter((r) => r.id.startsWith(`race-${id}-`));
    expect(notices.map((n) => n.body.text)).toEqual(Array(loserClicks).fill(`Already claimed by <@${row?.claimed_by}>.`));
    expect(notices[0]?.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    await t.until(() => (card?.updates ?? 0) >= 1, "the card update");
    expect(JSON.stringify(card?.blocks)).toContain(`Claimed by* <@${row?.claimed_by}>`);
    await t.until(() => texts(chat).includes(messages.lead_claimed), "the student's notice");
    await settle();
    expect(texts(chat).filter((x) => x === messages.lead_claimed)).toHaveLength(1);
  });

  it("relays the holder's thread reply to the student once, however often Slack retries it", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    await claim(id, ANA);
    const messageTs = nextTs();
    const first = await reply(ts, ANA, "Hi <@UBEN00002>, I'm Ana <!channel>. See <https://example.org/fees|our fees>.", { ts: messageTs, eventId: "EvRetry1" });
    expect(first.status).toBe(200);
    const retries = await Promise.all([1, 2, 3].map((n) => reply(ts, ANA, "Hi <@UBEN00002>, I'm Ana <!channel>. See <https://example.org/fees|our fees>.", { ts: messageTs, eventId: "EvRetry1", retryNum: n })));
    expect(retries.map((r) => r.status)).toEqual([200, 200, 200]);
    await t.until(() => texts(chat).some((x) => x.includes("Ana")), "the relayed reply");
    await settle();
    expect(texts(chat).filter((x) => x.includes("Ana"))).toEqual(["Hi, I'm Ana. See our fees (https://example.org/fees)."]);
  });

  it("relays nothing from notes, the bot itself, edits, deletions, other counselors or unmapped threads", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    await claim(id, ANA);
    await t.until(() => texts(chat).length === 1, "the claim notice");
    await reply(ts, ANA, "note: she prefers evenings");
    // Notes in Slack's markup, as a quote, or behind an invisible character (issue 14, medium 5).
    for (const note of ["*note:* she is anxious", "_note:_ check her visa", "`note:` fee waived", "&gt; note: call her mother", "\u200Bnote: hidden", "*Note*: bold word only", "ｎｏｔｅ： full width"]) {
      await reply(ts, ANA, note);
    }
    await reply(ts, FAKE_BOT_USER_ID, "bot post", { botId: FAKE_BOT_ID });
    await reply(ts, ANA, "edited", { subtype: "message_changed" });
    await reply(ts, ANA, "", { subtype: "message_deleted" });
    await reply(ts, ANA, "see the attached brochure", { subtype: "file_share" });
    await reply("1111111111.000001", ANA, "unmapped thread");
    await postSlackEvent(t.url, { type: "message", channel: LEADS_CHANNEL, user: ANA, text: "top-level chatter", ts: nextTs() });
    const other = await reply(ts, BEN, "I can help too");
    expect(other.status).toBe(200);
    await t.until(() => t.slack.ok("chat.postEphemeral").some((c) => c.body.user === BEN), "the private note to the other counselor");
    await t.until(() => t.slack.ok("chat.postEphemeral").some((c) => c.body.user === ANA && /Files are not sent/.test(c.body.text)), "the note about files");
    await settle();
    expect(texts(chat)).toEqual([messages.lead_claimed]);
  });

  it("claims an unclaimed lead for the counselor who replies in its thread, and splits a long reply in order", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    const long = Array.from({ length: 50 }, (_, i) => `Paragraph ${i + 1}: ${"details ".repeat(12)}`).join("\n\n");
    expect(long.length).toBeGreaterThan(4096);
    await reply(ts, BEN, long);
    await t.until(() => texts(chat).length >= 3, "the claim notice and the split reply");
    expect((await leadRow(id))?.claimed_by).toBe(BEN);
    const [notice, ...pieces] = texts(chat);
    expect(notice).toBe(messages.lead_claimed);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(4096);
    expect(pieces.join("\n\n").replace(/\s+/g, " ")).toBe(long.replace(/\s+/g, " ").trim());
  });

  it("relays a reply whose event never came, once, from the reconciler", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    await claim(id, ANA);
    t.slack.addHumanReply(LEADS_CHANNEL, ts, ANA, "Sorry for the wait, here is the plan.");
    t.slack.addHumanReply(LEADS_CHANNEL, ts, ANA, "note: internal");
    expect(await t.server.slack?.jobs.reconcile()).toBeGreaterThanOrEqual(1);
    expect(await t.server.slack?.jobs.reconcile()).toBe(0);
    await t.until(() => texts(chat).includes("Sorry for the wait, here is the plan."), "the reconciled reply");
    await settle();
    expect(texts(chat).filter((x) => x.startsWith("Sorry"))).toHaveLength(1);
  });

  it("gives the conversation back on Release and Close, telling the student each time", async () => {
    const chat = newChat();
    const { id } = await t.postedLead({ conversation: String(chat) });
    await claim(id, ANA);
    const rel = await postSlackAction(t.url, { actionId: ACTION_RELEASE, value: String(id), user: BEN, responseUrl: t.slack.responseUrl(`rel-${id}-ben`) });
    expect(rel.status).toBe(200);
    await t.until(() => t.slack.responses.some((r) => r.id === `rel-${id}-ben`), "the refusal");
    expect((await leadRow(id))?.status).toBe("claimed");
    await postSlackAction(t.url, { actionId: ACTION_RELEASE, value: String(id), user: ANA, responseUrl: t.slack.responseUrl("r") });
    expect((await leadRow(id))?.status).toBe("queued");
    await postSlackAction(t.url, { actionId: ACTION_CLOSE, selected: `${id}:booked`, user: ANA, responseUrl: t.slack.responseUrl("c") });
    expect(await leadRow(id)).toMatchObject({ status: "closed", outcome: "booked" });
    await t.until(() => texts(chat).includes(messages.lead_closed), "the close notice");
    expect(texts(chat)).toEqual([messages.lead_claimed, messages.lead_released, messages.lead_closed]);
  });

  it("re-announces an unclaimed lead after the claim timeout and tells the student an honest wait", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    await t.db.query("UPDATE leads SET announced_at = announced_at - interval '20 minutes' WHERE id = $1", [id]);
    expect(await t.server.slack?.jobs.reannounceDue()).toBeGreaterThanOrEqual(1);
    await t.until(() => texts(chat).includes(messages.lead_wait), "the wait notice");
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.reply_broadcast && m.text.includes("Still unclaimed")), "the re-announcement");
    expect(await t.server.slack?.jobs.reannounceDue()).toBe(0);
  });

  it("counts Slack deliveries and dead Slack rows in /metrics", async () => {
    t.slack.fault({ kind: "error", error: "invalid_blocks", method: "chat.postMessage", times: 1 });
    const chat = newChat();
    await insertLead(t.db, { conversation: String(chat) });
    t.server.slack?.relay.notify();
    await t.until(async () => /rotabot_queue_depth\{channel="slack",queue="dead"\} [1-9]/.test(await (await fetch(`${t.url}/metrics`)).text()), "the dead Slack row in /metrics");
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/rotabot_deliveries_total\{channel="slack",outcome="sent"\} [1-9]/);
    expect(metrics).toMatch(/rotabot_deliveries_total\{channel="slack",outcome="undeliverable"\} 1/);
  });

  it("tells the thread and flags the card when the student blocked the bot (Telegram 403)", async () => {
    const chat = newChat();
    const { id, ts } = await t.postedLead({ conversation: String(chat) });
    await claim(id, ANA);
    await t.until(() => texts(chat).length === 1, "the claim notice");
    t.telegram.fault({ kind: "blocked", chatId: chat });
    await reply(ts, ANA, "Are you still there?");
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes("was not sent")), "the thread notice");
    expect((await leadRow(id))?.unreachable).toMatch(/blocked/);
    await t.until(() => JSON.stringify(t.slack.cards(LEADS_CHANNEL).find((c) => c.ts === ts)?.blocks).includes("Student unreachable"), "the card flag");
    const sends = t.telegram.calls.filter((c) => c.method === "sendMessage" && String(c.body.chat_id) === String(chat) && c.status === 403);
    expect(sends).toHaveLength(1);
    t.telegram.clearFaults();

    // The student unblocks the bot and writes again: reachable once more, the card loses its flag.
    await postTelegram(t.url, tgText({ chatId: chat, text: "Sorry, I'm back" }), { secret: TELEGRAM_SECRET });
    await t.until(async () => (await leadRow(id))?.unreachable === null, "the flag cleared");
    await t.until(() => {
      const card = JSON.stringify(t.slack.cards(LEADS_CHANNEL).find((c) => c.ts === ts)?.blocks);
      return card.includes("Student unreachable") === false && card.length > 10;
    }, "the card without the flag");
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes("I'm back")), "the message in the thread");
  });

  it("never sends a free-form WhatsApp reply 25 hours after the student's last message; the thread says the window closed", async () => {
    const waId = "15550001111";
    await t.db.query(
      `INSERT INTO messages (channel, conversation, external_id, direction, sender, text, created_at) VALUES ('whatsapp', $1, 'wamid.old1', 'in', $1, 'hello', now() - interval '25 hours')`,
      [waId],
    );
    const { id, ts } = await t.postedLead({ channel: "whatsapp", conversation: waId });
    await t.db.query("UPDATE leads SET status = 'claimed', claimed_by = $2 WHERE id = $1", [id, ANA]);
    await reply(ts, ANA, "Hi from Ana");
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes("WhatsApp window closed")), "the window notice");
    expect(t.graph.sent(waId)).toEqual([]);
    expect((await leadRow(id))?.unreachable).toMatch(/window closed/);
  });
});
