import type { LlmConfig } from "../config.js";
import { INTENTS } from "../core/intents.js";
import type { CallContext, Classification, LanguageLayer, PastMessage, Phrased, PhraseInput } from "../core/language-model.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { createTokenBudget, type TokenBudget } from "./budget.js";
import { createPromptCache, promptKey } from "./cache.js";
import { createStructuredModel, type StructuredModel, type Usage } from "./chat-model.js";
import { stripInvisible } from "../nlu/text.js";
import { checkGrounding } from "./grounding.js";
import { asData, fillPrompt, type Prompts } from "./prompts.js";
import { introducedNames, PLACEHOLDER, redact } from "./redact.js";
import { classificationSchema, phrasingSchema, toClassification } from "./schemas.js";
import { createLlmStats, type LlmKind, type LlmOutcome, type LlmStats } from "./stats.js";

export interface LanguageLayerOptions {
  settings: LlmConfig;
  prompts: Prompts;
  logger?: Logger;
  stats?: LlmStats;
  /** The model; tests may pass their own, by default LangChain's ChatOpenAI. */
  model?: StructuredModel;
  budget?: TokenBudget;
  now?: () => Date;
}

export interface LlmLayer extends LanguageLayer {
  readonly stats: LlmStats;
}

/**
 * The LLM layer behind the core's LanguageLayer port. Every request: personal
 * data redacted, invisible characters stripped, untrusted text in delimited
 * data blocks, the daily budget checked, identical prompts served from the
 * cache, one deadline (LLM_TIMEOUT_MS) over all retries, the answer validated
 * with zod; rephrased answers must pass the grounding check. Never throws:
 * every failure is counted, logged without message texts, and returns null.
 */
