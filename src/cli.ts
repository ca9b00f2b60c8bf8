import { Command, InvalidArgumentError } from "commander";
import { runConsoleChat } from "./channels/console/console-chat.js";
import { loadConfig } from "./config.js";
import { RotabotError } from "./core/errors.js";
import { createLogger } from "./logger.js";
import { createApp } from "./main.js";
import { replay } from "./cli/replay.js";

/** Parses a whole number ≥ 1 for a CLI option, or stops with a message naming the option. */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

const program = new Command()
  .name("rotabot")
  .description("Counseling chatbot for IMGs seeking US clinical experience")
  .showHelpAfterError();

program
  .command("chat", { isDefault: true })
  .description("chat with rotabot in the terminal (piped input: one message per line)")
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel ?? "warn");
    const app = await createApp(config, { logger, watchKnowledge: true });
    const stop = onSignal(() => app.close());
    try {
      await runConsoleChat({
        bot: app.bot,
        messages: () => app.knowledge.current().kb.messages,
        user: config.consoleUser,
        input: process.stdin,
        output: process.stdout,
      });
    } finally {
      stop();
      await app.close();
    }
  });

program
  .command("serve")
  .description("run the webhook server (PORT) for the configured channels: Telegram, WhatsApp, Slack (counselors); /healthz, /readyz, /metrics")
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel ?? "info");
    const { startServer } = await import("./serve.js");
    const server = await startServer(config, { logger });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down: finishing requests and turns in flight");
        void server.close().finally(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  });

program
  .command("replay")
  .description('read JSON lines {"conversation","text"} on stdin, write one JSON line per input line (throwaway in-memory store)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel ?? "error");
    const app = await createApp(config, { logger, storage: { kind: "pglite" } });
    try {
      await replay(app.bot, process.stdin, (line) => process.stdout.write(`${line}\n`));
    } finally {
      await app.close();
    }
  });

const kb = program.command("kb").description("check and improve the knowledge base in knowledge/");

kb.command("check [dir]")
  .description("validate every knowledge file; errors as file:line: message, exit code 1 on errors only")
  .action(async (dir?: string) => {
    const { kbCheck } = await import("./cli/kb/kb.js");
    process.exitCode = kbCheck(dir, console.log, console.error);
  });

kb.command("stats [dir]")
  .description("entries and example questions per intent; entries due for review")
  .action(async (dir?: string) => {
    const { kbStats } = await import("./cli/kb/kb.js");
    kbStats(dir, console.log);
  });

kb.command("gaps")
  .description("questions the bot could not answer, grouped by similarity, most frequent first")
  .option("--days <n>", "look back this many days", positiveInt, 30)
  .option("--limit <n>", "show at most this many groups", positiveInt, 20)
  .action(async (opts: { days: number; limit: number }) => {
    const { kbGaps } = await import("./cli/kb/kb.js");
    await kbGaps(opts, console.log);
  });

program
  .command("prompts")
  .description("prompt files of the optional LLM layer")
  .command("check [dir]")
  .description("validate prompts/ (or dir) as start-up does with the LLM on; errors as file:line: message, exit code 1 on errors")
  .action(async (dir?: string) => {
    const { loadPrompts } = await import("./llm/prompts.js");
    const { PACKAGE_ROOT } = await import("./config.js");
    const { join } = await import("node:path");
    const target = dir ?? join(PACKAGE_ROOT, "prompts");
    try {
      const p = loadPrompts(target);
      console.log(`${target}: system v${p.system.version}, classify v${p.classify.version}, answer v${p.answer.version}: ok`);
    } catch (err) {
      console.error((err as Error).message);
      process.exitCode = 1;
    }
  });

function onSignal(cleanup: () => Promise<void>): () => void {
  const handler = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof RotabotError) {
    process.stderr.write(`rotabot: ${err.message}\n`);
  } else {
    process.stderr.write(`rotabot: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exitCode = 1;
}
