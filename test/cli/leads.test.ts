import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leadsCsv, neutralizeCell } from "../../src/cli/lead-export.js";
import { leadFilter, leadsExport, leadsList, leadsShow } from "../../src/cli/leads.js";
import { migrate } from "../../src/storage/migrate.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { listLeads } from "../../src/storage/sql-lead-list.js";
import { insertLead } from "../helpers/leads.js";
import { runCli } from "../helpers/cli.js";
import { seedActivity, type SeedResult } from "../helpers/seed.js";

describe("rotabot leads", () => {
  let dir: string;
  let seed: SeedResult;
  let formulaLead: number;
  let forgotten: number;
  const target = () => ({ kind: "pglite" as const, dataDir: dir });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rotabot-leads-"));
    const driver = await createPgliteDriver({ dataDir: dir });
    await migrate(driver);
    seed = await seedActivity(driver, 6);
    // A lead whose name a spreadsheet would run as a formula, and one forgotten after consenting.
    formulaLead = await insertLead(driver, { conversation: "formula", name: "=HYPERLINK(\"http://evil\",\"x\")", contactKind: "phone", contact: "+14155550199", at: new Date("2026-11-12T12:00:00Z") });
    forgotten = await insertLead(driver, { conversation: "gone", name: "Gone Student", contactKind: "email", contact: "gone@example.com", at: new Date("2026-11-12T13:00:00Z") });
    await driver.query("INSERT INTO consents (channel, sender, lead_id, decision, version, at) VALUES ('telegram', 'gone', $1, 'granted', 'v1', now())", [forgotten]);
    await createSqlStore(driver).forget("telegram", "gone");
    await driver.close();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists leads newest first, filtered by status and creation day", async () => {
    const lines: string[] = [];
    await leadsList({ status: "closed", since: "2026-11-10", until: "2026-11-15" }, (l) => lines.push(l), target());
    const rows = lines.filter((l) => /^\s+\d+\s/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => /\sclosed\s/.test(r))).toBe(true);
    expect(rows.every((r) => /2026-11-1[0-5]/.test(r))).toBe(true);
    const all: string[] = [];
    await leadsList({}, (l) => all.push(l), target());
    expect(all.join("\n")).toMatch(/redacted/);
    await expect(leadsList({ status: "lost" }, () => {}, target())).rejects.toThrow(/collecting, queued, claimed, closed/);
    expect(() => leadFilter({ since: "yesterday-ish" })).toThrow(/YYYY-MM-DD/);
  });

  it("shows one lead with its contact details, summary and consent record", async () => {
    const id = seed.leads.closed[0] as number;
    const lines: string[] = [];
    expect(await leadsShow(id, (l) => lines.push(l), target())).toBe(true);
    const text = lines.join("\n");
    expect(text).toContain(`Lead ${id}: closed`);
    expect(text).toContain(`email: ${seed.email}`);
    expect(text).toMatch(/Summary:\n/);
    expect(text).toMatch(/Consent record:\n\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+granted\s+wording \S+\s+on (telegram|whatsapp)/);
    const gone: string[] = [];
    await leadsShow(forgotten, (l) => gone.push(l), target());
    expect(gone.join("\n")).toMatch(/redacted/);
    expect(gone.join("\n")).not.toContain("gone@example.com");
    expect(await leadsShow(999_999, () => {}, target())).toBe(false);
  });

  it("exports CSV (RFC 4180, formulas neutralized) and JSON lines with consented contacts only; redacted leads stay redacted", async () => {
    let csv = "";
    const n = await leadsExport({ format: "csv" }, (t) => (csv += t), target());
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(n);
    expect(csv.split("\r\n")[0]).toBe("id,status,channel,trigger,score,consent,name,email,phone,best_time,claimed_by,outcome,created_at,queued_at,claimed_at,closed_at,redacted");
    const formula = records.find((r) => r.id === String(formulaLead));
    expect(formula?.name).toBe("'=HYPERLINK(\"http://evil\",\"x\")");
    expect(formula?.phone).toBe("'+14155550199");
    const gone = records.find((r) => r.id === String(forgotten));
    expect(gone).toMatchObject({ name: "", email: "", phone: "", redacted: "true" });
    expect(csv).not.toContain("gone@example.com");
    let jsonl = "";
    await leadsExport({ format: "jsonl", status: "closed" }, (t) => (jsonl += t), target());
    const lines = jsonl.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.every((l) => l.status === "closed")).toBe(true);
    expect(lines.find((l) => l.id === seed.leads.closed[0])).toMatchObject({ email: seed.email, consent: "granted", outcome: expect.any(String) });
    expect(lines.find((l) => l.id === forgotten)).toMatchObject({ name: null, email: null, redacted: true });
  });

  it("writes no contact details of a lead without consent", async () => {
    const driver = await createPgliteDriver({ dataDir: dir });
    try {
      const id = await insertLead(driver, { conversation: "declined", consent: "declined", name: "No Consent", contactKind: "email", contact: "no@example.com" });
      const leads = await listLeads(driver, {});
      expect(leadsCsv(leads.filter((l) => l.id === id))).not.toContain("no@example.com");
    } finally {
      await driver.close();
    }
  });

  it("neutralizes every cell a spreadsheet would run: = + - @ tab and carriage return", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"].map(neutralizeCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b"]);
  });

  it("runs as a command: rotabot leads export --format jsonl --out file", async () => {
    const out = join(dir, "..", `leads-${process.pid}.jsonl`);
    const r = await runCli(["leads", "export", "--format", "jsonl", "--out", out], { env: { ROTABOT_DATA_DIR: dir } });
    expect(r.stderr).toMatch(/\d+ lead\(s\) written to /);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n").length).toBeGreaterThan(3);
    rmSync(out);
  }, 90_000);
});
