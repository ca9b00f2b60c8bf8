import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDataDir, restoreDataDir } from "../../src/cli/backup.js";
import { migrate } from "../../src/storage/migrate.js";
import { createPgDriver } from "../../src/storage/pg-driver.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";
import { createPostgresTestUrl, postgresUrl } from "../helpers/databases.js";
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
  }, 120_000);
});

const pgTools = spawnSync("pg_dump", ["--version"]).status === 0 && spawnSync("pg_restore", ["--version"]).status === 0;

describe.skipIf(!postgresUrl || !pgTools)("PostgreSQL backup and restore as the README documents them (pg_dump -Fc, pg_restore --clean --if-exists)", () => {
  it("round-trips the rotabot schema and its rows", async () => {
    const { url, drop } = await createPostgresTestUrl();
    const root = mkdtempSync(join(tmpdir(), "rotabot-pgdump-"));
    const dump = join(root, "rotabot.dump");
    const driver = createPgDriver({ connectionString: url, max: 2 });
    try {
      await migrate(driver);
      await insertLead(driver, { conversation: "before-dump" });
      execFileSync("pg_dump", ["-d", url, "-Fc", "-f", dump]);
      await insertLead(driver, { conversation: "after-dump" });
      execFileSync("pg_restore", ["-d", url, "--clean", "--if-exists", dump]);
      const rows = await driver.query<{ conversation: string }>("SELECT conversation FROM leads ORDER BY id");
      expect(rows.rows.map((r) => r.conversation)).toEqual(["before-dump"]);
      // The restored database is a working rotabot database: migrations are recorded, nothing is applied again.
      expect(await migrate(driver)).toEqual([]);
    } finally {
      await driver.close();
      await drop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
