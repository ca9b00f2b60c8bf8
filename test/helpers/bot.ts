import { fixedClock } from "../../src/core/clock.js";
import { createBot, type Bot, type BotOptions } from "../../src/dialog/bot.js";
import { staticKnowledge } from "../../src/nlu/knowledge-source.js";
import { loadKnowledge, type KnowledgeBase } from "../../src/knowledge/loader.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { createPgliteTestDatabase, type TestDatabase } from "./databases.js";
import { testLogger } from "./logs.js";
import { fileURLToPath } from "node:url";

export const KNOWLEDGE_DIR = fileURLToPath(new URL("../../knowledge", import.meta.url));

let cached: KnowledgeBase | undefined;
/** The real knowledge base of the repository, loaded once per test file. */
export function realKnowledge(): KnowledgeBase {
  cached ??= loadKnowledge(KNOWLEDGE_DIR, new Date("2026-11-22T12:00:00Z")).kb;
  return cached;
}

export interface TestBot {
  bot: Bot;
  db: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  dispose(): Promise<void>;
}

/** A bot on the real knowledge base, a fresh PGlite database and a fixed clock. */
export async function createTestBot(options: Partial<BotOptions> = {}, db?: TestDatabase): Promise<TestBot> {
  const database = db ?? (await createPgliteTestDatabase());
  const clock = fixedClock("2026-11-22T10:00:00Z");
  const bot = createBot({ store: createSqlStore(database.driver), knowledge: staticKnowledge(realKnowledge()), clock, logger: testLogger(), ...options });
  return { bot, db: database, clock, dispose: () => database.dispose() };
}
