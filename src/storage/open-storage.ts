import type { ConversationStore, InboxStore } from "../core/ports.js";
import type { SqlDriver } from "./driver.js";
import { migrate } from "./migrate.js";
import type { LeadDesk, SlackOutbox } from "../leads/desk.js";
import { createSqlInbox } from "./sql-inbox.js";
import { createSqlLeadDesk } from "./sql-lead-desk.js";
import { createSqlSlackOutbox } from "./sql-slack-outbox.js";
import { createSqlStore } from "./sql-store.js";
import { createSqlWebchat } from "./sql-webchat.js";
import type { WebchatMailbox } from "../core/webchat-mailbox.js";

/** Where the data lives; `loadDataDir` starts an in-memory PGlite from a snapshot (tests). */
export type StorageTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir?: string; loadDataDir?: Blob };

export interface Storage {
  driver: SqlDriver;
  store: ConversationStore;
  inbox: InboxStore;
  /** The counselor desk (Slack side of leads) and the Slack outbox. */
  desk: LeadDesk;
  slackOutbox: SlackOutbox;
  /** The lead webhook's outbox (channel "webhook"): the same rules as the Slack outbox. */
  webhookOutbox: SlackOutbox;
  /** The web chat's stamped replies (the outbox rows of channel "webchat"). */
  webchat: WebchatMailbox;
  close(): Promise<void>;
}

/** Opens the database, applies pending migrations and returns the store. */
export async function openStorage(target: StorageTarget): Promise<Storage> {
  // Each driver is imported only when used: loading both costs start-up time for nothing.
  const driver =
    target.kind === "postgres"
      ? (await import("./pg-driver.js")).createPgDriver({ connectionString: target.url })
      : await (await import("./pglite-driver.js")).createPgliteDriver({ dataDir: target.dataDir, loadDataDir: target.loadDataDir });
  try {
    await migrate(driver);
  } catch (err) {
    await driver.close().catch(() => {});
    throw err;
  }
  // An embedded database belongs to this process alone (see the lock in pglite-driver),
  // so the store may keep conversations in memory between turns.
  return {
    driver,
    store: createSqlStore(driver, { exclusive: target.kind === "pglite" }),
    inbox: createSqlInbox(driver, { withConversation: target.kind === "postgres" }),
    desk: createSqlLeadDesk(driver),
    slackOutbox: createSqlSlackOutbox(driver),
    webhookOutbox: createSqlSlackOutbox(driver, "webhook"),
    webchat: createSqlWebchat(driver),
    close: () => driver.close(),
  };
}
