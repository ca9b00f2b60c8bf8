import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGraph } from "../fakes/graph-api.js";
import { startTestServer, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, type TestServer } from "../helpers/server.js";
import { postTelegram, tgCallback, tgEdited, tgPhoto, tgText } from "../helpers/telegram-updates.js";
import { signWhatsApp, waButtonReply, waEnvelope, waListReply, waMedia, waStatus, waText, type WaMessage } from "../helpers/whatsapp-webhook.js";

/**
 * RELIABILITY case 26: arbitrary well-signed payload shapes and arbitrary
 * Unicode text. The server never answers 5xx (which would make the platform
 * redeliver a body that can never be stored), nothing rejects unhandled, and
 * every reply it sends is one the platform accepts.
 */

const RUNS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestServer;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
let posts = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  // Random timestamps would close the 24-hour window at the fake; rotabot's own window check is still on.
  t = await startTestServer("pglite", { graph: await startFakeGraph({ enforceWindow: false }) });
});
afterAll(async () => {
  await t?.close();
  process.off("unhandledRejection", onRejection);
  console.info(`case 26: ${posts} fuzzed webhook posts; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${t?.telegram.calls.length ?? 0} Telegram and ${t?.graph.calls.length ?? 0} Graph calls`);
});

async function expectNo5xx(res: Response, body: string | Buffer) {
  posts++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  await res.arrayBuffer();
  expect(res.status, `answered ${res.status} to ${body.toString().slice(0, 300)}`).toBeLessThan(500);
}

function postWaRaw(raw: string | Buffer) {
  return fetch(`${t.url}/whatsapp/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signWhatsApp(raw, WHATSAPP_APP_SECRET) },
    body: raw,
  });
}
const postTg = (body: object | string) => postTelegram(t.url, body, { secret: TELEGRAM_SECRET });

// ---- arbitrary text --------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom(
  "\u202E", "\u202D", "\u2066", "\u2067", "\u2069", "\u200F", "\u0000", "\u200B", "\uFEFF",
  "<", ">", "&", "*", "_", "**", "<b>", "</b>", "&amp;", "&#0;", "`", "~", "\n", "\n\n", " ",
  "😀", "👩🏽‍⚕️", "🇺🇸", "\uDB40\uDC41",
);
const fragment = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  loneSurrogate,
  special,
  fc.constantFrom("what is an observership?", "how much does it cost?", "/start", "/profile", "/forget", "/help"),
);
const arbitraryText = fc.oneof(
  { weight: 6, arbitrary: fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join("")) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(4096), "x".repeat(4097), "é".repeat(4097), "😀".repeat(2049), "😀".repeat(300), "🙂🙃😉", "<".repeat(4097), "&".repeat(5000), "*_".repeat(3000)) },
);

// ---- WhatsApp ----------------------------------------------------------------

let waSeq = 491530000000;
const waId = () => String(++waSeq);
const nearNow = fc.integer({ min: -3600, max: 60 }).map((s) => Math.floor(Date.now() / 1000) + s);

