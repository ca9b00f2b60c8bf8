import { Command, Option } from "commander";
import { positiveInt } from "./cli/options.js";
import { runConsoleChat } from "./channels/console/console-chat.js";
import { loadConfig } from "./config.js";
import { RotabotError } from "./core/errors.js";
import { createLogger } from "./logger.js";
import { createApp } from "./main.js";
import { replay } from "./cli/replay.js";

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
    const progress = (line: string) => process.stderr.write(`rotabot: ${line}\n`);
    const app = await createApp(config, { logger, watchKnowledge: true, progress });
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

const leads = program
  .command("leads")
  .description("list the leads (newest first), filtered by status and creation date; `leads show <id>`, `leads export`")
  .option("--status <status>", "collecting, queued, claimed or closed")
  .option("--since <date>", "created on or after this day (YYYY-MM-DD, UTC)")
  .option("--until <date>", "created on or before this day (YYYY-MM-DD, UTC)")
  .option("--days <n>", "created in the last n days", positiveInt)
  .option("--limit <n>", "show at most this many", positiveInt, 50)
  .action(async (opts: import("./cli/leads.js").LeadQueryOptions) => {
    const { leadsList } = await import("./cli/leads.js");
    await leadsList(opts, console.log);
  });

leads
  .command("show <id>")
  .description("one lead: its facts, contact details (with consent), the counselor summary and the consent record")
  .action(async (id: string) => {
    const { leadsShow } = await import("./cli/leads.js");
    if (!(await leadsShow(positiveInt(id), console.log))) process.exitCode = 1;
  });

leads
  .command("export")
  .description("every matching lead as CSV or JSON lines: contact details only with consent, redacted leads stay redacted")
  .addOption(new Option("--format <format>", "csv or jsonl").choices(["csv", "jsonl"]).default("csv"))
  .option("--out <file>", "write to this file (mode 600) instead of stdout")
  .option("--status <status>", "collecting, queued, claimed or closed")
  .option("--since <date>", "created on or after this day (YYYY-MM-DD, UTC)")
  .option("--until <date>", "created on or before this day (YYYY-MM-DD, UTC)")
  .option("--days <n>", "created in the last n days", positiveInt)
  .action(async (opts: import("./cli/leads.js").LeadQueryOptions & { format: "csv" | "jsonl"; out?: string }) => {
    const { leadsExport } = await import("./cli/leads.js");
    const n = await leadsExport(opts, (text) => process.stdout.write(text));
    if (opts.out) console.error(`${n} lead(s) written to ${opts.out}`);
  });

program
  .command("report")
  .description("write one self-contained HTML file with charts: conversations, intents, fallbacks, top entries, gaps, the lead funnel, time to claim, entries due for review")
  .option("--days <n>", "look back this many days", positiveInt, 30)
  .option("--out <file>", "where to write it", "report.html")
  .action(async (opts: { days: number; out: string }) => {
    const { writeReport } = await import("./cli/report/write-report.js");
    const bytes = await writeReport(opts);
    console.error(`report of the last ${opts.days} days written to ${opts.out} (${Math.round(bytes / 1024)} KB)`);
  });

program
  .command("backup <file>")
  .description("copy the embedded database (ROTABOT_DATA_DIR) to one gzip file; stop rotabot first (PostgreSQL: use pg_dump)")
  .action(async (file: string) => {
    const { backupDataDir } = await import("./cli/backup.js");
    const bytes = await backupDataDir(file);
    console.error(`embedded database written to ${file} (${Math.round(bytes / 1024)} KB)`);
  });

program
  .command("restore <file>")
  .description("replace the embedded database (ROTABOT_DATA_DIR) with a backup; stop rotabot first; the old data is kept aside")
  .action(async (file: string) => {
    const { restoreDataDir } = await import("./cli/backup.js");
    const aside = await restoreDataDir(file);
    console.error(`restored from ${file}${aside ? `; the previous data is in ${aside}` : ""}`);
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

// `rotabot --version` (and -V): package.json's version.
program.version(await import("./cli/version.js").then((m) => m.packageVersion()), "-V, --version", "print rotabot's version");

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
