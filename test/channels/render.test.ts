import { createHmac } from "node:crypto";
import fc from "fast-check";
import type { Update } from "grammy/types";
import { describe, expect, it } from "vitest";
import type { QuickReply, Reply } from "../../src/core/model.js";
import { splitText } from "../../src/channels/split-text.js";
import { mapUpdate } from "../../src/channels/telegram/map-update.js";
import { renderTelegram, TELEGRAM_MAX_TEXT } from "../../src/channels/telegram/render.js";
import { renderWhatsApp, WHATSAPP_LIMITS } from "../../src/channels/whatsapp/render.js";
import { parseWebhook, validSignature } from "../../src/channels/whatsapp/webhook.js";
import { validateMessage } from "../fakes/graph-api.js";
import { botInfo, parseTelegramHtml } from "../fakes/telegram-api.js";
import { tgCallback, tgEdited, tgPhoto, tgText, tgUnknown } from "../helpers/telegram-updates.js";
import { waButtonReply, waEnvelope, waListReply, waMedia, waStatus, waText } from "../helpers/whatsapp-webhook.js";

const me = { id: botInfo.id, username: botInfo.username };
const codePoints = (s: string) => [...s].length;
/** Telegram's visible text of an HTML message, as the fake (and Telegram) parse it. */
const visible = (html: string) => {
  const parsed = parseTelegramHtml(html);
  if ("error" in parsed) throw new Error(`Telegram would refuse ${JSON.stringify(html.slice(0, 80))}: ${parsed.error}`);
  return parsed.text;
};
const squash = (s: string) => s.replace(/\s+/g, "");

