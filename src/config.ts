import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "./core/errors.js";

/** The project root: where `knowledge/` and `prompts/` ship. */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

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
});

export interface Config {
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  knowledgeDir: string;
  logLevel?: (typeof LOG_LEVELS)[number];
  maxMessageChars: number;
  consoleUser: string;
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
  return Object.freeze({
    database: e.DATABASE_URL
      ? { kind: "postgres" as const, url: e.DATABASE_URL }
      : { kind: "pglite" as const, dataDir: resolve(e.ROTABOT_DATA_DIR) },
    knowledgeDir: resolve(e.KNOWLEDGE_DIR ?? resolve(PACKAGE_ROOT, "knowledge")),
    logLevel: e.LOG_LEVEL,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    consoleUser: e.ROTABOT_CONSOLE_USER,
  });
}
