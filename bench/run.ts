import { Command, Option } from "commander";
import { positiveInt } from "../src/cli/options.js";
import { WARMUP_TURNS } from "./workload.js";

/**
 * `npm run bench`: speed and memory figures of the turn, the start-up, the
 * webhooks and the Slack desk (see README, Benchmark). The subcommands other
 * than the default are the child processes the bench starts for itself.
 */

const program = new Command().name("npm run bench --").showHelpAfterError();

program
  .command("all", { isDefault: true })
  .description("replay a fixed synthetic workload through bot.handle, then load the webhooks over loopback; print speed and memory figures")
  .option("--turns <n>", "number of turns", positiveInt, 2000)
  .option("--conversations <n>", "number of conversations", positiveInt, 200)
  .option("--webhook-seconds <n>", "seconds of WhatsApp webhook load", positiveInt, 20)
  .option("--telegram-seconds <n>", "seconds of Telegram webhook load (replies leave at Telegram's 30/s)", positiveInt, 3)
  .option("--webhook-rate <n>", "webhook requests per second, evenly spaced", positiveInt, 200)
  .option("--no-webhooks", "skip the webhook load test")
  .option("--only-webhooks", "run only the webhook load test")
  .option("--slack", "only the Slack figures: lead-to-card latency, and the drain of 200 leads after a 30-minute outage (fake clock)")
  .option("--no-slack", "skip the Slack figures")
  .option("--slack-leads <n>", "leads timed for the lead-to-card latency (about 1.1 s each)", positiveInt, 30)
  .option("--no-in-flight", "skip the inbox worker with conversations in flight and the two-process figure")
  .option("--concurrency <n>", "conversations in flight in the inbox worker figures (WORKER_CONCURRENCY)", positiveInt, 16)
  .option("--warmup <n>", "untimed turns in each measured process before its timed ones (3000: a settled process)", positiveInt, WARMUP_TURNS)
  .option("--save-baseline", "also save this run's figures as bench/results/baseline.json")
  .action(async (opts: { turns: number; warmup: number; conversations: number; webhooks: boolean; webhookSeconds: number; telegramSeconds: number; webhookRate: number; onlyWebhooks?: boolean; slack?: boolean; slackLeads: number; inFlight: boolean; concurrency: number; saveBaseline?: boolean }) => {
    if (opts.onlyWebhooks) {
      const { runWebhookBench } = await import("./webhooks.js");
      await runWebhookBench({ seconds: opts.webhookSeconds, telegramSeconds: opts.telegramSeconds, rate: opts.webhookRate, chats: 500 }, console.log);
      return;
    }
    const { runBench } = await import("./bench.js");
    // Commander sets `slack` true for --slack and false for --no-slack; unset runs everything.
    const slackOnly = process.argv.includes("--slack");
    await runBench({ ...opts, slackOnly, slack: opts.slack !== false });
  });

program
  .command("worker")
  .description("(started by the bench) measure one store in this process and print its figures as JSON")
  .addOption(new Option("--store <store>").choices(["pglite", "postgres"]).makeOptionMandatory())
  .option("--data-dir <dir>", "the PGlite directory")
  .option("--turns <n>", "number of turns", positiveInt, 2000)
  .option("--conversations <n>", "number of conversations", positiveInt, 200)
  .option("--profile <file>", "write a CPU profile of the timed turns (.cpuprofile) to this file")
  .option("--warmup <n>", "untimed turns first, on conversations of their own", positiveInt, WARMUP_TURNS)
  .action(async (opts: { store: "pglite" | "postgres"; dataDir?: string; turns: number; conversations: number; profile?: string; warmup: number }) => {
    const { runTurnsWorker } = await import("./bench.js");
    await runTurnsWorker(opts.store, opts);
  });

program
  .command("in-flight-worker")
  .description("(started by the bench) the inbox worker with conversations in flight on one store, figures as JSON")
  .addOption(new Option("--store <store>").choices(["pglite", "postgres"]).makeOptionMandatory())
  .option("--data-dir <dir>", "the PGlite directory")
  .option("--turns <n>", "number of turns", positiveInt, 2000)
  .option("--conversations <n>", "number of conversations", positiveInt, 1000)
  .option("--concurrency <n>", "conversations in flight (WORKER_CONCURRENCY)", positiveInt, 16)
  .option("--warmup <n>", "untimed turns first, on conversations of their own", positiveInt, WARMUP_TURNS)
  .option("--prefix <p>", "prefix of this process's conversation ids", "")
  .option("--wait-for-go", "print 'ready' on stderr once the inbox is loaded, and start on a line on stdin")
  .option("--trace", "print each statement's count per turn and mean time on stderr")
  .action(async (opts: { store: "pglite" | "postgres"; dataDir?: string; turns: number; conversations: number; concurrency: number; warmup: number; prefix: string; waitForGo?: boolean; trace?: boolean }) => {
    const { runInFlightWorker } = await import("./in-flight.js");
    await runInFlightWorker(opts);
  });

program
  .command("turn-cost")
  .description("CPU time per turn of the fixed workload through bot.handle of another checkout (the bisect), as JSON")
  .option("--root <dir>", "the checkout (a worktree with node_modules linked)", ".")
  .addOption(new Option("--store <store>").choices(["pglite", "postgres"]).default("pglite"))
  .option("--turns <n>", "timed turns", positiveInt, 1000)
  .option("--warmup <n>", "untimed turns first", positiveInt, 200)
  .action(async (opts: { root: string; store: "pglite" | "postgres"; turns: number; warmup: number }) => {
    const { measureTurnCost } = await import("./turn-cost.js");
    process.stdout.write(JSON.stringify(await measureTurnCost(opts)) + "\n");
  });

program
  .command("startup")
  .description("a warm console start phase by phase (modules, knowledge, classifier, database, first turn), as JSON lines")
  .option("--root <dir>", "the checkout whose dist/ is measured", ".")
  .requiredOption("--data-dir <dir>", "an existing PGlite data directory")
  .action(async (opts: { root: string; dataDir: string }) => {
    const { measureStartup } = await import("./startup.js");
    for (const p of await measureStartup(opts)) console.log(JSON.stringify(p));
  });

program
  .command("profile-summary <file>")
  .description("where the time of a .cpuprofile went: self time by part of the code, top functions, inclusive time of ours")
  .option("--top <n>", "functions listed", positiveInt, 15)
  .action(async (file: string, opts: { top: number }) => {
    const { printProfileSummary } = await import("./profile-summary.js");
    printProfileSummary(file, console.log, opts.top);
  });

program
  .command("fake-apis")
  .description("(started by the bench) serve the fake platform APIs of the webhook load test until stdin closes")
  .action(async () => {
    const { runFakeApis } = await import("./webhooks.js");
    await runFakeApis();
  });

program
  .command("webhook-driver <json>")
  .description("(started by the bench) generate one channel's webhook load in this process")
  .action(async (json: string) => {
    const { runWebhookDriver } = await import("./webhooks.js");
    await runWebhookDriver(JSON.parse(json) as Parameters<typeof runWebhookDriver>[0]);
  });

await program.parseAsync(process.argv);
