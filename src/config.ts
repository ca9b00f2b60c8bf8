import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "./core/errors.js";
import { parseOfficeHours, type OfficeHours } from "./leads/office-hours.js";

/** The project root: where `knowledge/` and `prompts/` ship. */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

const GRAPH_API_BASE_DEFAULT = "https://graph.facebook.com/v21.0";
const SLACK_API_URL_DEFAULT = "https://slack.com/api/";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a PostgreSQL URL such as postgres://user@host:5432/dbname")
    .optional(),
  ROTABOT_DATA_DIR: z.string().min(1).default("./data"),
  KNOWLEDGE_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  LOG_ID_SECRET: z.string().min(16, "must be at least 16 characters (a random string)").optional(),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(100).max(100_000).default(2000),
  TURN_BUDGET_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  ROTABOT_CONSOLE_USER: z.string().min(1).max(100).default("local"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be the server's public base URL, such as https://bot.example.org" }).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (a random string; Prometheus sends it as a bearer token)").optional(),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, "must look like 123456:ABC-DEF... (from @BotFather)").optional(),
  // Telegram allows 1 character; a guessable secret is no check, so at least 16 (a random string).
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's characters; at least 16 so it cannot be guessed)").optional(),
  TELEGRAM_MODE: z.enum(["webhook", "polling"]).optional(),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^\d+$/, "must be the numeric phone number id from the WhatsApp Manager").optional(),
  WHATSAPP_APP_SECRET: z.string().min(16, "must be the app secret from the Meta app's Basic settings (32 characters; at least 16)").optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(8, "must be at least 8 characters (any string you also enter in the Meta webhook settings)").optional(),
  WHATSAPP_API_BASE: z.url().default(GRAPH_API_BASE_DEFAULT),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: "must be the base URL of an OpenAI-compatible API, such as http://localhost:11434/v1" }).optional(),
  LLM_MODEL: z.string().min(1).default("gpt-4o-mini"),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  LLM_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(1).optional(),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_000).default(700),
  LLM_PRICE_PER_1K_TOKENS: z.coerce.number().min(0).default(0),
  LLM_STRUCTURED_OUTPUT: z.enum(["jsonSchema", "functionCalling"]).default("jsonSchema"),
  PROMPTS_DIR: z.string().min(1).optional(),
  // --- Slack (counselor desk) ---
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[\w-]+$/, "must be a bot token starting with xoxb- (OAuth & Permissions page of the Slack app)").optional(),
  SLACK_SIGNING_SECRET: z.string().min(16, "must be the signing secret from the Slack app's Basic Information page (32 characters; at least 16)").optional(),
  SLACK_LEADS_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{5,}$/, "must be a channel id such as C0123ABCDEF (channel details, at the bottom), not its name").optional(),
  SLACK_API_URL: z.url().default(SLACK_API_URL_DEFAULT),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-[\w-]+$/, "must be an app-level token starting with xapp- (Socket Mode)").optional(),
  // --- Web chat (the website widget) ---
  WEBCHAT_SECRET: z.string().min(32, "must be at least 32 random characters (it signs visitor tokens); e.g. openssl rand -hex 32").optional(),
  WEBCHAT_ORIGINS: z.string().optional(),
  WEBCHAT_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).max(100_000).default(60),
  WEBCHAT_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  LEAD_CLAIM_TIMEOUT_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(15),
  OFFICE_HOURS: z.string().optional(),
  OFFICE_TIMEZONE: z.string().optional(),
  // --- The outgoing lead webhook (a CRM) ---
  LEAD_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "must be the http(s) URL that receives lead events, such as https://crm.example.org/hooks/rotabot" }).optional(),
  LEAD_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters: the key the receiver checks each event's signature with").optional(),
});

/** The Graph API base, with the version rotabot is written against. */
export const GRAPH_API_BASE = GRAPH_API_BASE_DEFAULT;

