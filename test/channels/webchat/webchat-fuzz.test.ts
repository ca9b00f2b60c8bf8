import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { openStream, webchatEnv, webchatSession, type TestStream } from "../../helpers/webchat.js";

/**
 * RELIABILITY case 26 for the web chat: arbitrary Unicode text and arbitrary
 * JSON bodies posted with a valid token. Never a 5xx, and every message that
 * was acknowledged as stored is answered on the visitor's stream.
 */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom("\u202E", "\u0000", "\u200B", "\uFEFF", "<script>", "**", "<b>", "&amp;", "\n\n", "- ", "javascript:alert(1)", "https://x.example/(a", "😀", "\uDB40\uDC41");
const text = fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), loneSurrogate, special), { maxLength: 12 }).map((parts) => parts.join(""));

describe("the web chat API under arbitrary input", () => {
  let t: TestServer;
  let token = "";
  let stream: TestStream;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: { ...webchatEnv, WEBCHAT_RATE_LIMIT_PER_IP: "100000", RATE_LIMIT_PER_MINUTE: "10000" } });
    token = await webchatSession(t.url);
    stream = await openStream(t.url, token);
  });
  afterAll(async () => {
    stream?.close();
    await t?.close();
  });

  it("never answers 5xx, and answers every stored message once on the stream", async () => {
    let stored = 0;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), fc.anything({ maxDepth: 2 }), async (message, payload, junk) => {
        n++;
        const body = n % 5 === 0 ? JSON.stringify({ token, id: `fuzz-junk-${n}`, text: junk }) : JSON.stringify({ token, id: `fuzz-msg-${n}`, text: message, payload: payload || undefined });
        const r = await fetch(`${t.url}/webchat/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await r.arrayBuffer();
        expect(r.status, `answered ${r.status} to ${body.slice(0, 200)}`).toBeLessThan(500);
        if (r.status === 202) stored++;
      }),
      { numRuns: 60 },
    );
    expect(stored).toBeGreaterThan(20);
    await t.server.worker.idle();
    const stamped = Number((await t.db.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE channel = 'webchat' AND web_seq IS NOT NULL")).rows[0]?.n);
    expect(stamped).toBeGreaterThanOrEqual(stored);
    await stream.until((e) => e.filter((x) => x.event === "reply").length >= stamped, "every stamped reply on the stream", 20_000);
    const seqs = stream.replies().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
