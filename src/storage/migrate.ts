import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../config.js";
import type { SqlDriver } from "./driver.js";

/** The SQL files ship in src/ whether the code runs from src/ or from the compiled dist/. */
const MIGRATIONS_DIR = join(PACKAGE_ROOT, "src", "storage", "migrations");
/** Arbitrary constant: serializes migrations across processes sharing one database. */
const MIGRATION_LOCK = 7_253_114;

export interface Migration {
  version: string;
  sql: string;
}

/** The migrations shipped in `src/storage/migrations`, in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ""), sql: readFileSync(`${dir}/${f}`, "utf8") }));
}

/**
 * Applies every migration not yet applied, each in its own transaction, under
 * an advisory lock so that two processes starting together apply each once.
 * Returns the versions applied by this call.
 */
export async function migrate(driver: SqlDriver, migrations = listMigrations()): Promise<string[]> {
  // Start-up fast path: when every migration is applied (every start after the first),
  // one read says so, instead of a locked transaction per migration.
  if (await allApplied(driver, migrations)) return [];
  await driver.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await driver.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const seen = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [m.version]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Whether every migration is recorded: two reads, no lock, nothing written. */
async function allApplied(driver: SqlDriver, migrations: Migration[]): Promise<boolean> {
  const table = await driver.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return false;
  const r = await driver.query<{ version: string }>("SELECT version FROM schema_migrations");
  const applied = new Set(r.rows.map((row) => row.version));
  return migrations.every((m) => applied.has(m.version));
}