export interface Config {
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  knowledgeDir: string;
  logLevel?: (typeof LOG_LEVELS)[number];
  /** The key of the keyed hashes that stand for ids (phone numbers) in logs. */
  logIdSecret?: string;
  maxMessageChars: number;
  /** The CPU budget of reading one message, in milliseconds. */
  turnBudgetMs: number;
  consoleUser: string;
  /** `metricsToken`: the bearer token /metrics requires; without it, /metrics answers loopback clients only. */
  server: { port: number; publicUrl?: string; rateLimitPerMinute: number; workerConcurrency: number; metricsToken?: string };
  telegram?: { token: string; mode: "webhook" | "polling"; webhookSecret?: string; webhookUrl?: string; apiRoot: string };
  whatsapp?: { accessToken: string; phoneNumberId: string; appSecret: string; verifyToken: string; apiBase: string };
  /** The optional LLM layer: on only when OPENAI_API_KEY or OPENAI_BASE_URL is set. */
  llm?: LlmConfig;
  /** The counselor desk; `appToken` set: Socket Mode instead of POST /slack/events. */
  slack?: { botToken: string; signingSecret: string; leadsChannel: string; apiUrl: string; appToken?: string };
  leads: { claimTimeoutMinutes: number; officeHours?: OfficeHours };
  /** The outgoing lead webhook: on when LEAD_WEBHOOK_URL and LEAD_WEBHOOK_SECRET are set. */
  leadWebhook?: { url: string; secret: string };
  /**
   * The web chat, on when WEBCHAT_SECRET is set: `origins` may embed the widget
   * (CORS, CSP frame-ancestors); `ipRatePerMinute` caps requests per client address;
   * `trustProxyHops`: reverse proxies in front that append the client's address to X-Forwarded-For.
   */
  webchat?: { secret: string; origins: string[]; ipRatePerMinute: number; trustProxyHops: number };
}

export interface LlmConfig {
  /** A placeholder when only a local server's base URL is set: the SDK wants a key, local servers ignore it. */
  apiKey: string;
  /** Undefined: OpenAI itself. */
  baseUrl?: string;
  model: string;
  /** The whole budget of one request, retries included. */
  timeoutMs: number;
  maxRetries: number;
  dailyTokenBudget?: number;
  maxTokens: number;
  /** USD per 1,000 tokens (input and output alike), for the cost in logs and metrics; 0 when unknown. */
  pricePer1kTokens: number;
  /** How structured output is asked for: response_format json_schema (OpenAI, vLLM, Ollama, LM Studio) or forced function calling. */
  structuredOutput: "jsonSchema" | "functionCalling";
  promptsDir: string;
}

/** What the SDK is given as a key when a local server needs none. */
export const LOCAL_API_KEY = "not-needed-by-local-servers";