export function createLanguageLayer(options: LanguageLayerOptions): LlmLayer {
  const { settings, prompts } = options;
  const log = options.logger ?? silentLogger;
  const stats = options.stats ?? createLlmStats();
  const model = options.model ?? createStructuredModel(settings);
  const budget = options.budget ?? createTokenBudget(settings.dailyTokenBudget, options.now);
  const cache = createPromptCache<{ value: unknown }>();
  const system = fillPrompt(prompts.system, { canary: prompts.canary });

  /** One request to the model, with the budget, the cache, the deadline and the accounting around it. */
  async function request(kind: LlmKind, context: CallContext, user: string): Promise<{ parsed: unknown; cached: boolean; usage?: Usage; ms: number } | LlmOutcome> {
    const key = promptKey([settings.model, kind, system, user]);
    const hit = cache.get(key);
    if (hit) return { parsed: hit.value, cached: true, ms: 0 };
    if (!budget.available()) {
      finish(kind, context, "budget", 0);
      return "budget";
    }
    const t0 = performance.now();
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    const schema = kind === "classify" ? classificationSchema : phrasingSchema;
    try {
      const answer = await model.ask(schema, kind === "classify" ? "read_message" : "rephrase_answer", { system, user }, deadline);
      budget.spend(answer.usage.input + answer.usage.output);
      if (answer.parsed !== null) cache.set(key, { value: answer.parsed });
      return { parsed: answer.parsed, cached: false, usage: answer.usage, ms: performance.now() - t0 };
    } catch (err) {
      const e = err as Error | undefined;
      const described = `${e?.name ?? ""} ${e?.message ?? ""}`;
      // The SDK parses json_schema answers itself: malformed output arrives as an exception, not as parsed: null.
      const outcome: LlmOutcome = deadline.aborted || /timed? ?out|aborted/i.test(described) ? "timeout" : /json|pars(e|ing)|OutputParser/i.test(described) ? "invalid" : "error";
      finish(kind, context, outcome, performance.now() - t0, undefined, err);
      return outcome;
    }
  }

  /** Counts and logs one finished request: ids, outcome, tokens and cost, never message texts. */
  function finish(kind: LlmKind, context: CallContext, outcome: LlmOutcome, ms: number, usage?: Usage, err?: unknown): void {
    const costUsd = usage ? ((usage.input + usage.output) / 1000) * settings.pricePer1kTokens : 0;
    stats.record(kind, outcome, usage ? { input: usage.input, output: usage.output, costUsd } : undefined);
    const fields = { channel: context.channel, conversation: context.conversation, kind, outcome, ms: Math.round(ms), tokens: usage ? usage.input + usage.output : 0, costUsd };
    if (outcome === "ok" || outcome === "cached") log.info(fields, "llm call");
    else log.warn({ ...fields, error: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : undefined }, "llm call failed, answering offline");
  }

  const clean = (text: string, names: readonly string[]) => asData(redact(stripInvisible(text), names));
  const namesOf = (context: CallContext, texts: readonly string[]) => [...(context.knownNames ?? []), ...[...texts, ...(context.earlierTexts ?? [])].flatMap((t) => introducedNames(t))];
  const formatHistory = (history: readonly PastMessage[], names: readonly string[]) =>
    history.length === 0 ? "(none)" : history.map((m) => `${m.from}: ${clean(m.text, names).slice(0, 600)}`).join("\n");

  return {
    stats,
    async classify(input): Promise<Classification | null> {
      const names = namesOf(input, [input.text, ...input.history.filter((m) => m.from === "student").map((m) => m.text)]);
      const user = fillPrompt(prompts.classify, {
        intents: INTENTS.join(", "),
        history: formatHistory(input.history, names),
        message: clean(input.text, names),
      });
      const r = await request("classify", input, user);
      if (typeof r === "string") return null;
      const parsed = toClassification(r.parsed);
      // A command is the student's to type: a "/forget" or "/counselor" in the model's restatement is a word, never a command.
      const c = parsed ? { ...parsed, english: parsed.english.replace(/(^|[^\p{L}\p{N}])\/+(?=\p{L})/gu, "$1") } : null;
      if (!c || leaks(c.english, prompts.canary)) {
        finish("classify", input, "invalid", r.ms, r.usage);
        return null;
      }
      finish("classify", input, r.cached ? "cached" : "ok", r.ms, r.usage);
      return c;
    },

    async phrase(input: PhraseInput): Promise<Phrased | null> {
      const names = namesOf(input, [input.question, ...input.history.filter((m) => m.from === "student").map((m) => m.text)]);
      const entries = input.entries.map((e) => ({ id: e.id, title: stripInvisible(e.title), body: stripInvisible(e.body) }));
      const knowledge = entries.map((e) => `<<<DATA entry id="${e.id}" title="${asData(e.title).replace(/"/g, "'")}">>>\n${asData(e.body)}\n<<<END DATA>>>`).join("\n\n");
      const offline = clean(input.offlineAnswer, names);
      const user = fillPrompt(prompts.answer, {
        language: input.language ?? "en",
        history: formatHistory(input.history, names),
        question: clean(input.question, names),
        knowledge,
        offline_answer: offline,
        entry_ids: entries.map((e) => e.id).join(", "),
      });
      const r = await request("phrase", input, user);
      if (typeof r === "string") return null;
      const p = phrasingSchema.safeParse(r.parsed);
      if (!p.success) {
        finish("phrase", input, "invalid", r.ms, r.usage);
        return null;
      }
      const text = stripInvisible(p.data.text).trim();
      const facts = [...entries.flatMap((e) => [e.id, e.title, e.body]), input.offlineAnswer].join("\n");
      const problems = checkGrounding({ text, citedIds: p.data.cited_entry_ids, suppliedIds: entries.map((e) => e.id), facts, canary: prompts.canary, language: p.data.language });
      if (text.includes(PLACEHOLDER.email) || text.includes(PLACEHOLDER.phone) || text.includes(PLACEHOLDER.name)) problems.push({ kind: "markup", found: "placeholder" });
      if (problems.length > 0) {
        stats.rejected(problems.map((x) => x.kind));
        log.debug({ conversation: input.conversation, problems: problems.map((x) => x.kind) }, "llm answer failed the grounding check");
        finish("phrase", input, "rejected_grounding", r.ms, r.usage);
        return null;
      }
      finish("phrase", input, r.cached ? "cached" : "ok", r.ms, r.usage);
      return { text, citedEntryIds: p.data.cited_entry_ids, language: p.data.language };
    },
  };
}

function leaks(text: string, canary: string): boolean {
  const squash = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  return squash(text).includes(squash(canary));
}
