import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_CLAIM } from "../../src/channels/slack/card.js";
import { ERASED_THREAD_MESSAGE } from "../../src/channels/slack/card.js";
import { realKnowledge } from "../helpers/bot.js";
import { databaseKinds } from "../helpers/databases.js";
import { CANARY } from "../helpers/logs.js";
import { WHATSAPP_APP_SECRET } from "../helpers/server.js";
import { startSlackTestServer, type SlackTestServer } from "../helpers/slack-server.js";
import { LEADS_CHANNEL, postSlackAction, postSlackEvent, threadReply } from "../helpers/slack-requests.js";
import { postWhatsApp, waEnvelope, waStatus, waText } from "../helpers/whatsapp-webhook.js";

/**
 * Issue 14, medium 3 (RELIABILITY.md case 28): after /forget no table holds
 * anything of the student: not their phone number (their WhatsApp id), name,
 * email or words. The check scans every column of every table the migrations
 * made (information_schema), so a table added later cannot escape it. The
 * student's words already posted into the lead's Slack thread are erased there.
 */

const messages = realKnowledge().messages;
const TEXT_CANARY = "quetzalcoatl-marmalade";
const ANSWERS: Record<string, string> = {
  consent: "yes",
  name: CANARY.name,
  contact: CANARY.email,
  best_time: "evenings, India time",
  status: "final-year medical student",
  specialty: "internal medicine",
  target_start: "March 2027",
};

describe.each(databaseKinds)("/forget leaves no trace on $name", ({ name }) => {
  let t: SlackTestServer;
  beforeAll(async () => {
    t = await startSlackTestServer(name);
  });
  afterAll(async () => t?.close());

  const phone = name === "postgres" ? "4915550170002" : "4915550170001";
  const wa = async (body: ReturnType<typeof waEnvelope>) => {
    for (const m of body.entry[0]?.changes[0]?.value.messages ?? []) t.graph.noteInbound(m.from);
    expect((await postWhatsApp(t.url, body, { appSecret: WHATSAPP_APP_SECRET })).status).toBe(200);
  };
  const say = async (text: string) => {
    const n = t.graph.sent(phone).length;
    await wa(waEnvelope(waText({ from: phone, text, name: CANARY.name })));
    await t.until(() => t.graph.sent(phone).length > n, `an answer to "${text}"`);
  };
  const lead = async () =>
    (await t.db.query<{ id: number; status: string; step: string | null; slack_ts: string | null }>("SELECT id, status, step, slack_ts FROM leads WHERE channel = 'whatsapp' ORDER BY id DESC LIMIT 1")).rows[0];

  /** Every (table, column) holding one of the needles, as text. */
  async function traces(needles: string[]): Promise<string[]> {
    const columns = await t.db.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY 1, 2`,
    );
    expect(columns.rows.length).toBeGreaterThan(40);
    const found: string[] = [];
    for (const { table_name: table, column_name: column } of columns.rows) {
      for (const needle of needles) {
        const r = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM "${table}" WHERE position(lower($1) IN lower("${column}"::text)) > 0`, [needle]);
        if (Number(r.rows[0]?.n) > 0) found.push(`${table}.${column} holds ${needle}`);
      }
    }
    return found;
  }

  it("erases the phone number, name, email and texts from every table, and the student's words from the Slack thread", async () => {
    const needles = [phone, CANARY.name, CANARY.email, TEXT_CANARY];
    await say(`I want to talk to a counselor about ${TEXT_CANARY}`);
    for (let step = 0; step < 10; step++) {
      const l = await lead();
      if (!l || l.status !== "collecting") break;
      await say(ANSWERS[l.step ?? ""] ?? "skip");
    }
    await t.until(async () => (await lead())?.slack_ts != null, "the card in Slack");
    const { id, slack_ts: ts } = (await lead()) as { id: number; slack_ts: string };
    await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(id), user: "UANA00001", responseUrl: t.slack.responseUrl("claim") });
    await t.until(() => t.graph.sent(phone).some((m) => JSON.stringify(m).includes(messages.lead_claimed.slice(0, 30))), "the claim notice");
    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: "1960000000.000101", user: "UANA00001", text: "Hello, Ana here." }));
    await t.until(() => t.graph.sent(phone).some((m) => JSON.stringify(m).includes("Ana here")), "the counselor's reply");
    // While claimed, the student's words go to the Slack thread.
    await wa(waEnvelope(waText({ from: phone, text: `thanks, about ${TEXT_CANARY} again`, name: CANARY.name })));
    await t.until(() => t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes(TEXT_CANARY)), "the student's words in the thread");
    // A receipt of a reply (it names the phone number) and a dead letter (its body names the student).
    await wa(waEnvelope(waStatus({ messageId: "wamid.FORGET1", recipient: phone, status: "read" })));
    const order = { ...waText({ from: phone, text: "" }), type: "payment_note", payment_note: { text: `${TEXT_CANARY} ${CANARY.email}` } };
    await wa(waEnvelope(order));
    const dead = await t.db.query<{ body: string }>("SELECT body FROM dead_letters WHERE channel = 'whatsapp' AND sender = $1", [phone]);
    expect(dead.rows[0]?.body).toContain(TEXT_CANARY);
    expect((await traces(needles)).length).toBeGreaterThan(5);

    await t.server.worker.idle();
    await say("/forget");
    expect(JSON.stringify(t.graph.sent(phone).at(-1))).toContain(messages.forgotten.slice(0, 20));
    await t.server.worker.idle();
    await t.until(() => !t.slack.thread(LEADS_CHANNEL, ts).some((m) => m.text.includes(TEXT_CANARY) || m.text.includes(CANARY.name)), "the thread erased in Slack", 15_000);
    expect(t.slack.thread(LEADS_CHANNEL, ts).filter((m) => m.text === ERASED_THREAD_MESSAGE).length).toBeGreaterThan(0);
    // The confirmation's own receipt comes after the erasure; it is not kept.
    await wa(waEnvelope(waStatus({ messageId: "wamid.FORGET2", recipient: phone, status: "delivered" })));
    await t.until(async () => (await traces(needles)).length === 0, "no trace left", 10_000).catch(async () => {
      expect(await traces(needles)).toEqual([]);
    });
  }, 90_000);
});
