import { readFileSync } from "node:fs";
import { inject } from "vitest";
import type { SqlDriver } from "../../src/storage/driver.js";
import { migrate } from "../../src/storage/migrate.js";
import { createPgDriver } from "../../src/storage/pg-driver.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";

/** A migrated, empty database of one kind, and how to throw it away. */
export interface TestDatabase {
  name: "pglite" | "postgres";
  driver: SqlDriver;
  dispose(): Promise<void>;
}

/** An in-memory PGlite restored from the migrated snapshot made by the global setup. */
export async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const snapshot = new Blob([readFileSync(inject("pgliteSnapshot"))]);
  const driver = await createPgliteDriver({ loadDataDir: snapshot });
  return { name: "pglite", driver, dispose: () => driver.close() };
}

/** The PostgreSQL server of DATABASE_URL, when the run has one (CI always does). */
export const postgresUrl = process.env.DATABASE_URL || undefined;

/** A fresh, migrated database on the PostgreSQL server, dropped on dispose. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const { url, drop } = await createPostgresTestUrl();
  const driver = createPgDriver({ connectionString: url, max: 4 });
  await migrate(driver);
  return {
    name: "postgres",
    driver,
    async dispose() {
      await driver.close();
      await drop();
    },
  };
}

/** A fresh, empty database on the PostgreSQL server (for a process that migrates it itself), and its drop. */
export async function createPostgresTestUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error("DATABASE_URL is not set");
  const name = `rotabot_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = createPgDriver({ connectionString: postgresUrl, max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/** Every database kind this run can test: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const databaseKinds: { name: "pglite" | "postgres"; create: () => Promise<TestDatabase> }[] = [
  { name: "pglite", create: createPgliteTestDatabase },
  ...(postgresUrl ? [{ name: "postgres" as const, create: createPostgresTestDatabase }] : []),
];
