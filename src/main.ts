import { createBot, type Bot } from "./core/bot.js";
import type { Clock } from "./core/clock.js";
import { formatProblem } from "./core/errors.js";
import { staticKnowledge, type KnowledgeSource } from "./core/knowledge-source.js";
import type { Config } from "./config.js";
import { loadKnowledge } from "./knowledge/loader.js";
import type { LlmLayer } from "./llm/layer.js";
import { watchKnowledge } from "./knowledge/watch.js";
import type { Logger } from "./logger.js";
import { openStorage, type Storage, type StorageTarget } from "./storage/open-storage.js";

export interface App {
  bot: Bot;
  storage: Storage;
  knowledge: KnowledgeSource;
  /** The LLM layer, when OPENAI_API_KEY or OPENAI_BASE_URL is set. */
  llm?: LlmLayer;
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
 * Wires configuration, knowledge, storage, the optional LLM layer and the bot.
 * The database opens while the knowledge base loads (start-up time); a broken
 * knowledge file still stops start-up, after the database is closed again. With
 * the LLM configured, a broken prompt file stops start-up before anything opens.
 * Throws PromptError, KnowledgeError, StorageError.
 */
export async function createApp(config: Readonly<Config>, options: AppOptions): Promise<App> {
  const { logger } = options;
  const llm = config.llm ? await createLlm(config.llm, logger) : undefined;
  const opening = openStorage(options.storage ?? config.database);
  // Whatever happens to the knowledge base, the opening must not be left unobserved.
  opening.catch(() => {});
  let knowledge: KnowledgeSource;
  let stopWatching = () => {};
  try {
    ({ knowledge, close: stopWatching } = openKnowledge(config, { logger, watch: options.watchKnowledge ?? false }));
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
    turnBudgetMs: config.turnBudgetMs,
    counselorDesk: Boolean(config.slack),
    language: llm,
  });
  return {
    bot,
    storage,
    knowledge,
    llm,
    async close() {
      stopWatching();
      await storage.close();
    },
  };
}

/** The LLM layer, imported only when configured: LangChain adds start-up time every offline command would pay. */
async function createLlm(settings: NonNullable<Config["llm"]>, logger: Logger): Promise<LlmLayer> {
  const [{ createLanguageLayer }, { loadPrompts }] = await Promise.all([import("./llm/layer.js"), import("./llm/prompts.js")]);
  return createLanguageLayer({ settings, prompts: loadPrompts(settings.promptsDir), logger });
}

/**
 * The knowledge base of `config.knowledgeDir`: loaded once, or watched for
 * saved edits (a valid edit replaces it; an invalid one is logged and the last
 * good version stays). Throws KnowledgeError when the files are broken at start.
 */
export function openKnowledge(config: Readonly<Config>, options: { logger: Logger; watch: boolean; train?: boolean }): { knowledge: KnowledgeSource; close(): void } {
  if (options.watch) {
    const watched = watchKnowledge(config.knowledgeDir, { logger: options.logger, train: options.train });
    return { knowledge: watched, close: () => watched.close() };
  }
  const { kb, warnings } = loadKnowledge(config.knowledgeDir);
  for (const w of warnings) options.logger.warn(formatProblem(w));
  return { knowledge: staticKnowledge(kb, { train: options.train }), close: () => {} };
}
