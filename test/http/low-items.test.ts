import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeMrkdwn } from "../../src/channels/slack/card.js";
import { createTestBot } from "../helpers/bot.js";
import { TELEGRAM_SECRET, WHATSAPP_APP_SECRET } from "../helpers/server.js";
import { startSlackTestServer, type SlackTestServer } from "../helpers/slack-server.js";
import { SLACK_SIGNING_SECRET, slackSignature } from "../helpers/slack-requests.js";
import { postTelegram } from "../helpers/telegram-updates.js";
import { postWhatsApp } from "../helpers/whatsapp-webhook.js";

/** Issue 14, the low items: each small, each tested. */

const DEEP = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;

describe("requests at the edges", () => {
  let t: SlackTestServer;
  beforeAll(async () => {
    t = await startSlackTestServer("pglite");
  });
  afterAll(async () => t?.close());
  const slack = (raw: string, headers: Record<string, string>, method = "POST") =>
    fetch(`${t.url}/slack/events`, { method, headers: { "content-type": "application/json", ...headers }, body: method === "POST" ? raw : undefined });
  const challenge = JSON.stringify({ type: "url_verification", challenge: "c-123", token: "x" });

  it("refuses a Slack request signed 10 minutes in the future (and one in the past), accepts one signed now", async () => {
    expect((await slack(challenge, slackSignature(challenge, SLACK_SIGNING_SECRET, new Date(Date.now() + 10 * 60_000)))).status).toBe(401);
    expect((await slack(challenge, slackSignature(challenge, SLACK_SIGNING_SECRET, new Date(Date.now() - 10 * 60_000)))).status).toBe(401);
    const ok = await slack(challenge, slackSignature(challenge));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("c-123");
  });

  it("answers 405 to anything but POST on /slack/events", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await slack("", {}, method);
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("reads no more than 256 KiB of a Slack request, signed or not", async () => {
    const big = JSON.stringify({ type: "event_callback", event: { type: "app_mention", text: "x".repeat(300 * 1024) } });
    expect((await slack(big, slackSignature(big))).status).toBe(413);
    expect((await slack(big, { ...slackSignature(big), "x-slack-signature": "v0=00" })).status).toBe(413);
  });

  it("keeps signed bodies nested 10,000 levels deep as dead letters with a 200, on every channel", async () => {
    const tg = `{"update_id": 999001, "weird": ${DEEP}}`;
    expect((await postTelegram(t.url, tg, { secret: TELEGRAM_SECRET })).status).toBe(200);
    const wa = `{"object":"whatsapp_business_account","entry":${DEEP}}`;
    expect((await postWhatsApp(t.url, wa, { appSecret: WHATSAPP_APP_SECRET })).status).toBe(200);
    const dead = await t.db.query<{ channel: string }>("SELECT channel FROM dead_letters WHERE reason = 'body nested too deeply' ORDER BY channel");
    expect(dead.rows.map((r) => r.channel)).toEqual(["telegram", "whatsapp"]);
    const sl = `{"type":"event_callback","event_id":"EvDeep","event":{"type":"message","deep":${DEEP}}}`;
    const ts = Math.floor(Date.now() / 1000);
    const sig = `v0=${createHmac("sha256", SLACK_SIGNING_SECRET).update(`v0:${ts}:${sl}`).digest("hex")}`;
    expect((await slack(sl, { "x-slack-request-timestamp": String(ts), "x-slack-signature": sig })).status).toBe(200);
    const all = await t.db.query<{ channel: string }>("SELECT channel FROM dead_letters WHERE reason = 'body nested too deeply' ORDER BY channel");
    expect(all.rows.map((r) => r.channel)).toEqual(["slack", "telegram", "whatsapp"]);
  });
});

describe("text that would act", () => {
  it("escapes a bare @channel, @here and @everyone on a lead card", () => {
    for (const mention of ["@channel", "@here", "@everyone", "@Channel"]) {
      const out = escapeMrkdwn(`please ${mention} call me`);
      expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
      expect(out.replace(/\u2060/g, "")).toBe(`please ${mention} call me`);
    }
  });

  it("never shows a budget of $∞", async () => {
    const tb = await createTestBot();
    try {
      const r = await tb.bot.handle({ channel: "telegram", conversation: "inf", sender: "inf", id: "inf-1", text: `my budget is ${"9".repeat(400)} dollars`, receivedAt: new Date() });
      const profile = await tb.bot.handle({ channel: "telegram", conversation: "inf", sender: "inf", id: "inf-2", text: "/profile", receivedAt: new Date() });
      for (const reply of [...r.replies, ...profile.replies]) expect(reply.text).not.toMatch(/∞|Infinity|NaN/);
    } finally {
      await tb.dispose();
    }
  });
});
