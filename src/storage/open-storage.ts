import type { ConversationStore } from "../core/ports.js";
import type { SqlDriver } from "./driver.js";
import { migrate } from "./migrate.js";
import { createPgDriver } from "./pg-driver.js";
import { createPgliteDriver } from "./pglite-driver.js";
import { createSqlStore } from "./sql-store.js";

export type StorageTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir?: string };

export interface Storage {
  driver: SqlDriver;
  store: ConversationStore;
  close(): Promise<void>;
}

/** Opens the database, applies pending migrations and returns the store. */
export async function openStorage(target: StorageTarget): Promise<Storage> {
  const driver =
    target.kind === "postgres"
      ? createPgDriver({ connectionString: target.url })
      : await createPgliteDriver({ dataDir: target.dataDir });
  try {
    await migrate(driver);
  } catch (err) {
    await driver.close().catch(() => {});
    throw err;
  }
  return { driver, store: createSqlStore(driver), close: () => driver.close() };
}