describe("splitText", () => {
  it("cuts at a paragraph boundary before a line break or a space", () => {
    const text = `${"a ".repeat(10)}first\nline\n\n${"b ".repeat(10)}second`;
    const pieces = splitText(text, 40);
    expect(pieces).toEqual([`${"a ".repeat(10)}first\nline`, `${"b ".repeat(10)}second`]);
  });

  it("falls back to a line break, then a space, then a hard cut inside a word", () => {
    expect(splitText("one two three\nfour five six", 20)).toEqual(["one two three", "four five six"]);
    expect(splitText("alpha beta gamma delta", 12)).toEqual(["alpha beta", "gamma delta"]);
    expect(splitText("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });

  it("keeps a text of exactly 4096 characters whole and splits 4097 into two", () => {
    expect(splitText("y".repeat(4096), 4096)).toEqual(["y".repeat(4096)]);
    const pieces = splitText("y".repeat(4097), 4096);
    expect(pieces.map((p) => p.length)).toEqual([4096, 1]);
  });

  it("never splits a surrogate pair, even where the hard cut would fall inside one", () => {
    const text = `a${"😀".repeat(3000)}`; // the 4096th unit is the high half of an emoji
    const pieces = splitText(text, 4096);
    expect(pieces.length).toBe(2);
    for (const piece of pieces) {
      expect(piece.isWellFormed()).toBe(true);
      expect(piece.length).toBeLessThanOrEqual(4096);
    }
    expect(pieces.join("")).toBe(text);
  });

  it("never exceeds the maximum, keeps the order and drops nothing but whitespace (property)", () => {
    const words = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.constantFrom("\n", "\n\n", " ", "😀", "**", "<b>", "&amp;"),
    );
    fc.assert(
      fc.property(fc.array(words, { maxLength: 200 }).map((w) => w.join(" ")), fc.integer({ min: 4, max: 120 }), (text, max) => {
        const pieces = splitText(text, max);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(max);
          expect(piece.isWellFormed()).toBe(true);
        }
        expect(squash(pieces.join(""))).toBe(squash(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe("renderTelegram", () => {
  it("escapes <, > and & and turns **bold** into <b>", () => {
    const [message] = renderTelegram({ text: "Fees < $500 & > $100 for **B1/B2** visas <script>" });
    expect(message?.text).toBe("Fees &lt; $500 &amp; &gt; $100 for <b>B1/B2</b> visas &lt;script&gt;");
    expect(message?.parse_mode).toBe("HTML");
    expect(visible(message?.text ?? "")).toBe("Fees < $500 & > $100 for B1/B2 visas <script>");
  });

  it("splits long texts into pieces of at most 4096 characters as Telegram counts them after parsing", () => {
    // 5,000 ampersands are 25,000 characters of HTML but 5,000 visible ones.
    for (const text of ["&".repeat(5000), `**${"b".repeat(4094)}** tail`, `${"para one. ".repeat(300)}\n\n${"<two> ".repeat(600)}`]) {
      const messages = renderTelegram({ text });
      expect(messages.length).toBeGreaterThan(1);
      for (const m of messages) expect(visible(m.text).length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      expect(squash(messages.map((m) => visible(m.text)).join(""))).toBe(squash(text.replace(/\*\*/g, "")));
    }
  });

  it("puts the keyboard only under the last piece, one button per row", () => {
    const quickReplies = [
      { title: "Yes", payload: "confirm:yes" },
      { title: "No", payload: "confirm:no" },
    ];
    const messages = renderTelegram({ text: `${"word ".repeat(1000)}\n\n${"more ".repeat(400)}`, quickReplies });
    expect(messages.length).toBe(2);
    expect(messages[0]?.reply_markup).toBeUndefined();
    expect(messages[1]?.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Yes", callback_data: "confirm:yes" }], [{ text: "No", callback_data: "confirm:no" }]],
    });
  });

  it("drops buttons whose callback data is over 64 bytes (or empty) instead of sending them broken", () => {
    const quickReplies = [
      { title: "fits", payload: "x".repeat(64) },
      { title: "too long in bytes", payload: "é".repeat(33) }, // 66 bytes, 33 characters
      { title: "empty", payload: "" },
    ];
    const [message] = renderTelegram({ text: "Pick one", quickReplies });
    expect(message?.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["fits"]);
  });

  it("always produces HTML Telegram accepts, within its limits (property)", () => {
    const text = fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("**", "<", ">", "&", "&amp;", "\n\n", " ", "😀")), { maxLength: 400 }).map((a) => a.join(""));
    fc.assert(
      fc.property(text, (t) => {
        for (const m of renderTelegram({ text: t.toWellFormed() })) expect(visible(m.text).length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      }),
      { numRuns: 200 },
    );
  });
});

describe("mapUpdate", () => {
  it("maps a private text message with the update id as its id and order", () => {
    const update = tgText({ chatId: 111, text: "what is an observership?", updateId: 777 });
    const mapped = mapUpdate(update, me);
    expect(mapped).toMatchObject({ kind: "message", seq: 777, inbound: { id: "777", channel: "telegram", conversation: "111", sender: "111", text: "what is an observership?" } });
  });

  it("answers in a group only when addressed, by mention or by a reply to the bot, without the mention", () => {
    const plain = tgText({ chatId: -5, chatType: "group", fromId: 42, text: "anyone know visa rules?" });
    expect(mapUpdate(plain, me).kind).toBe("ignore");
    const mention = mapUpdate(tgText({ chatId: -5, chatType: "supergroup", fromId: 42, text: "@rotabot_test_bot which visa do I need?" }), me);
    expect(mention).toMatchObject({ kind: "message", inbound: { conversation: "-5", sender: "42", text: "which visa do I need?" } });
    const reply = mapUpdate(tgText({ chatId: -5, chatType: "group", fromId: 42, text: "and the fee?", replyToBot: true }), me);
    expect(reply).toMatchObject({ kind: "message", inbound: { text: "and the fee?" } });
  });

  it("reads /help@bot and deep links as the plain commands, and keeps arguments of other commands", () => {
    expect(mapUpdate(tgText({ chatId: 1, text: "/help@rotabot_test_bot" }), me)).toMatchObject({ inbound: { text: "/help" } });
    expect(mapUpdate(tgText({ chatId: 1, text: "/start ref42" }), me)).toMatchObject({ inbound: { text: "/start" } });
    expect(mapUpdate(tgText({ chatId: 1, text: "/profile@rotabot_test_bot" }), me)).toMatchObject({ inbound: { text: "/profile" } });
    const group = mapUpdate(tgText({ chatId: -9, chatType: "group", fromId: 3, text: "/help@rotabot_test_bot" }), me);
    expect(group).toMatchObject({ kind: "message", inbound: { text: "/help" } });
  });

  it("maps a button press to the button's title and its callback data as the payload", () => {
    const update = tgCallback({ chatId: 222, data: "confirm:yes" }) as Update & { callback_query: { message: Record<string, unknown> } };
    update.callback_query.message.reply_markup = { inline_keyboard: [[{ text: "Yes, June", callback_data: "confirm:yes" }], [{ text: "No", callback_data: "confirm:no" }]] };
    const mapped = mapUpdate(update, me);
    expect(mapped).toMatchObject({ kind: "message", callbackQueryId: update.callback_query.id, inbound: { conversation: "222", text: "Yes, June", payload: "confirm:yes" } });
  });

  it("marks a photo without caption as unsupported content, and reads a caption as text", () => {
    expect(mapUpdate(tgPhoto({ chatId: 3 }), me)).toMatchObject({ kind: "message", inbound: { text: "", contentType: "unsupported" } });
    const captioned = mapUpdate(tgPhoto({ chatId: 3, caption: "is this visa ok?" }), me);
    expect(captioned).toMatchObject({ kind: "message", inbound: { text: "is this visa ok?" } });
    expect(captioned.kind === "message" && captioned.inbound.contentType).toBeFalsy();
  });

  it("ignores edits and keeps unknown update types as dead letters", () => {
    expect(mapUpdate(tgEdited({ chatId: 4, text: "fixed typo" }), me).kind).toBe("ignore");
    const unknown = tgUnknown({ updateId: 31337, field: "business_message_v9" });
    expect(mapUpdate(unknown as unknown as Update, me)).toMatchObject({ kind: "dead", externalId: "31337", reason: expect.stringMatching(/business_message_v9/) });
  });
});

describe("renderWhatsApp", () => {
  const options = (n: number, title = (i: number) => `Option ${i}`): QuickReply[] => Array.from({ length: n }, (_, i) => ({ title: title(i), payload: `opt:${i}` }));
  const render = (reply: Reply) => renderWhatsApp(reply, "491510000001", "Choose");
  const valid = (messages: Record<string, unknown>[]) => {
    for (const m of messages) expect(validateMessage({ messaging_product: "whatsapp", recipient_type: "individual", ...m })).toBeUndefined();
  };
  type Interactive = { type: string; body: { text: string }; action: { buttons?: { reply: { id: string; title: string } }[]; button?: string; sections?: { rows: { id: string; title: string; description?: string }[] }[] } };

  it("renders up to three options with titles of at most 20 characters as reply buttons, bold as *bold*", () => {
    const messages = render({ text: "Do you mean **June**?", quickReplies: options(3, (i) => ["Yes", "No", "x".repeat(20)][i] ?? "") });
    expect(messages).toHaveLength(1);
    const interactive = messages[0]?.interactive as Interactive;
    expect(interactive.type).toBe("button");
    expect(interactive.body.text).toBe("Do you mean *June*?");
    expect(interactive.action.buttons?.map((b) => b.reply.title)).toEqual(["Yes", "No", "x".repeat(20)]);
    valid(messages);
  });

  it("renders four options, or a title of 21 characters, as a list", () => {
    for (const quickReplies of [options(4), options(2, (i) => (i === 0 ? "y".repeat(21) : "short"))]) {
      const messages = render({ text: "Which one?", quickReplies });
      const interactive = messages.at(-1)?.interactive as Interactive;
      expect(interactive.type).toBe("list");
      expect(interactive.action.button).toBe("Choose");
      expect(interactive.action.sections?.[0]?.rows).toHaveLength(quickReplies.length);
      valid(messages);
    }
  });

  it("keeps at most 10 rows and shortens long row titles to 24 characters with the whole title as description", () => {
    const long = "Observership in internal medicine at a teaching hospital"; // 57 characters
    const messages = render({ text: "Pick a topic", quickReplies: options(12, (i) => (i === 0 ? long : `Topic ${i}`)) });
    const rows = (messages.at(-1)?.interactive as Interactive).action.sections?.[0]?.rows ?? [];
    expect(rows).toHaveLength(10);
    expect(codePoints(rows[0]?.title ?? "")).toBeLessThanOrEqual(24);
    expect(rows[0]?.title.endsWith("…")).toBe(true);
    expect(rows[0]?.description).toBe(long);
    expect(rows[1]).toEqual({ id: "opt:1", title: "Topic 1" });
    valid(messages);
  });

  it("keeps a button message's body within 1024 characters, sending the text before it as plain messages in order", () => {
    const text = `${"First paragraph sentence. ".repeat(40)}\n\n${"Second paragraph sentence. ".repeat(30)}`;
    const messages = render({ text, quickReplies: options(2) });
    expect(messages.length).toBeGreaterThan(1);
    const last = messages.at(-1)?.interactive as Interactive;
    expect(last.type).toBe("button");
    expect(codePoints(last.body.text)).toBeLessThanOrEqual(WHATSAPP_LIMITS.buttonBody);
    const bodies = messages.map((m) => (m.type === "text" ? (m.text as { body: string }).body : (m.interactive as Interactive).body.text));
    expect(squash(bodies.join(""))).toBe(squash(text));
    valid(messages);
  });

  it("splits a long text without options into text messages of at most 4096 characters", () => {
    const text = "z".repeat(10_000);
    const messages = render({ text });
    expect(messages.map((m) => m.type)).toEqual(["text", "text", "text"]);
    for (const m of messages) expect(codePoints((m.text as { body: string }).body)).toBeLessThanOrEqual(WHATSAPP_LIMITS.text);
    valid(messages);
  });

  it("always renders messages the Cloud API accepts (property)", () => {
    const title = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0);
    const reply = fc.record({
      text: fc.string({ unit: "grapheme", minLength: 1, maxLength: 6000 }).filter((s) => s.trim().length > 0),
      quickReplies: fc.uniqueArray(title, { maxLength: 14 }).map((titles) => titles.map((t, i) => ({ title: t, payload: `p${i}` }))),
    });
    fc.assert(fc.property(reply, (r) => valid(render(r))), { numRuns: 200 });
  });
});

describe("parseWebhook", () => {
  it("reads every message of several entries and changes, in order", () => {
    const a = waText({ from: "491511", text: "first" });
    const b = waText({ from: "491512", text: "second" });
    const c = waText({ from: "491511", text: "third" });
    const one = waEnvelope([a, b]);
    const two = waEnvelope(c);
    const body = { ...one, entry: [...one.entry, ...two.entry] };
    const events = parseWebhook(body);
    expect(events.map((e) => (e.kind === "message" ? e.inbound.text : e.kind))).toEqual(["first", "second", "third"]);
    expect(events[0]).toMatchObject({ kind: "message", seq: Number(a.timestamp), inbound: { id: a.id, channel: "whatsapp", conversation: "491511", sender: "491511" } });
  });

  it("reads statuses with their errors, and never answers them", () => {
    const events = parseWebhook(waEnvelope([waStatus({ messageId: "wamid.OUT", recipient: "491513", status: "failed" }), waStatus({ messageId: "wamid.OUT", recipient: "491513", status: "delivered" })]));
    expect(events).toMatchObject([
      { kind: "status", messageId: "wamid.OUT", status: "failed", recipient: "491513", error: "Re-engagement message" },
      { kind: "status", messageId: "wamid.OUT", status: "delivered" },
    ]);
  });

  it("reads button and list replies as their title with the id as payload", () => {
    const events = parseWebhook(waEnvelope([
      waButtonReply({ from: "491514", buttonId: "confirm:yes", title: "Yes" }),
      waListReply({ from: "491514", rowId: "topic:visa", title: "Visa", description: "B1/B2" }),
    ]));
    expect(events).toMatchObject([
      { kind: "message", inbound: { text: "Yes", payload: "confirm:yes" } },
      { kind: "message", inbound: { text: "Visa", payload: "topic:visa" } },
    ]);
  });

  it("reads a media caption as text and marks media without one as unsupported", () => {
    const events = parseWebhook(waEnvelope([waMedia({ from: "491515", type: "image", caption: "my visa?" }), waMedia({ from: "491515", type: "audio" })]));
    expect(events).toMatchObject([
      { kind: "message", inbound: { text: "my visa?" } },
      { kind: "message", inbound: { text: "", contentType: "unsupported" } },
    ]);
  });

  it("keeps a message without id, an unknown type and a non-WABA body as dead letters", () => {
    const noId = { ...waText({ from: "491516", text: "hi" }), id: undefined } as unknown as ReturnType<typeof waText>;
    const odd = { ...waText({ from: "491516", text: "hi" }), type: "hologram" };
    const events = parseWebhook(waEnvelope([noId, odd]));
    expect(events).toMatchObject([
      { kind: "dead", sender: "491516", reason: expect.stringMatching(/without id/) },
      { kind: "dead", externalId: odd.id, reason: expect.stringMatching(/unsupported message type: hologram/) },
    ]);
    expect(parseWebhook({ object: "page", entry: [] })).toMatchObject([{ kind: "dead", reason: expect.stringMatching(/not a WhatsApp/) }]);
    expect(parseWebhook([1, 2])).toMatchObject([{ kind: "dead" }]);
  });
});

describe("validSignature", () => {
  const secret = "app-secret";
  const raw = Buffer.from(JSON.stringify(waEnvelope(waText({ from: "491517", text: "héllo 😀" }))));
  const sign = (body: Buffer | string, key = secret) => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;

  it("accepts the HMAC-SHA256 of the raw bytes with the app secret", () => {
    expect(validSignature(raw, sign(raw), secret)).toBe(true);
  });

  it("rejects a wrong secret, a missing header or prefix, and a signature of the wrong length", () => {
    expect(validSignature(raw, sign(raw, "other"), secret)).toBe(false);
    expect(validSignature(raw, undefined, secret)).toBe(false);
    expect(validSignature(raw, sign(raw).slice(7), secret)).toBe(false);
    expect(validSignature(raw, `${sign(raw)}00`, secret)).toBe(false);
    expect(validSignature(raw, sign(raw).slice(0, -2), secret)).toBe(false);
    expect(validSignature(raw, "sha256=", secret)).toBe(false);
  });

  it("rejects the same JSON re-serialized under the original signature", () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString("utf8")), null, 2));
    expect(validSignature(reserialized, sign(raw), secret)).toBe(false);
    // Escaping the emoji keeps the JSON value but changes the bytes.
    const escaped = Buffer.from(raw.toString("utf8").replace("😀", "\\ud83d\\ude00"));
    expect(JSON.parse(escaped.toString("utf8"))).toEqual(JSON.parse(raw.toString("utf8")));
    expect(validSignature(escaped, sign(raw), secret)).toBe(false);
  });
});
