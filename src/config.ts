import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "./core/errors.js";

/** The project root: where `knowledge/` and `prompts/` ship. */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

const GRAPH_API_BASE_DEFAULT = "https://graph.facebook.com/v21.0";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a PostgreSQL URL such as postgres://user@host:5432/dbname")
    .optional(),
  ROTABOT_DATA_DIR: z.string().min(1).default("./data"),
  KNOWLEDGE_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(100).max(100_000).default(2000),
  ROTABOT_CONSOLE_USER: z.string().min(1).max(100).default("local"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be the server's public base URL, such as https://bot.example.org" }).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, "must look like 123456:ABC-DEF... (from @BotFather)").optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)").optional(),
  TELEGRAM_MODE: z.enum(["webhook", "polling"]).optional(),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^\d+$/, "must be the numeric phone number id from the WhatsApp Manager").optional(),
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  WHATSAPP_API_BASE: z.url().default(GRAPH_API_BASE_DEFAULT),
});

/** The Graph API base, with the version rotabot is written against. */
export const GRAPH_API_BASE = GRAPH_API_BASE_DEFAULT;

export interface Config {
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  knowledgeDir: string;
  logLevel?: (typeof LOG_LEVELS)[number];
  maxMessageChars: number;
  consoleUser: string;
  server: { port: number; publicUrl?: string; rateLimitPerMinute: number; workerConcurrency: number };
  telegram?: { token: string; mode: "webhook" | "polling"; webhookSecret?: string; webhookUrl?: string; apiRoot: string };
  whatsapp?: { accessToken: string; phoneNumberId: string; appSecret: string; verifyToken: string; apiBase: string };
}

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
  const waNames = ["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"] as const;
  const waMissing = waNames.filter((n) => !e[n]);
  let whatsapp: Config["whatsapp"];
  if (waMissing.length < waNames.length) {
    for (const n of waMissing) problems.push(`- ${n}: missing; WhatsApp needs all of ${waNames.join(", ")}`);
    if (waMissing.length === 0) {
      whatsapp = {
        accessToken: e.WHATSAPP_ACCESS_TOKEN as string,
        phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID as string,
        appSecret: e.WHATSAPP_APP_SECRET as string,
        verifyToken: e.WHATSAPP_VERIFY_TOKEN as string,
        apiBase: e.WHATSAPP_API_BASE.replace(/\/+$/, ""),
      };
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n${problems.join("\n")}`);
  return Object.freeze({
    database: e.DATABASE_URL
      ? { kind: "postgres" as const, url: e.DATABASE_URL }
      : { kind: "pglite" as const, dataDir: resolve(e.ROTABOT_DATA_DIR) },
    knowledgeDir: resolve(e.KNOWLEDGE_DIR ?? resolve(PACKAGE_ROOT, "knowledge")),
    logLevel: e.LOG_LEVEL,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    consoleUser: e.ROTABOT_CONSOLE_USER,
    server: { port: e.PORT, publicUrl, rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE, workerConcurrency: e.WORKER_CONCURRENCY },
    telegram,
    whatsapp,
  });
}
