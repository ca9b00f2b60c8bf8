import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { Reply } from "../../src/core/model.js";
import { parseTelegramHtml } from "../fakes/telegram-api.js";
import { createTestBot, type TestBot } from "../helpers/bot.js";
import { startTestServer, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, type TestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";
import { openStream, webchatEnv, webchatSend, webchatSession, type TestStream } from "../helpers/webchat.js";
import { postWhatsApp, waEnvelope, waText } from "../helpers/whatsapp-webhook.js";

/**
 * One conversation script, one table of channels: every channel must say what
 * the console says, turn by turn, and show its quick replies as that
 * channel's buttons.
 */

const SCRIPT = [
  "/start",
  "what is an observership?",
  "how much does it cost?",
  "I graduated in 2022",
  "/profile",
  "asdfgh",
  "qwerty zxcv", // the second miss in a row offers a counselor
  "/forget",
];

/** What a student sees of one turn: the text (normalised) and the buttons' labels. */
interface Seen {
  text: string;
  buttons: string[];
}

/** Markup-free, whitespace-collapsed text, so that channels compare equal. */
const normalise = (text: string) => text.replace(/\*/g, "").replace(/\s+/g, " ").trim();

interface ChannelDriver {
  name: string;
  start(): Promise<void>;
  /** Sends one student message and returns what the student saw in answer. */
  say(text: string): Promise<Seen>;
  stop(): Promise<void>;
}

function fromReplies(replies: Reply[]): Seen {
  return { text: normalise(replies.map((r) => r.text).join(" ")), buttons: replies.flatMap((r) => (r.quickReplies ?? []).map((q) => q.title)) };
}

function consoleDriver(): ChannelDriver {
  let tb: TestBot;
  let n = 0;
  return {
    name: "console",
    async start() {
      tb = await createTestBot({ clock: systemClock });
    },
    async say(text) {
      const result = await tb.bot.handle({ id: `console-${++n}`, channel: "console", conversation: "contract", sender: "contract", text, receivedAt: new Date() });
      return fromReplies(result.replies);
    },
    stop: () => tb.dispose(),
  };
}

/** One server for the messenger channels, closed after the whole table. */
let server: TestServer | undefined;
const shared = async () => (server ??= await startTestServer("pglite", { env: webchatEnv }));
afterAll(async () => server?.close());
/** Waits until the turn is processed and its outbox delivered. */
const settled = async (t: TestServer) => {
  await t.server.worker.idle();
  await t.until(async () => Number((await t.db.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE status = 'pending'")).rows[0]?.n) === 0, "an empty outbox");
};

function telegramDriver(): ChannelDriver {
  let t: TestServer;
  const chat = 7_700_001;
  let seen = 0;
  return {
    name: "telegram",
    async start() {
      t = await shared();
    },
    async say(text) {
      expect((await postTelegram(t.url, tgText({ chatId: chat, text }), { secret: TELEGRAM_SECRET })).status).toBe(200);
      await settled(t);
      const messages = t.telegram.sent(chat).slice(seen);
      seen += messages.length;
      const visible = messages.map((m) => {
        const parsed = parseTelegramHtml(m.text);
        if ("error" in parsed) throw new Error(parsed.error);
        return parsed.text;
      });
      return {
        text: normalise(visible.join(" ")),
        buttons: messages.flatMap((m) => (m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)),
      };
    },
    stop: async () => {},
  };
}

type WaInteractive = { type: string; body: { text: string }; action: { buttons?: { reply: { title: string } }[]; sections?: { rows: { title: string; description?: string }[] }[] } };

function whatsappDriver(): ChannelDriver {
  let t: TestServer;
  const from = "491570000001";
  let seen = 0;
  return {
    name: "whatsapp",
    async start() {
      t = await shared();
    },
    async say(text) {
      t.graph.noteInbound(from);
      expect((await postWhatsApp(t.url, waEnvelope(waText({ from, text })), { appSecret: WHATSAPP_APP_SECRET })).status).toBe(200);
      await settled(t);
      const messages = t.graph.sent(from).slice(seen);
      seen += messages.length;
      const texts: string[] = [];
      const buttons: string[] = [];
      for (const m of messages) {
        if (m.type === "text") texts.push((m.text as { body: string }).body);
        else {
          const i = m.interactive as WaInteractive;
          texts.push(i.body.text);
          // A list row shortens a long title and carries it whole as the description.
          buttons.push(...(i.action.buttons ?? []).map((b) => b.reply.title), ...(i.action.sections ?? []).flatMap((s) => s.rows.map((r) => r.description ?? r.title)));
        }
      }
      return { text: normalise(texts.join(" ")), buttons };
    },
    stop: async () => {},
  };
}

/** The web chat as its widget uses it: a visitor token, messages posted, replies read from the event stream. */
function webchatDriver(): ChannelDriver {
  let t: TestServer;
  let token = "";
  let stream: TestStream;
  let seen = 0;
  return {
    name: "webchat",
    async start() {
      t = await shared();
      token = await webchatSession(t.url);
      stream = await openStream(t.url, token);
    },
    async say(text) {
      expect((await webchatSend(t.url, token, { text })).status).toBe(202);
      await settled(t);
      // Every reply stamped for the visitor has reached the stream.
      const stamped = Number((await t.db.query<{ n: number | null }>("SELECT max(web_seq) AS n FROM outbox WHERE channel = 'webchat' AND conversation = $1", [token.split(".")[0]])).rows[0]?.n ?? 0);
      await stream.until(() => (stream.replies().at(-1)?.seq ?? 0) >= stamped, "the stamped replies on the stream");
      const replies = stream.replies().slice(seen);
      seen += replies.length;
      return { text: normalise(replies.map((r) => r.text).join(" ")), buttons: replies.flatMap((r) => (r.quickReplies ?? []).map((q) => q.title)) };
    },
    stop: async () => stream.close(),
  };
}

const CHANNELS: (() => ChannelDriver)[] = [consoleDriver, telegramDriver, whatsappDriver, webchatDriver];

/** The console's turns: the reference every channel is held to. */
const reference: Seen[] = [];

describe.each(CHANNELS.map((make) => ({ name: make().name, make })))("the conversation script on $name", ({ name, make }) => {
  const driver = make();
  const turns: Seen[] = [];
  beforeAll(async () => {
    await driver.start();
    for (const line of SCRIPT) turns.push(await driver.say(line));
    if (name === "console") reference.push(...turns);
  }, 60_000);
  afterAll(async () => driver.stop());

  it("answers every line of the script", () => {
    expect(turns).toHaveLength(SCRIPT.length);
    for (const [i, turn] of turns.entries()) expect(turn.text, `reply to ${JSON.stringify(SCRIPT[i])}`).not.toBe("");
  });

  it("offers a counselor button on the second miss in a row", () => {
    expect(turns[6]?.buttons.some((b) => /counselor/i.test(b))).toBe(true);
  });

  it.skipIf(name === "console")("says what the console says, turn by turn", () => {
    expect(reference).toHaveLength(SCRIPT.length);
    for (const [i, turn] of turns.entries()) expect(turn.text, `reply to ${JSON.stringify(SCRIPT[i])}`).toBe(reference[i]?.text);
  });

  it.skipIf(name === "console")("shows the console's quick replies as its own buttons", () => {
    for (const [i, turn] of turns.entries()) expect(turn.buttons, `buttons after ${JSON.stringify(SCRIPT[i])}`).toEqual(reference[i]?.buttons);
  });
});
