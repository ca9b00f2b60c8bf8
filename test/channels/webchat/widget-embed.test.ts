import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserMissing, launchBrowser } from "../../helpers/browser.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { WEBCHAT_SECRET } from "../../helpers/webchat.js";

/**
 * The widget embedded as an agency would: one script tag on a page of
 * another origin. An origin listed in WEBCHAT_ORIGINS chats (CORS on every
 * call, the event stream included); another one is refused, and its visitor
 * is told the message could not be sent.
 */
describe.skipIf(browserMissing !== undefined)(`the widget on another site${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  let t: TestServer;
  let agency: Server;
  let other: Server;
  let browser: Browser;
  const site = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const page = (bot: () => string) =>
    createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Agency</title><h1>Study in the US</h1><script src="${bot()}/webchat/widget.js" data-privacy-url="/privacy" data-title="Ask us" defer></script>`);
    });
  beforeAll(async () => {
    let botUrl = "";
    agency = page(() => botUrl);
    other = page(() => botUrl);
    await Promise.all([agency, other].map((s) => new Promise<void>((done) => s.listen(0, "127.0.0.1", done))));
    t = await startTestServer("pglite", { env: { WEBCHAT_SECRET, WEBCHAT_ORIGINS: site(agency) } });
    botUrl = t.url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([agency, other].map((s) => new Promise<void>((done) => (s ? s.close(() => done()) : done()))));
  });

  it("chats on an allowed site, with the tag's title and privacy link", async () => {
    const p = await browser.newPage();
    await p.goto(`${site(agency)}/`);
    await p.getByRole("button", { name: "Open the chat" }).click();
    expect(await p.locator("#rb-title").textContent()).toBe("Ask us");
    expect(await p.locator(".notice a").getAttribute("href")).toBe(`${site(agency)}/privacy`);
    await expect.poll(() => p.locator(".msg.bot").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await p.locator("textarea").fill("How much does the VSLO application cost?");
    await p.locator("textarea").press("Enter");
    await expect.poll(async () => (await p.locator(".msg.bot").allTextContents()).at(-1) ?? "", { timeout: 15_000 }).toMatch(/\$\d/);
    await p.close();
  });

  it("is refused on a site that is not listed, and says so", async () => {
    const p = await browser.newPage();
    await p.goto(`${site(other)}/`);
    await p.getByRole("button", { name: "Open the chat" }).click();
    await expect.poll(() => p.locator(".msg.system").allTextContents(), { timeout: 15_000 }).toContain("Your message could not be sent. Check your connection and try again.");
    expect(await p.locator(".msg.bot").count()).toBe(0);
    await p.close();
  });
});
