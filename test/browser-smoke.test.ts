import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { browserMissing, launchBrowser } from "./helpers/browser.js";

describe.skipIf(browserMissing !== undefined)(`headless Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><button onclick=\"document.title='clicked'\">Go</button>");
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("opens a page served on 127.0.0.1 and clicks a button", async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.click("button");
      expect(await page.title()).toBe("clicked");
    } finally {
      await browser.close();
    }
  });
});
