import { existsSync } from "node:fs";
import { join } from "node:path";
import { createBot, type Bot } from "./dialog/bot.js";
import type { Clock } from "./core/clock.js";
import { formatProblem } from "./core/errors.js";
import { prepareKnowledge, staticKnowledge, type KnowledgeSource } from "./nlu/knowledge-source.js";
import type { Config } from "./config.js";
import { cachedKnowledge } from "./knowledge/cache.js";
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
  /**
   * Short progress lines for a person waiting at a first start: creating an
   * embedded database (PostgreSQL's initdb inside PGlite) takes seconds, once.
   */
  progress?: (line: string) => void;
  /** The classifier's training seed (`npm run eval -- --seeds`); the default otherwise. */
  nluSeed?: number;
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
  const target = options.storage ?? config.database;
  const started = Date.now();
  const fresh = target.kind === "pglite" && target.dataDir !== undefined && !("loadDataDir" in target && target.loadDataDir) && !existsSync(join(target.dataDir, "pgdata"));
  if (fresh) options.progress?.(`first start: creating the embedded database in ${target.dataDir} (a few seconds, only this once)...`);
  const opening = openStorage(target);
  if (fresh) opening.then(() => options.progress?.(`database ready in ${((Date.now() - started) / 1000).toFixed(1)} s`), () => {});
  // Whatever happens to the knowledge base, the opening must not be left unobserved.
  opening.catch(() => {});
  let knowledge: KnowledgeSource;
  let stopWatching = () => {};
  try {
    ({ knowledge, close: stopWatching } = openKnowledge(config, { logger, watch: options.watchKnowledge ?? false, seed: options.nluSeed }));
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
    // A lead reaches people through the Slack desk or an agency's own system (the lead webhook).
    counselorDesk: Boolean(config.slack || config.leadWebhook),
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
export function openKnowledge(config: Readonly<Config>, options: { logger: Logger; watch: boolean; train?: boolean; seed?: number }): { knowledge: KnowledgeSource; close(): void } {
  if (options.watch) {
    const watched = watchKnowledge(config.knowledgeDir, (kb) => prepareKnowledge(kb, { train: options.train, seed: options.seed }), { logger: options.logger, load: cachedKnowledge(loadKnowledge) });
    return { knowledge: watched, close: () => watched.close() };
  }
  const { kb, warnings } = cachedKnowledge(loadKnowledge)(config.knowledgeDir);
  for (const w of warnings) options.logger.warn(formatProblem(w));
  return { knowledge: staticKnowledge(kb, { train: options.train, seed: options.seed }), close: () => {} };
}
