import { afterAll, beforeAll } from "vitest";
import type { InboxStore } from "../../src/core/ports.js";
import { createSqlInbox } from "../../src/storage/sql-inbox.js";
import { createPgliteTestDatabase, type TestDatabase } from "./databases.js";

/** A fresh PGlite database and its inbox for the tests of one file or block (set up before them, disposed after). */
export function usePgliteInbox(): { readonly db: TestDatabase; readonly inbox: InboxStore } {
  const ctx = {} as { db: TestDatabase; inbox: InboxStore };
  beforeAll(async () => {
    ctx.db = await createPgliteTestDatabase();
    ctx.inbox = createSqlInbox(ctx.db.driver);
  });
  afterAll(() => ctx.db?.dispose());
  return ctx;
}