const waMessage: fc.Arbitrary<WaMessage> = fc.oneof(
  fc.record({ text: arbitraryText, ts: nearNow }).map(({ text, ts }) => waText({ from: waId(), text, timestamp: ts })),
  fc.record({ id: arbitraryText, title: arbitraryText }).map(({ id, title }) => waButtonReply({ from: waId(), buttonId: id, title })),
  fc.record({ id: arbitraryText, title: arbitraryText, description: arbitraryText }).map((o) => waListReply({ from: waId(), rowId: o.id, title: o.title, description: o.description })),
  fc.record({ type: fc.constantFrom("image" as const, "document" as const, "audio" as const, "sticker" as const, "location" as const), caption: fc.option(arbitraryText, { nil: undefined }) }).map((o) =>
    waMedia({ from: waId(), type: o.type, caption: o.caption }),
  ),
  fc.record({ type: fc.string({ maxLength: 12 }), extra: fc.jsonValue() }).map((o) => ({ ...waText({ from: waId(), text: "x" }), type: o.type, [o.type]: o.extra }) as WaMessage),
);
const waStatusItem = fc.record({ status: fc.constantFrom("sent" as const, "delivered" as const, "read" as const, "failed" as const), id: fc.string({ minLength: 1, maxLength: 40 }) }).map((o) =>
  waStatus({ messageId: `wamid.${o.id}`, recipient: waId(), status: o.status }),
);
/** A Meta-shaped envelope of several messages and statuses with arbitrary text. */
const plausibleEnvelope = fc.array(fc.oneof({ weight: 4, arbitrary: waMessage }, { weight: 1, arbitrary: waStatusItem }), { minLength: 1, maxLength: 4 }).map((items) => JSON.stringify(waEnvelope(items)));
/** The same envelope with arbitrary values where Meta puts ids, timestamps, types and bodies (senders stay phone numbers). */
const mangledEnvelope = fc
  .record({
    id: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue(), special),
    timestamp: fc.oneof(fc.string({ maxLength: 12 }), fc.double(), fc.integer(), fc.jsonValue()),
    type: fc.oneof(fc.constantFrom("text", "interactive", "button", "image"), fc.string({ maxLength: 10 })),
    text: fc.oneof(fc.jsonValue(), arbitraryText.map((body) => ({ body }))),
    interactive: fc.jsonValue(),
    button: fc.jsonValue(),
    image: fc.jsonValue(),
    value: fc.option(fc.jsonValue(), { nil: undefined }),
  })
  .map((o) => {
    const message = { from: waId(), id: o.id, timestamp: o.timestamp, type: o.type, text: o.text, interactive: o.interactive, button: o.button, image: o.image };
    const env = waEnvelope(waText({ from: message.from, text: "x" })) as unknown as { entry: { changes: { value: Record<string, unknown> }[] }[] };
    const change = env.entry[0]?.changes[0];
    if (change) change.value = o.value !== undefined ? { ...change.value, messages: o.value } : { ...change.value, messages: [message] };
    return JSON.stringify(env);
  });

describe("case 26: fuzzed WhatsApp webhooks", () => {
  it("answers any signed JSON body with less than 500", async () => {
    await fc.assert(fc.asyncProperty(fc.json(), async (raw) => expectNo5xx(await postWaRaw(raw), raw)), { numRuns: RUNS });
  });

  it("answers any signed serialized value, and raw bytes that are not UTF-8, with less than 500", async () => {
    const body = fc.oneof(fc.anything().map((v) => JSON.stringify(v) ?? "null"), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)));
    await fc.assert(fc.asyncProperty(body, async (raw) => expectNo5xx(await postWaRaw(raw), raw)), { numRuns: RUNS });
  });

  it("answers Meta-shaped envelopes with arbitrary Unicode text with less than 500", async () => {
    await fc.assert(fc.asyncProperty(plausibleEnvelope, async (raw) => expectNo5xx(await postWaRaw(raw), raw)), { numRuns: 100 });
  });

  it("answers envelopes with arbitrary ids, timestamps, types and bodies with less than 500", async () => {
    await fc.assert(fc.asyncProperty(mangledEnvelope, async (raw) => expectNo5xx(await postWaRaw(raw), raw)), { numRuns: 100 });
  });
});

// ---- Telegram ----------------------------------------------------------------

