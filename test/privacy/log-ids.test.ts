import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, pseudonym } from "../../src/logger.js";
import { databaseKinds } from "../helpers/databases.js";
import { startTestServer, WHATSAPP_APP_SECRET, type TestServer } from "../helpers/server.js";
import { postWhatsApp, waEnvelope, waText } from "../helpers/whatsapp-webhook.js";

/**
 * Issue 14, medium 8: a WhatsApp conversation id is the student's phone
 * number. Logs carry a keyed hash of every id instead (HMAC with
 * LOG_ID_SECRET): stable, so one student's lines can be followed, and not
 * reversible.
 */

const KEY = "log-id-secret-for-tests-0123456789";

describe.each(databaseKinds)("ids in the logs of rotabot serve on $name", ({ name }) => {
  const lines: string[] = [];
  let t: TestServer;
  beforeAll(async () => {
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) }, { idKey: KEY });
    t = await startTestServer(name, { logger });
  });
  afterAll(async () => t?.close());

  it("logs a WhatsApp student's number only as its keyed hash, at every level", async () => {
    const phone = name === "postgres" ? "4915550180002" : "4915550180001";
    const say = async (text: string) => {
      const n = t.graph.sent(phone).length;
      t.graph.noteInbound(phone);
      expect((await postWhatsApp(t.url, waEnvelope(waText({ from: phone, text })), { appSecret: WHATSAPP_APP_SECRET })).status).toBe(200);
      await t.until(() => t.graph.sent(phone).length > n, `the answer to ${text}`);
    };
    await say("what is an observership?");
    await say("/forget");
    await t.server.worker.idle();
    const all = lines.join("\n");
    expect(all).not.toContain(phone);
    expect(all).not.toContain(phone.slice(-8));
    // The same id always gives the same pseudonym, so the student's lines can be followed.
    const id = pseudonym(KEY, phone);
    expect(all).toContain(id);
    expect(lines.filter((l) => l.includes(id)).length).toBeGreaterThanOrEqual(2);
    expect(pseudonym("another-key-0123456789", phone)).not.toBe(id);
  });
});
