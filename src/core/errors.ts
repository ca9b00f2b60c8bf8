/**
 * rotabot's error hierarchy. Every error has a stable `code` and a message that
 * says how to fix the problem; one handler per entry point logs it and, where a
 * person is waiting, sends them a safe reply instead of a stack trace.
 */
export class RotabotError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Settings are missing or invalid. Thrown at start-up only. */
export class ConfigError extends RotabotError {
  constructor(message: string) {
    super("E_CONFIG", message);
  }
}

/** A knowledge file is invalid. Carries the file and, where known, the line. */
export class KnowledgeError extends RotabotError {
  constructor(
    readonly problems: KnowledgeProblem[],
  ) {
    super("E_KNOWLEDGE", problems.map(formatProblem).join("\n"));
  }
}

export interface KnowledgeProblem {
  file: string;
  line: number;
  message: string;
  severity: "error" | "warning";
}

export function formatProblem(p: KnowledgeProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** The database could not be reached or a query failed. */
export class StorageError extends RotabotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_STORAGE", message, options);
  }
}

/**
 * A platform API refused or failed a call. `permanent` means retrying cannot
 * help (the student blocked the bot, the reply window closed, a bad request);
 * otherwise the call is retried, not before `retryAfterMs` when the platform
 * said so.
 */
export class ChannelApiError extends RotabotError {
  constructor(
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; permanent: boolean; reason?: string },
    options?: { cause?: unknown },
  ) {
    super("E_CHANNEL_API", message, options);
  }
}

/** A prompt file of the LLM layer (`prompts/`) is invalid. Thrown at start-up when the LLM is configured. */
export class PromptError extends RotabotError {
  constructor(readonly problems: KnowledgeProblem[]) {
    super("E_PROMPT", problems.map(formatProblem).join("\n"));
  }
}
