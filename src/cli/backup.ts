import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { ConfigError, StorageError } from "../core/errors.js";
import { acquireLock, createPgliteDriver } from "../storage/pglite-driver.js";

/**
 * `rotabot backup` and `rotabot restore` for the embedded database (PGlite
 * under ROTABOT_DATA_DIR). The directory's lock file makes both refuse to run
 * while a rotabot process has it open: a copy of a running database is not a
 * backup. PostgreSQL deployments use pg_dump and pg_restore instead (README).
 */
function embeddedDataDir(dataDir?: string): string {
  if (dataDir) return dataDir;
  const config = loadConfig();
  if (config.database.kind !== "pglite") {
    throw new ConfigError("DATABASE_URL is set: rotabot backup and restore are for the embedded database; back up PostgreSQL with pg_dump (see the README, Deployment)");
  }
  return config.database.dataDir;
}

/** Writes a gzip tarball of the whole data directory (PGlite's dumpDataDir); returns its size. */
export async function backupDataDir(file: string, dataDir?: string): Promise<number> {
  const dir = embeddedDataDir(dataDir);
  if (!existsSync(join(dir, "pgdata"))) throw new StorageError(`There is no embedded database in ${dir} to back up`);
  const driver = await createPgliteDriver({ dataDir: dir });
  try {
    const bytes = Buffer.from(await (await driver.dump()).arrayBuffer());
    writeFileSync(file, bytes, { mode: 0o600 });
    return bytes.length;
  } finally {
    await driver.close();
  }
}

/**
 * Replaces the data directory's database with a backup. The current one is
 * moved aside (returned), never deleted; if the backup does not open, it is
 * moved back.
 */
export async function restoreDataDir(file: string, dataDir?: string, now = new Date()): Promise<string | undefined> {
  const dir = embeddedDataDir(dataDir);
  const bytes = readFileSync(file);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new StorageError(`${file} is not a rotabot backup (a gzip file made by rotabot backup)`);
  const pgdata = join(dir, "pgdata");
  let aside: string | undefined;
  if (existsSync(pgdata)) {
    const release = acquireLock(join(dir, "rotabot.lock"));
    try {
      aside = `${pgdata}.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`;
      renameSync(pgdata, aside);
    } finally {
      release();
    }
  }
  try {
    const driver = await createPgliteDriver({ dataDir: dir, loadDataDir: new Blob([bytes]) });
    try {
      await driver.query("SELECT count(*) FROM schema_migrations");
    } finally {
      await driver.close();
    }
  } catch (err) {
    if (aside) {
      const { rmSync } = await import("node:fs");
      rmSync(pgdata, { recursive: true, force: true });
      renameSync(aside, pgdata);
    }
    throw new StorageError(`Could not restore ${file}: ${(err as Error).message}`, { cause: err });
  }
  return aside;
}