/**
 * Reads settings from the environment, once. This is the only module that
 * touches `process.env`. Throws ConfigError naming the variable at fault.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const blankToUndefined = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]));
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const publicUrl = e.PUBLIC_URL?.replace(/\/+$/, "");
  let telegram: Config["telegram"];
  if (e.TELEGRAM_BOT_TOKEN) {
    const mode = e.TELEGRAM_MODE ?? (publicUrl ? "webhook" : "polling");
    if (mode === "webhook") {
      if (!publicUrl) problems.push("- PUBLIC_URL: required when TELEGRAM_MODE is webhook (Telegram must know where to post), or set TELEGRAM_MODE=polling");
      if (!e.TELEGRAM_WEBHOOK_SECRET) problems.push("- TELEGRAM_WEBHOOK_SECRET: required in webhook mode; pick 32 random characters of A-Z, a-z, 0-9, _ and -");
    }
    telegram = {
      token: e.TELEGRAM_BOT_TOKEN,
      mode,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      webhookUrl: mode === "webhook" && publicUrl ? `${publicUrl}/telegram/webhook` : undefined,
      apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
    };
  } else if (e.TELEGRAM_WEBHOOK_SECRET || e.TELEGRAM_MODE) {
    problems.push("- TELEGRAM_BOT_TOKEN: missing, but other TELEGRAM_ settings are set");
  }
  /**
   * A channel whose settings come as a group: off when none is set, on when all are,
   * and a problem naming each missing one when only some are (or when `also` is set).
   */
  const group = <N extends keyof typeof e>(label: string, names: readonly N[], also = false): { [K in N]: string } | undefined => {
    const missing = names.filter((n) => !e[n]);
    if (missing.length === names.length && !also) return undefined;
    for (const n of missing) problems.push(`- ${String(n)}: missing; ${label} needs all of ${names.join(", ")}`);
    return missing.length === 0 ? (Object.fromEntries(names.map((n) => [n, String(e[n])])) as { [K in N]: string }) : undefined;
  };
  const wa = group("WhatsApp", ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"]);
  const whatsapp: Config["whatsapp"] = wa && {
    accessToken: wa.WHATSAPP_ACCESS_TOKEN,
    phoneNumberId: wa.WHATSAPP_PHONE_NUMBER_ID,
    appSecret: wa.WHATSAPP_APP_SECRET,
    verifyToken: wa.WHATSAPP_VERIFY_TOKEN,
    apiBase: e.WHATSAPP_API_BASE.replace(/\/+$/, ""),
  };
  const sl = group("Slack", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_LEADS_CHANNEL"], Boolean(e.SLACK_APP_TOKEN));
  const slack: Config["slack"] = sl && {
    botToken: sl.SLACK_BOT_TOKEN,
    signingSecret: sl.SLACK_SIGNING_SECRET,
    leadsChannel: sl.SLACK_LEADS_CHANNEL,
    apiUrl: e.SLACK_API_URL.endsWith("/") ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    appToken: e.SLACK_APP_TOKEN,
  };
  let officeHours: OfficeHours | undefined;
  if (e.OFFICE_HOURS || e.OFFICE_TIMEZONE) {
    if (!e.OFFICE_HOURS) problems.push("- OFFICE_HOURS: missing, but OFFICE_TIMEZONE is set; write e.g. Mon-Fri 09:00-18:00");
    else if (!e.OFFICE_TIMEZONE) problems.push("- OFFICE_TIMEZONE: missing, but OFFICE_HOURS is set; write an IANA zone such as America/New_York");
    else {
      const parsed = parseOfficeHours(e.OFFICE_HOURS, e.OFFICE_TIMEZONE);
      if (typeof parsed === "string") problems.push(`- ${parsed}`);
      else officeHours = parsed;
    }
  }
  const hook = group("the lead webhook", ["LEAD_WEBHOOK_URL", "LEAD_WEBHOOK_SECRET"]);
  const origins = parseOrigins(e.WEBCHAT_ORIGINS, problems);
  if (e.WEBCHAT_ORIGINS && !e.WEBCHAT_SECRET) problems.push("- WEBCHAT_SECRET: missing, but WEBCHAT_ORIGINS is set; pick 32 or more random characters (openssl rand -hex 32)");
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n${problems.join("\n")}`);
  return Object.freeze({
    database: e.DATABASE_URL
      ? { kind: "postgres" as const, url: e.DATABASE_URL }
      : { kind: "pglite" as const, dataDir: resolve(e.ROTABOT_DATA_DIR) },
    knowledgeDir: resolve(e.KNOWLEDGE_DIR ?? resolve(PACKAGE_ROOT, "knowledge")),
    logLevel: e.LOG_LEVEL,
    logIdSecret: e.LOG_ID_SECRET,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    turnBudgetMs: e.TURN_BUDGET_MS,
    consoleUser: e.ROTABOT_CONSOLE_USER,
    server: {
      port: e.PORT,
      publicUrl,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      // On the embedded database a turn waits for nothing outside the process unless a language model is on: more
      // turns in flight would only interleave their CPU, and the webhook requests read between them would wait
      // for all of them (ack p99 1.5-3.3 s at 200 requests a second, 24-36 ms with one; the same turns a second).
      workerConcurrency: e.WORKER_CONCURRENCY ?? (!e.DATABASE_URL && !(e.OPENAI_API_KEY || e.OPENAI_BASE_URL) ? 1 : 16),
      metricsToken: e.METRICS_TOKEN,
    },
    telegram,
    whatsapp,
    llm:
      e.OPENAI_API_KEY || e.OPENAI_BASE_URL
        ? {
            apiKey: e.OPENAI_API_KEY ?? LOCAL_API_KEY,
            baseUrl: e.OPENAI_BASE_URL?.replace(/\/+$/, ""),
            model: e.LLM_MODEL,
            timeoutMs: e.LLM_TIMEOUT_MS,
            maxRetries: e.LLM_MAX_RETRIES,
            dailyTokenBudget: e.LLM_DAILY_TOKEN_BUDGET,
            maxTokens: e.LLM_MAX_TOKENS,
            pricePer1kTokens: e.LLM_PRICE_PER_1K_TOKENS,
            structuredOutput: e.LLM_STRUCTURED_OUTPUT,
            promptsDir: resolve(e.PROMPTS_DIR ?? resolve(PACKAGE_ROOT, "prompts")),
          }
        : undefined,
    slack,
    leads: { claimTimeoutMinutes: e.LEAD_CLAIM_TIMEOUT_MINUTES, officeHours },
    leadWebhook: hook && { url: hook.LEAD_WEBHOOK_URL, secret: hook.LEAD_WEBHOOK_SECRET },
    webchat: e.WEBCHAT_SECRET ? { secret: e.WEBCHAT_SECRET, origins, ipRatePerMinute: e.WEBCHAT_RATE_LIMIT_PER_IP, trustProxyHops: e.WEBCHAT_TRUST_PROXY } : undefined,
  });
}

/** WEBCHAT_ORIGINS: comma-separated origins such as https://agency.example,https://www.agency.example. */
function parseOrigins(value: string | undefined, problems: string[]): string[] {
  const origins: string[] = [];
  for (const item of (value ?? "").split(",").map((o) => o.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== item.replace(/\/+$/, "")) {
      problems.push(`- WEBCHAT_ORIGINS: "${item.slice(0, 80)}" is not an origin; write scheme and host only, such as https://agency.example`);
    } else origins.push(url.origin);
  }
  return origins;
}
