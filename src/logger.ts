import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured logs on stderr (stdout belongs to the chat and to `replay`).
 * Personal data never goes to the logs: message texts, names, emails and phones
 * are redacted by path, and the code logs ids rather than content.
 */
export function createLogger(level: string = "info", destination: { write(line: string): void } = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ["text", "*.text", "name", "*.name", "email", "*.email", "phone", "*.phone", "token", "*.token", "profile", "*.profile"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: "silent" });
