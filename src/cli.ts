import { Command, InvalidArgumentError, Option } from "commander";
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
    const logger = createLogger(config.logLevel ?? "warn", undefined, { idKey: config.logIdSecret });
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
    const logger = createLogger(config.logLevel ?? "info", undefined, { idKey: config.logIdSecret });
    const { startServer } = await import("./serve.js");
    const server = await startServer(config, { logger });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down: finishing requests and turns in flight");
        void server.close().finally(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGHUP", () => stop("SIGHUP"));
      onParentExit(() => stop("parent process exited"));
    });
  });

program
  .command("replay")
  .description('read JSON lines {"conversation","text"} on stdin, write one JSON line per input line (throwaway in-memory store)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel ?? "error", undefined, { idKey: config.logIdSecret });
    const app = await createApp(config, { logger, storage: { kind: "pglite" } });
    try {
      await replay(app.bot, process.stdin, (line) => process.stdout.write(`${line}\n`));
    } finally {
      await app.close();
    }
  });

program
  .command("bench")
  .description("replay a fixed synthetic workload through bot.handle, then load the webhooks over loopback; print speed and memory figures")
  .option("--turns <n>", "number of turns", positiveInt, 2000)
  .option("--conversations <n>", "number of conversations", positiveInt, 200)
  .addOption(new Option("--worker <store>", "internal: measure one store in this process").choices(["pglite", "postgres"]).hideHelp())
  .addOption(new Option("--data-dir <dir>", "internal: the worker's PGlite directory").hideHelp())
  .option("--webhook-seconds <n>", "seconds of WhatsApp webhook load", positiveInt, 20)
  .option("--telegram-seconds <n>", "seconds of Telegram webhook load (replies leave at Telegram's 30/s)", positiveInt, 3)
  .option("--webhook-rate <n>", "webhook requests per second, evenly spaced", positiveInt, 200)
  .option("--no-webhooks", "skip the webhook load test")
  .option("--only-webhooks", "run only the webhook load test")
  .option("--slack", "only the Slack figures: lead-to-card latency, and the drain of 200 leads after a 30-minute outage (fake clock)")
  .option("--no-slack", "skip the Slack figures")
  .option("--slack-leads <n>", "leads timed for the lead-to-card latency (about 1.1 s each)", positiveInt, 30)
  .addOption(new Option("--webhook-driver <json>", "internal: generate one channel's webhook load in this process").hideHelp())
  .addOption(new Option("--fake-apis", "internal: serve the fake platform APIs of the webhook load test").hideHelp())
  .action(async (opts: { turns: number; conversations: number; worker?: string; dataDir?: string; webhooks: boolean; webhookSeconds: number; telegramSeconds: number; webhookRate: number; webhookDriver?: string; fakeApis?: boolean; onlyWebhooks?: boolean; slack?: boolean; slackLeads: number }) => {
    if (opts.fakeApis) {
      const { runFakeApis } = await import("./cli/bench-webhooks.js");
      await runFakeApis();
      return;
    }
    if (opts.onlyWebhooks) {
      const { runWebhookBench } = await import("./cli/bench-webhooks.js");
      await runWebhookBench({ seconds: opts.webhookSeconds, telegramSeconds: opts.telegramSeconds, rate: opts.webhookRate, chats: 500 }, console.log);
      return;
    }
    if (opts.webhookDriver) {
      const { runWebhookDriver } = await import("./cli/bench-webhooks.js");
      await runWebhookDriver(JSON.parse(opts.webhookDriver) as Parameters<typeof runWebhookDriver>[0]);
      return;
    }
    const { runBench } = await import("./cli/bench.js");
    // Commander sets `slack` true for --slack and false for --no-slack; unset runs everything.
    const slackOnly = process.argv.includes("--slack");
    await runBench({ ...opts, slackOnly, slack: opts.slack !== false });
  });

program
  .command("eval")
  .description("run the labelled eval set (test/eval) and print accuracy, fact recall, confusion matrix, failures and latency")
  .option("--failures <n>", "list at most this many failures", positiveInt, 200)
  .option("--llm", "also run with the LLM layer on, against a fake OpenAI-compatible server started in-process, and compare")
  .option("--llm-latency <ms>", "how long the fake LLM takes to answer", (v) => (v === "0" ? 0 : positiveInt(v)), 500)
  .action(async (opts: { failures: number; llm?: boolean; llmLatency: number }) => {
    const { formatComparison, formatEval, runEval } = await import("./cli/eval.js");
    const offline = await runEval();
    if (!opts.llm) {
      console.log(formatEval(offline, { maxFailures: opts.failures }));
      return;
    }
    const withLlm = await runEval(undefined, { llm: { latencyMs: opts.llmLatency } });
    console.log(formatEval(withLlm, { maxFailures: opts.failures }));
    console.log(`\n${formatComparison(offline, withLlm)}`);
  });

const kb = program.command("kb").description("check and improve the knowledge base in knowledge/");

kb.command("check [dir]")
  .description("validate every knowledge file; errors as file:line: message, exit code 1 on errors only")
  .action(async (dir?: string) => {
    const { kbCheck } = await import("./cli/kb.js");
    process.exitCode = kbCheck(dir, console.log, console.error);
  });

kb.command("stats [dir]")
  .description("entries and example questions per intent; entries due for review")
  .action(async (dir?: string) => {
    const { kbStats } = await import("./cli/kb.js");
    kbStats(dir, console.log);
  });

kb.command("gaps")
  .description("questions the bot could not answer, grouped by similarity, most frequent first")
  .option("--days <n>", "look back this many days", positiveInt, 30)
  .option("--limit <n>", "show at most this many groups", positiveInt, 20)
  .action(async (opts: { days: number; limit: number }) => {
    const { kbGaps } = await import("./cli/kb.js");
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

/**
 * Calls `then` once the process that started this one is gone. `npx rotabot
 * serve` runs as npx → sh → node, and a SIGTERM to npx ends npx and sh but is
 * not passed on: without this the server would run on as an orphan. Checked
 * every second (signal 0 only asks whether the process exists); not when the
 * parent is init or unknown (a container's PID 1, systemd).
 */
function onParentExit(then: () => void): void {
  const parent = process.ppid;
  if (!(parent > 1)) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") return;
      clearInterval(timer);
      then();
    }
  }, 1000);
  timer.unref();
}