let updateSeq = 70_000_000;
let chatSeq = 7_000_000;
const nextChat = () => ++chatSeq;
const tgUpdate = fc.oneof(
  arbitraryText.map((text) => tgText({ chatId: nextChat(), text, updateId: ++updateSeq })),
  arbitraryText.map((text) => tgText({ chatId: -nextChat(), chatType: "supergroup", fromId: 4242, text: `@rotabot_test_bot ${text}`, updateId: ++updateSeq })),
  arbitraryText.map((data) => tgCallback({ chatId: nextChat(), data, updateId: ++updateSeq })),
  fc.option(arbitraryText, { nil: undefined }).map((caption) => tgPhoto({ chatId: nextChat(), caption, updateId: ++updateSeq })),
  arbitraryText.map((text) => tgEdited({ chatId: nextChat(), text, updateId: ++updateSeq })),
  fc.record({ field: fc.string({ minLength: 1, maxLength: 20 }), value: fc.jsonValue() }).map((o) => ({ update_id: ++updateSeq, [o.field]: o.value })),
);
/** Update-shaped objects with arbitrary values in a message's fields (the chat id stays a real id). */
const mangledUpdate = fc
  .record(
    {
      type: fc.constantFrom("private", "group", "supergroup", "channel", "secret"),
      from: fc.oneof(fc.constant({ id: 1, is_bot: false, first_name: "S" }), fc.jsonValue()),
      text: fc.oneof(arbitraryText, fc.jsonValue()),
      caption: fc.jsonValue(),
      date: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.jsonValue()),
      entities: fc.jsonValue(),
      reply_to_message: fc.jsonValue(),
      photo: fc.jsonValue(),
    },
    { requiredKeys: ["type"] },
  )
  .chain((fields) =>
    fc.constantFrom("message", "callback_query", "edited_message").map((kind) => {
      const chat = { id: kind === "message" && fields.type !== "private" ? -nextChat() : nextChat(), type: fields.type };
      const message = { message_id: 1, chat, ...fields, type: undefined };
      const update: Record<string, unknown> = { update_id: ++updateSeq };
      if (kind === "callback_query") update.callback_query = { id: `q${updateSeq}`, from: fields.from, message, data: fields.text, chat_instance: "ci" };
      else update[kind] = message;
      return update;
    }),
  );

describe("case 26: fuzzed Telegram webhooks", () => {
  it("answers any JSON body with the right secret with less than 500", async () => {
    await fc.assert(fc.asyncProperty(fc.json(), async (raw) => expectNo5xx(await postTg(raw), raw)), { numRuns: RUNS });
  });

  it("answers Telegram-shaped updates with arbitrary Unicode text with less than 500", async () => {
    await fc.assert(
      fc.asyncProperty(tgUpdate, async (update) => {
        const raw = JSON.stringify(update);
        return expectNo5xx(await postTg(raw), raw);
      }),
      { numRuns: 100 },
    );
  });

  it("answers updates with arbitrary values in a message's fields with less than 500", async () => {
    await fc.assert(
      fc.asyncProperty(mangledUpdate, async (update) => {
        const raw = JSON.stringify(update);
        return expectNo5xx(await postTg(raw), raw);
      }),
      { numRuns: 100 },
    );
  });
});

