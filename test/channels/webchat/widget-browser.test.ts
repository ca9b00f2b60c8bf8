import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_CLAIM } from "../../../src/channels/slack/card.js";
import { realKnowledge } from "../../helpers/bot.js";
import { browserMissing, launchBrowser } from "../../helpers/browser.js";
import { startSlackTestServer, type SlackTestServer } from "../../helpers/slack-server.js";
import { LEADS_CHANNEL, postSlackAction, postSlackEvent, threadReply } from "../../helpers/slack-requests.js";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.js";
import { webchatEnv } from "../../helpers/webchat.js";

/**
 * The widget in headless Chromium, on the demo page of rotabot serve (reached
 * through a TCP proxy, so that the test can cut the page's connection), with
 * the counselor desk on a fake Slack. One visitor's whole story, in order.
 * UPDATE_SCREENSHOTS=1 also writes docs/webchat.png (the README's picture).
 */
const messages = realKnowledge().messages;
const SCREENSHOT = fileURLToPath(new URL("../../../docs/webchat.png", import.meta.url));

describe.skipIf(browserMissing !== undefined)(`the web chat widget in Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  let t: SlackTestServer;
  let proxy: TcpProxy;
  let browser: Browser;
  let page: Page;
  let site: string;
  beforeAll(async () => {
    t = await startSlackTestServer("pglite", { env: webchatEnv, serve: { webchatPollMs: 200 } });
    proxy = await startTcpProxy({ host: "127.0.0.1", port: t.server.port });
    site = `http://127.0.0.1:${proxy.port}`;
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.close();
  });

  const bot = () => page.locator(".msg.bot");
  const botTexts = () => bot().allTextContents();
  const say = async (text: string) => {
    const n = await bot().count();
    await page.locator("textarea").fill(text);
    await page.locator("textarea").press("Enter");
    await expectMore(n, `an answer to "${text}"`);
  };
  const expectMore = async (n: number, what: string) => {
    await expect.poll(() => bot().count(), { timeout: 15_000, message: `no ${what}` }).toBeGreaterThan(n);
  };
  /** Whether the element has the focus inside the widget's shadow root. */
  const focused = (el: { getRootNode(): unknown }) => el === (el.getRootNode() as { activeElement?: unknown }).activeElement;
  const visitor = async () => String(await page.evaluate('Object.entries(localStorage).find(([k]) => k.startsWith("rotabot-webchat:"))?.[1] ?? "{}"')).match(/"token":"(v[^.]+)\./)?.[1] ?? "";
  const lead = async (conversation: string) =>
    (await t.db.query<{ id: number; status: string; step: string | null; slack_ts: string | null }>("SELECT id, status, step, slack_ts FROM leads WHERE conversation = $1 ORDER BY id DESC LIMIT 1", [conversation])).rows[0];

  it("opens from the launcher with the welcome and the automated-answers notice, and answers a cost question with a dollar figure", async () => {
    await page.goto(`${site}/webchat/`);
    await page.getByRole("button", { name: "Open the chat" }).click();
    await expect.poll(() => page.locator("textarea").evaluate(focused)).toBe(true);
    await expectMore(0, "welcome");
    expect((await botTexts())[0]).toContain("automated assistant");
    await expect.poll(() => page.locator(".notice").textContent()).toMatch(/automated/i);
    expect(await page.locator(".notice a").getAttribute("href")).toMatch(/#privacy$/);
    expect(await page.locator('[role="log"]').getAttribute("aria-live")).toBe("polite");

    await say("How much does an observership cost?");
    const answer = (await botTexts()).at(-1) ?? "";
    expect(answer).toMatch(/\$\d/);
    // Bold and bullets are elements built from text; the sources' addresses are links.
    const last = bot().last();
    expect(await last.locator("li").count()).toBeGreaterThan(1);
    expect(await last.locator("strong").count()).toBeGreaterThan(0);
    expect((await last.locator("a").first().getAttribute("href")) ?? "").toMatch(/^https:\/\//);
    if (process.env.UPDATE_SCREENSHOTS) {
      const shot = join(mkdtempSync(join(tmpdir(), "rotabot-shot-")), "webchat.png");
      await page.screenshot({ path: shot });
      copyFileSync(shot, SCREENSHOT);
    }
  });

  it("shows what a visitor types as text, never as markup", async () => {
    await say('<img src=x onerror="window.__xss=1">what is an externship?');
    expect(await page.locator(".msg.visitor").last().textContent()).toBe('<img src=x onerror="window.__xss=1">what is an externship?');
    expect(await page.locator(".msg img").count()).toBe(0);
    expect(await page.evaluate("window.__xss")).toBeUndefined();
  });

  it("goes through the lead form with quick-reply buttons, to a card in Slack", async () => {
    await say("I want to talk to a counselor");
    const id = await visitor();
    expect(id).not.toBe("");
    expect((await lead(id))?.step).toBe("consent");
    const answers: Record<string, string> = { name: "Priya Raman", contact: "priya@example.org", specialty: "internal medicine", target_start: "March 2027" };
    const buttons: Record<string, string> = { consent: "I agree", best_time: "Evenings", status: "Student" };
    for (let step = 0; step < 10; step++) {
      const l = await lead(id);
      if (!l || l.status !== "collecting") break;
      const n = await bot().count();
      const button = buttons[l.step ?? ""];
      if (button) await page.locator(".quick button", { hasText: button }).click();
      else {
        await page.locator("textarea").fill(answers[l.step ?? ""] ?? "skip");
        await page.locator("textarea").press("Enter");
      }
      await expectMore(n, `the form step after ${l.step}`);
    }
    await t.until(async () => (await lead(id))?.slack_ts != null, "the card in Slack");
    const { slack_ts: ts } = (await lead(id)) as { slack_ts: string };
    expect(t.slack.cards(LEADS_CHANNEL).some((c) => c.ts === ts)).toBe(true);
  });

  it("shows the same history after a reload, each reply once, and in a second tab", async () => {
    const before = await botTexts();
    const mine = await page.locator(".msg.visitor").allTextContents();
    await page.reload();
    await expect.poll(() => bot().count()).toBeGreaterThanOrEqual(before.length);
    await page.waitForTimeout(500);
    expect(await botTexts()).toEqual(before);
    expect(await page.locator(".msg.visitor").allTextContents()).toEqual(mine);
    await page.getByRole("button", { name: "Open the chat" }).click();

    // A second tab of the same browser goes on with the same conversation, and both show what either gets.
    const tab = await page.context().newPage();
    try {
      await tab.goto(`${site}/webchat/`);
      await tab.getByRole("button", { name: "Open the chat" }).click();
      await expect.poll(() => tab.locator(".msg.bot").allTextContents()).toEqual(before);
      const n = await bot().count();
      await tab.locator("textarea").fill("what is an externship?");
      await tab.locator("textarea").press("Enter");
      await expectMore(n, "the answer to the other tab's question");
      await expect.poll(() => page.locator(".msg.visitor").last().textContent()).toBe("what is an externship?");
    } finally {
      await tab.close();
    }
  });

  it("gets a counselor's reply from Slack, after a lost connection the replies sent meanwhile exactly once, and later ones on the next visit", async () => {
    const id = await visitor();
    const { id: leadId, slack_ts: ts } = (await lead(id)) as { id: number; slack_ts: string };
    await postSlackAction(t.url, { actionId: ACTION_CLAIM, value: String(leadId), user: "UANA00001", responseUrl: t.slack.responseUrl("claim") });
    await expect.poll(botTexts, { timeout: 10_000 }).toContain(messages.lead_claimed);
    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: "1960000000.000001", user: "UANA00001", text: "Hi Priya, Ana here." }));
    await expect.poll(botTexts, { timeout: 10_000 }).toContain("Hi Priya, Ana here.");

    await proxy.cut();
    const meanwhile = ["Are evenings India time fine?", "I can call on Tuesday."];
    for (const [i, text] of meanwhile.entries()) {
      await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: `1960000000.00001${i}`, user: "UANA00001", text }));
    }
    await t.until(async () => {
      const r = await t.db.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE channel = 'webchat' AND conversation = $1 AND web_seq IS NOT NULL AND payload->'reply'->>'text' = ANY($2::text[])", [id, meanwhile]);
      return r.rows[0]?.n === 2;
    }, "both replies stored for the visitor");
    await expect.poll(() => page.locator(".msg.system").allTextContents(), { timeout: 10_000 }).toContain("Connection lost. Reconnecting…");
    await proxy.restore();
    for (const text of meanwhile) await expect.poll(botTexts, { timeout: 15_000 }).toContain(text);
    await page.waitForTimeout(1500);
    const texts = await botTexts();
    for (const text of [...meanwhile, "Hi Priya, Ana here.", messages.lead_claimed]) expect(texts.filter((x) => x === text)).toHaveLength(1);

    // The visitor has left the site; the counselor's next reply is waiting when they come back.
    await page.goto("about:blank");
    await postSlackEvent(t.url, threadReply({ threadTs: ts, ts: "1960000000.000020", user: "UANA00001", text: "Call you Tuesday at 6 pm IST." }));
    await t.until(async () => {
      const r = await t.db.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE channel = 'webchat' AND conversation = $1 AND web_seq IS NOT NULL AND payload->'reply'->>'text' = $2", [id, "Call you Tuesday at 6 pm IST."]);
      return r.rows[0]?.n === 1;
    }, "the later reply stored for the visitor");
    await page.goto(`${site}/webchat/`);
    await page.getByRole("button", { name: "Open the chat" }).click();
    await expect.poll(botTexts, { timeout: 10_000 }).toContain("Call you Tuesday at 6 pm IST.");
    expect((await botTexts()).filter((x) => x === "I can call on Tuesday.")).toHaveLength(1);
  });

  it("closes with Escape back to the launcher, and fills a phone's screen", async () => {
    await page.locator("textarea").focus();
    await page.keyboard.press("Escape");
    expect(await page.locator(".panel").isHidden()).toBe(true);
    expect(await page.getByRole("button", { name: "Open the chat" }).evaluate(focused)).toBe(true);
    const phone = await browser.newPage({ viewport: { width: 390, height: 780 } });
    try {
      await phone.goto(`${site}/webchat/`);
      await phone.getByRole("button", { name: "Open the chat" }).click();
      const box = await phone.locator(".panel").boundingBox();
      expect(box).toEqual({ x: 0, y: 0, width: 390, height: 780 });
    } finally {
      await phone.close();
    }
  });
});
