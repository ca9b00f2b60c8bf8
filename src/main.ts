import { createBot, type Bot } from "./core/bot.js";
import type { Clock } from "./core/clock.js";
import { formatProblem } from "./core/errors.js";
import { staticKnowledge, type KnowledgeSource } from "./core/knowledge-source.js";
import type { Config } from "./config.js";
import { loadKnowledge } from "./knowledge/loader.js";
import { watchKnowledge } from "./knowledge/watch.js";
import type { Logger } from "./logger.js";
import { openStorage, type Storage, type StorageTarget } from "./storage/open-storage.js";

export interface App {
  bot: Bot;
  storage: Storage;
  knowledge: KnowledgeSource;
  close(): Promise<void>;
}

export interface AppOptions {
  logger: Logger;
  /** Overrides the configured database (replay uses a throwaway in-memory one). */
  storage?: StorageTarget;
  clock?: Clock;
  /** Pick up saved knowledge edits while running (chat, serve). */
  watchKnowledge?: boolean;
}

/**
 * Wires configuration, knowledge, storage and the bot. The database opens while
 * the knowledge base loads (start-up time); a broken knowledge file still stops
 * start-up, after the database is closed again.
 * Throws KnowledgeError, StorageError.
 */
export async function createApp(config: Readonly<Config>, options: AppOptions): Promise<App> {
  const { logger } = options;
  const opening = openStorage(options.storage ?? config.database);
  // Whatever happens to the knowledge base, the opening must not be left unobserved.
  opening.catch(() => {});
  let knowledge: KnowledgeSource;
  let stopWatching = () => {};
  try {
    if (options.watchKnowledge) {
      const watched = watchKnowledge(config.knowledgeDir, { logger });
      knowledge = watched;
      stopWatching = () => watched.close();
    } else {
      const { kb, warnings } = loadKnowledge(config.knowledgeDir);
      for (const w of warnings) logger.warn(formatProblem(w));
      knowledge = staticKnowledge(kb);
    }
  } catch (err) {
    await opening.then((s) => s.close()).catch(() => {});
    throw err;
  }
  let storage: Storage;
  try {
    storage = await opening;
  } catch (err) {
    stopWatching();
    throw err;
  }
  const bot = createBot({
    store: storage.store,
    knowledge,
    logger,
    clock: options.clock,
    maxMessageChars: config.maxMessageChars,
  });
  return {
    bot,
    storage,
    knowledge,
    async close() {
      stopWatching();
      await storage.close();
    },
  };
}
