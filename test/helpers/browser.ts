import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install chromium`), never a downloaded browser
 * build. `.ci/run` installs it when it is missing; where it cannot be
 * installed, browser tests skip with `browserMissing` as the reason.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. */
export const browserMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`;

/**
 * Launches headless Chromium the way this machine needs it: no sandbox (root),
 * and no background networking, whose connections the closed network refuses.
 */
export async function launchBrowser(): Promise<Browser> {
  if (browserMissing) throw new Error(browserMissing);
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
