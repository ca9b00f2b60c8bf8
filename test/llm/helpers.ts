import { fileURLToPath } from "node:url";
import type { LlmConfig } from "../../src/config.js";
import { createLanguageLayer, type LlmLayer } from "../../src/llm/layer.js";
import { loadPrompts } from "../../src/llm/prompts.js";
import { createTestBot, type TestBot } from "../helpers/bot.js";
import { startFakeOpenAi, type FakeOpenAi } from "../fakes/openai-api.js";

export const PROMPTS_DIR = fileURLToPath(new URL("../../prompts", import.meta.url));

/** LLM settings for tests: the fake, no retries and a short deadline unless a test asks otherwise. */
export function testSettings(baseUrl: string, overrides: Partial<LlmConfig> = {}): LlmConfig {
  return {
    apiKey: "sk-test",
    baseUrl,
    model: "gpt-4o-mini",
    timeoutMs: 1500,
    maxRetries: 0,
    maxTokens: 700,
    pricePer1kTokens: 0.0006,
    structuredOutput: "jsonSchema",
    promptsDir: PROMPTS_DIR,
    ...overrides,
  };
}

export interface LlmTestBot extends TestBot {
  fake: FakeOpenAi;
  layer: LlmLayer;
  /** A new layer (empty cache, zero counters) and bot on the same database and fake. */
  renew(overrides?: Partial<LlmConfig>): Promise<void>;
}

/** A test bot on the real knowledge base whose LLM layer talks to a fresh fake OpenAI server. */
export async function createLlmTestBot(overrides: Partial<LlmConfig> = {}): Promise<LlmTestBot> {
  const fake = await startFakeOpenAi();
  const build = (o: Partial<LlmConfig>) => createLanguageLayer({ settings: testSettings(fake.baseUrl, o), prompts: loadPrompts(PROMPTS_DIR) });
  const layer = build(overrides);
  const tb = await createTestBot({ language: layer });
  const t: LlmTestBot = {
    ...tb,
    fake,
    layer,
    async renew(more = {}) {
      t.layer = build({ ...overrides, ...more });
      t.bot = (await createTestBot({ language: t.layer }, tb.db)).bot;
    },
    async dispose() {
      await fake.close();
      await tb.dispose();
    },
  };
  return t;
}
