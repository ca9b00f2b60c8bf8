import { describe, expect, it } from "vitest";
import { loadConfig, LOCAL_API_KEY } from "../../src/config.js";
import { ConfigError } from "../../src/core/errors.js";

describe("LLM settings", () => {
  it("no key and no base URL: the LLM layer is off, whatever the other LLM_ settings say", () => {
    expect(loadConfig({}).llm).toBeUndefined();
    expect(loadConfig({ LLM_MODEL: "gpt-4o", LLM_TIMEOUT_MS: "3000" }).llm).toBeUndefined();
  });

  it("a key alone: OpenAI itself, with rotabot's defaults (2 retries, not LangChain's 6)", () => {
    expect(loadConfig({ OPENAI_API_KEY: "sk-x" }).llm).toMatchObject({
      apiKey: "sk-x",
      baseUrl: undefined,
      model: "gpt-4o-mini",
      timeoutMs: 8000,
      maxRetries: 2,
      maxTokens: 700,
      dailyTokenBudget: undefined,
      structuredOutput: "jsonSchema",
    });
  });

  it("a local server's base URL alone: a placeholder key, since the SDK requires one", () => {
    const llm = loadConfig({ OPENAI_BASE_URL: "http://localhost:11434/v1/", LLM_MODEL: "llama3.1:8b" }).llm;
    expect(llm).toMatchObject({ apiKey: LOCAL_API_KEY, baseUrl: "http://localhost:11434/v1", model: "llama3.1:8b" });
  });

  it("reads limits, price and the structured-output method", () => {
    const llm = loadConfig({ OPENAI_API_KEY: "k", LLM_MAX_RETRIES: "0", LLM_DAILY_TOKEN_BUDGET: "200000", LLM_PRICE_PER_1K_TOKENS: "0.0006", LLM_STRUCTURED_OUTPUT: "functionCalling" }).llm;
    expect(llm).toMatchObject({ maxRetries: 0, dailyTokenBudget: 200_000, pricePer1kTokens: 0.0006, structuredOutput: "functionCalling" });
  });

  it("names the variable at fault", () => {
    for (const [env, name] of [
      [{ OPENAI_BASE_URL: "localhost:11434" }, "OPENAI_BASE_URL"],
      [{ OPENAI_API_KEY: "k", LLM_TIMEOUT_MS: "10" }, "LLM_TIMEOUT_MS"],
      [{ OPENAI_API_KEY: "k", LLM_MAX_RETRIES: "-1" }, "LLM_MAX_RETRIES"],
      [{ OPENAI_API_KEY: "k", LLM_STRUCTURED_OUTPUT: "jsonMode" }, "LLM_STRUCTURED_OUTPUT"],
    ] as const) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(name));
    }
  });
});
