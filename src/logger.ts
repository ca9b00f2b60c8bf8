import { createHmac, randomBytes } from "node:crypto";
import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Fields that hold a person's or a chat's id: on WhatsApp the phone number, in
 * its message ids (wamids encode it) too. Logged as a keyed hash.
 */
const ID_FIELDS = ["conversation", "sender", "recipient", "from", "to", "messageId", "chatId", "waId"];

const PSEUDONYM = /^id:[0-9a-f]{16}$/;

/** The key of each logger, so that a worker thread can log the same pseudonyms. */
const keys = new WeakMap<Logger, string>();

export interface LoggerOptions {
  /**
   * The HMAC key of the pseudonyms (LOG_ID_SECRET): the same id always logs
   * as the same `id:…`, and the id cannot be read back from it. Without one, a
   * random key for this process.
   */
  idKey?: string;
}

/**
 * Structured logs on stderr (stdout belongs to the chat and to `replay`).
 * Personal data never goes to the logs: message texts, names, emails and phones
 * are redacted by path, the code logs ids rather than content, and the ids
 * themselves (a WhatsApp id is a phone number) are logged as keyed hashes.
 */
export function createLogger(level: string = "info", destination: { write(line: string): void } = pino.destination(2), options: LoggerOptions = {}): Logger {
  const key = options.idKey ?? randomBytes(32).toString("hex");
  const logger = pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ["text", "*.text", "name", "*.name", "email", "*.email", "phone", "*.phone", "token", "*.token", "profile", "*.profile"],
        censor: "[redacted]",
      },
      formatters: {
        log(object) {
          let out: Record<string, unknown> | undefined;
          for (const field of ID_FIELDS) {
            const value = object[field];
            // Lines relayed from a worker thread carry pseudonyms already.
            if ((typeof value !== "string" && typeof value !== "number") || PSEUDONYM.test(String(value))) continue;
            out ??= { ...object };
            out[field] = pseudonym(key, String(value));
          }
          return out ?? object;
        },
      },
    },
    destination,
  );
  keys.set(logger, key);
  return logger;
}

/** The pseudonym an id is logged as: `id:` and 16 hex digits of HMAC-SHA256. */
export function pseudonym(key: string, id: string): string {
  return `id:${createHmac("sha256", key).update(id).digest("hex").slice(0, 16)}`;
}

/** The pseudonym key of a logger made by createLogger (to hand to a worker thread). */
export function idKeyOf(logger: Logger): string | undefined {
  return keys.get(logger);
}

export const silentLogger: Logger = pino({ level: "silent" });
