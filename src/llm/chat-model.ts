import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import type { z } from "zod";
import type { LlmConfig } from "../config.js";

/** Token counts of one answered request, as the server reported them (0 when it did not). */
export interface Usage {
  input: number;
  output: number;
}

/** One structured request's result: `parsed` is null when the output did not fit the schema (or was not JSON). */
export interface StructuredAnswer {
  parsed: unknown;
  usage: Usage;
}

/** The one place that talks to the model: a system and a user message in, a JSON object out. */
export interface StructuredModel {
  /**
   * Asks for an answer shaped by `schema`. Throws on timeout (`signal`), HTTP
   * errors and refused connections, after the configured retries; malformed
   * output does not throw, it gives `parsed: null`.
   */
  ask(schema: z.ZodObject, name: string, messages: { system: string; user: string }, signal: AbortSignal): Promise<StructuredAnswer>;
}

/**
 * The LangChain wiring: `ChatOpenAI` against OpenAI or any OpenAI-compatible
 * server (`configuration.baseURL`), with the timeout, retries (LangChain's
 * default of 6 is far too many for a chat turn) and maxTokens of the settings,
 * and structured output by strict JSON schema or forced function calling.
 */
export function createStructuredModel(settings: LlmConfig): StructuredModel {
  const chat = new ChatOpenAI({
    model: settings.model,
    apiKey: settings.apiKey,
    configuration: settings.baseUrl ? { baseURL: settings.baseUrl } : undefined,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    maxTokens: settings.maxTokens,
    temperature: 0.2,
  });
  // One structured-output runnable per request name (each name has its one schema), built on first use.
  const runnables = new Map<string, ReturnType<typeof structured>>();
  const structured = (schema: z.ZodObject, name: string) =>
    chat.withStructuredOutput(schema, {
      name,
      method: settings.structuredOutput,
      includeRaw: true,
      ...(settings.structuredOutput === "jsonSchema" ? { strict: true } : {}),
    });
  return {
    async ask(schema, name, messages, signal) {
      let runnable = runnables.get(name);
      if (!runnable) runnables.set(name, (runnable = structured(schema, name)));
      const result = await runnable.invoke([new SystemMessage(messages.system), new HumanMessage(messages.user)], { signal });
      const raw = result.raw;
      const meta = AIMessage.isInstance(raw) ? raw.usage_metadata : undefined;
      return { parsed: result.parsed ?? null, usage: { input: meta?.input_tokens ?? 0, output: meta?.output_tokens ?? 0 } };
    },
  };
}
