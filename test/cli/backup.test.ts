import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDataDir, restoreDataDir } from "../../src/cli/backup.js";
import { migrate } from "../../src/storage/migrate.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";
import { runCli } from "../helpers/cli.js";
import { insertLead } from "../helpers/leads.js";

const conversations = async (dir: string) => {
  const driver = await createPgliteDriver({ dataDir: dir });
  try {
    return (await driver.query<{ conversation: string }>("SELECT conversation FROM leads ORDER BY id")).rows.map((r) => r.conversation);
  } finally {
    await driver.close();
  }
};

describe("rotabot backup and restore (the embedded database)", () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "rotabot-backup-"));
    dir = join(root, "data");
    const driver = await createPgliteDriver({ dataDir: dir });
    await migrate(driver);
    await insertLead(driver, { conversation: "before-backup" });
    await driver.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("round-trips: a restore brings back the data as it was at the backup, and keeps the replaced data aside", async () => {
    const file = join(root, "rotabot.tar.gz");
    const bytes = await backupDataDir(file, dir);
    expect(bytes).toBeGreaterThan(1000);
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const driver = await createPgliteDriver({ dataDir: dir });
    await insertLead(driver, { conversation: "after-backup" });
    await driver.close();
    expect(await conversations(dir)).toEqual(["before-backup", "after-backup"]);

    const aside = await restoreDataDir(file, dir, new Date("2026-12-01T10:00:00Z"));
    expect(await conversations(dir)).toEqual(["before-backup"]);
    expect(aside).toBe(join(dir, "pgdata.before-restore-2026-12-01T10-00-00-000Z"));
    expect(existsSync(aside as string)).toBe(true);
  });

  it("refuses a file that is not a backup, and leaves the data alone", async () => {
    const bogus = join(root, "bogus.tar.gz");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bogus, "not a backup");
    await expect(restoreDataDir(bogus, dir)).rejects.toThrow(/not a rotabot backup/);
    expect(await conversations(dir)).toEqual(["before-backup"]);
  });

  it("as commands: refuses while another process has the database open, works once it is stopped; --version prints package.json's", async () => {
    const file = join(root, "cli.tar.gz");
    const env = { ROTABOT_DATA_DIR: dir };
    const open = await createPgliteDriver({ dataDir: dir });
    try {
      const refused = await runCli(["backup", file], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by another rotabot process \(pid \d+\)/);
    } finally {
      await open.close();
    }
    const ok = await runCli(["backup", file], { env });
    expect(ok.stderr).toMatch(/embedded database written to .*cli\.tar\.gz \(\d+ KB\)/);
    expect(ok.code).toBe(0);
    const version = await runCli(["--version"]);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
    expect(version.code).toBe(0);
    const pg = await runCli(["backup", file], { env: { DATABASE_URL: "postgres://rotabot@127.0.0.1:5432/rotabot" } });
    expect(pg.stderr).toMatch(/back up PostgreSQL with pg_dump/);
  });
});