/** Shrunk counterexamples the properties above found, kept as fixed cases: each must be stored or dead-lettered with a 2xx. */
describe("case 26: bodies fuzzing found", () => {
  const cb = tgCallback({ chatId: 7_900_001, data: "x" }) as unknown as { update_id: number; callback_query: Record<string, unknown> };
  const tgCases: [string, Record<string, unknown>][] = [
    ["callback data of lone surrogates", { ...tgCallback({ chatId: 7_900_002, data: "\udc00\udc00", updateId: 79_000_002 }) }],
    ["callback data with a NUL", { ...tgCallback({ chatId: 7_900_003, data: "a\u0000b", updateId: 79_000_003 }) }],
    ["callback without from", { update_id: 79_000_004, callback_query: { ...cb.callback_query, from: undefined } }],
    ["callback whose keyboard is not an array", { update_id: 79_000_005, callback_query: { ...cb.callback_query, message: { message_id: 1, date: 1, chat: { id: 7_900_005, type: "private" }, reply_markup: { inline_keyboard: 5 } } } }],
    ["text that is a number", { update_id: 79_000_006, message: { message_id: 1, date: 1, chat: { id: 7_900_006, type: "private" }, from: { id: 1 }, text: 5 } }],
    ["caption that is an object", { update_id: 79_000_007, message: { message_id: 1, date: 1, chat: { id: 7_900_007, type: "private" }, from: { id: 1 }, caption: {} } }],
    ["date that is a string", { update_id: 79_000_008, message: { message_id: 1, date: "x", chat: { id: 7_900_008, type: "private" }, from: { id: 1 }, text: "hi" } }],
    ["date out of range", { update_id: 79_000_009, message: { message_id: 1, date: 1e300, chat: { id: 7_900_009, type: "private" }, from: { id: 1 }, text: "hi" } }],
    ["message without chat", { update_id: 79_000_010, message: { message_id: 1, date: 1, from: { id: 1 }, text: "hi" } }],
  ];
  it.each(tgCases)("Telegram: %s", async (_name, update) => {
    const raw = JSON.stringify(update);
    await expectNo5xx(await postTg(raw), raw);
  });

  const wa = (fields: Record<string, unknown>, from = waId()) => JSON.stringify(waEnvelope({ ...waText({ from, text: "what is an observership?" }), ...fields } as WaMessage));
  const waCases: [string, string][] = [
    ["button id with a NUL", JSON.stringify(waEnvelope(waButtonReply({ from: waId(), buttonId: "a\u0000b", title: "Yes" })))],
    ["button id of lone surrogates", JSON.stringify(waEnvelope(waButtonReply({ from: waId(), buttonId: "\udc00\udc00", title: "Yes" })))],
    ["message id with a NUL", wa({ id: "wamid.A\u0000" })],
    ["status id with a NUL", JSON.stringify(waEnvelope(waStatus({ messageId: "wamid.B\u0000", recipient: waId(), status: "read" })))],
    ["fractional timestamp", wa({ timestamp: "1700000000.5" })],
    ["denormal timestamp", wa({ timestamp: 5e-324 })],
    ["timestamp out of the Date range", wa({ timestamp: "1e30" })],
    // Found by the property above (seed 1645634219): a Date in the year 10000 is written "+010000-…", which PostgreSQL refuses.
    ["timestamp in the year 10000", wa({ timestamp: 253402300800 })],
    ["status timestamp in the year 10000", JSON.stringify(waEnvelope(waStatus({ messageId: "wamid.Y10000", recipient: waId(), status: "read", timestamp: 253402300800 })))],
  ];
  it.each(waCases)("WhatsApp: %s", async (_name, raw) => expectNo5xx(await postWaRaw(raw), raw));
});

describe("case 26: after the fuzzing", () => {
  it("left no unhandled rejection, and every reply it sent was accepted by both fakes", async () => {
    // What is checked here is what was sent. The full drain takes about 10 s alone, but in two CI runs (of many) it
    // had not ended in time (30 s once, 180 s once), for a reason not yet found: past two minutes the queue depths are printed for
    // looking into it, and the checks below run on what has been sent by then.
    const drained = (async () => {
      await t.server.worker.idle();
      await sleep(1500);
      await t.server.worker.idle();
      return true;
    })();
    if (!(await Promise.race([drained, sleep(120_000).then(() => false)]))) {
      console.warn(`case 26: not drained after 120 s; depths ${JSON.stringify(await t.server.storage.inbox.depths())}`);
    }
    const tgErrors = t.telegram.calls.filter((c) => c.status >= 400).map((c) => ({ method: c.method, status: c.status, body: JSON.stringify(c.body).slice(0, 300) }));
    const waErrors = t.graph.calls.filter((c) => c.status >= 400).map((c) => ({ status: c.status, body: JSON.stringify(c.body).slice(0, 300) }));
    console.info(`case 26: ${t.telegram.sent().length} Telegram and ${t.graph.sent().length} WhatsApp messages sent after ${posts} posts`);
    expect(tgErrors).toEqual([]);
    expect(waErrors).toEqual([]);
    // The fuzzing above did reach the senders (skipped when this test runs alone).
    if (posts > 500) {
      expect(t.telegram.sent().length).toBeGreaterThan(5);
      expect(t.graph.sent().length).toBeGreaterThan(5);
    }
    expect(rejections.map(String)).toEqual([]);
  }, 180_000);
});
