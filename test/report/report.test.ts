import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportData } from "../../src/storage/sql-report.js";
import { FACTUAL_INTENTS } from "../../src/core/intents.js";
import { buildReport, dueEntries } from "../../src/cli/report/write-report.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";
import { browserMissing, launchBrowser } from "../helpers/browser.js";
import { runCli } from "../helpers/cli.js";
import { KNOWLEDGE_DIR, realKnowledge } from "../helpers/bot.js";
import { databaseKinds, type TestDatabase } from "../helpers/databases.js";
import { seedActivity, type SeedResult } from "../helpers/seed.js";

export const OUTPUT_DIR = fileURLToPath(new URL("../../test-output/", import.meta.url));

describe.each(databaseKinds)("the report's figures on $name", ({ create }) => {
  let db: TestDatabase;
  let seed: SeedResult;
  beforeAll(async () => {
    db = await create();
    seed = await seedActivity(db.driver, 6);
  }, 120_000);
  afterAll(() => db?.dispose());

  it("counts turns, conversations, fallbacks and the lead funnel as stored", async () => {
    const r = await reportData(db.driver, seed.start, seed.end, [...FACTUAL_INTENTS]);
    const inbound = Number((await db.driver.query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE direction = 'in'")).rows[0]?.n);
    expect(r.days).toHaveLength(6);
    expect(r.days.reduce((n, d) => n + d.turns, 0)).toBe(inbound);
    expect(r.days.every((d) => d.fellBack > 0 || d.turns > 0)).toBe(true);
    expect(r.days.reduce((n, d) => n + d.fellBack, 0)).toBeGreaterThan(0);
    expect(r.intents.reduce((n, i) => n + i.turns, 0)).toBeLessThanOrEqual(inbound);
    expect(r.entries.length).toBeGreaterThan(3);
    expect(r.funnel).toMatchObject({ queued: seed.leads.queued.length, claimed: seed.leads.claimed.length, closed: seed.leads.closed.length, consented: seed.leads.queued.length });
    expect(r.funnel.started).toBe(seed.leads.queued.length + r.funnel.stoppedInForm);
    expect(r.funnel.stoppedInForm).toBeGreaterThan(0);
    expect(r.funnel.offered).toBeGreaterThanOrEqual(r.funnel.started);
    expect(r.claimMinutes).toHaveLength(seed.leads.claimed.length);
    expect(r.claimMinutes.every((m) => m > 0)).toBe(true);
    expect(r.outcomes.reduce((n, o) => n + o.leads, 0)).toBe(seed.leads.closed.length);
  });
});

describe("entries due for review", () => {
  it("lists review_by dates within 60 days or passed, and entries without one reviewed over a year ago", () => {
    const kb = realKnowledge();
    const base = kb.entries[0] as (typeof kb.entries)[number];
    const entries = [
      { ...base, id: "soon", reviewed: "2026-06-01", review_by: "2026-12-20" },
      { ...base, id: "passed", reviewed: "2026-01-01", review_by: "2026-11-01" },
      { ...base, id: "later", reviewed: "2026-06-01", review_by: "2027-06-01" },
      { ...base, id: "old", reviewed: "2025-10-01", review_by: undefined },
      { ...base, id: "fresh", reviewed: "2026-10-01", review_by: undefined },
    ];
    const due = dueEntries({ ...kb, entries } as typeof kb, new Date("2026-12-01T00:00:00Z"));
    expect(due.map((e) => [e.id, e.overdue])).toEqual([
      ["old", true],
      ["passed", true],
      ["soon", false],
    ]);
  });
});

describe("rotabot report", () => {
  let dataDir: string;
  let seed: SeedResult;
  let html: string;
  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    dataDir = join(OUTPUT_DIR, `report-db-${process.pid}`);
    rmSync(dataDir, { recursive: true, force: true });
    const driver = await createPgliteDriver({ dataDir });
    const { migrate } = await import("../../src/storage/migrate.js");
    await migrate(driver);
    seed = await seedActivity(driver, 21);
    await driver.close();
    html = await buildReport({ days: 21, now: seed.end, storage: { kind: "pglite", dataDir }, knowledgeDir: KNOWLEDGE_DIR });
    writeFileSync(join(OUTPUT_DIR, "report.html"), html);
  }, 240_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("is one HTML file with a chart per section, drawn by Vega as inline SVG", () => {
    for (const title of ["Conversations and turns per day", "Intents", "Fallback and clarify rate", "Most-asked entries", "Unanswered questions (kb gaps)", "Lead funnel", "Time to claim", "Entries due for review"]) {
      expect(html).toContain(`<h2>${title.replace("(", "(")}</h2>`);
    }
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(8);
    expect(html).toContain('class="marks"'); // Vega's SVG renderer
    expect(html).toContain("can I bring my cat to the hospital rotation");
  });

  it("needs no network and runs no script: no http(s) resource, no <script>, student text escaped", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    // Only SVG namespace names mention http at all.
    expect(html.match(/https?:\/\/[^"' )]+/g)?.every((u) => /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toBe(true);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("runs as a command: rotabot report --days 30 --out file", async () => {
    const out = join(OUTPUT_DIR, `report-cli-${process.pid}.html`);
    const r = await runCli(["report", "--days", "30", "--out", out], { env: { ROTABOT_DATA_DIR: dataDir } });
    expect(r.stderr).toMatch(/report of the last 30 days written to .*report-cli-\d+\.html \(\d+ KB\)/);
    expect(r.code).toBe(0);
    const written = readFileSync(out, "utf8");
    expect(written).toMatch(/^<!doctype html>/);
    expect(written.match(/<svg /g)?.length).toBeGreaterThanOrEqual(8);
    rmSync(out);
  }, 90_000);

  it.skipIf(browserMissing !== undefined)(`opens in headless Chromium with the network cut, and a screenshot is written to test-output/report.png${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 820, height: 1200 } });
      const requested: string[] = [];
      await page.route("**/*", (route) => {
        requested.push(route.request().url());
        return route.request().url().startsWith("file:") ? route.continue() : route.abort();
      });
      await page.goto(`file://${join(OUTPUT_DIR, "report.html")}`);
      expect(requested).toEqual([`file://${join(OUTPUT_DIR, "report.html")}`]);
      const charts = await page.locator("section svg").count();
      expect(charts).toBeGreaterThanOrEqual(8);
      const box = await page.locator("section svg").first().boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      await page.screenshot({ path: join(OUTPUT_DIR, "report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
