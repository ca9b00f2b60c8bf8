import { createBot, type Bot } from "./core/bot.js";
import type { Clock } from "./core/clock.js";
import { prepareKnowledge, type KnowledgeSource } from "./core/knowledge-source.js";
import type { Config } from "./config.js";
import { loadKnowledge } from "./knowledge/loader.js";
import type { Logger } from "./logger.js";
import { openStorage, type Storage, type StorageTarget } from "./storage/open-storage.js";

export interface App {
  bot: Bot;
  storage: Storage;
  knowledge: KnowledgeSource;
  close(): Promise<void>;
}

/**
 * Wires configuration, knowledge, storage and the bot. Loads the knowledge base
 * first, so a broken file stops start-up before the database is touched.
 * Throws KnowledgeError, StorageError.
 */
export async function createApp(
  config: Readonly<Config>,
  options: { logger: Logger; storage?: StorageTarget; clock?: Clock },
): Promise<App> {
  const { kb, warnings } = loadKnowledge(config.knowledgeDir);
  for (const w of warnings) options.logger.warn({ file: w.file, line: w.line }, w.message);
  const loaded = prepareKnowledge(kb);
  const knowledge: KnowledgeSource = { current: () => loaded };
  const storage = await openStorage(options.storage ?? config.database);
  const bot = createBot({
    store: storage.store,
    knowledge,
    logger: options.logger,
    clock: options.clock,
    maxMessageChars: config.maxMessageChars,
  });
  return { bot, storage, knowledge, close: () => storage.close() };
}
