import { Command, Option } from "commander";
import { positiveInt } from "../src/cli/options.js";

/**
 * `npm run eval`: both labelled sets (test/eval) through the same code path as
 * `rotabot replay`; prints, per set, intent and entry accuracy, the
 * confidently-wrong and asked-back rates, fact recall, reply length, latency,
 * the confusion matrix and the failures. Tooling, not part of the product CLI.
 */

const program = new Command()
  .name("npm run eval --")
  .description("run the labelled eval sets (test/eval: main, and the held-out forum set) and print their figures, confusion matrices and failures")
  .option("--failures <n>", "list at most this many failures per set", positiveInt, 200)
  .addOption(new Option("--set <set>", "run only one set").choices(["main", "forum", "forum-b"]))
  .option("--llm", "also run with the LLM layer on, against a fake OpenAI-compatible server started in-process, and compare")
  .option("--seeds <n>", "run each set once per classifier training seed 1..n and print each figure's mean and range (no failures listed)", positiveInt)
  .option("--llm-latency <ms>", "how long the fake LLM takes to answer", (v) => (v === "0" ? 0 : positiveInt(v)), 500)
  .showHelpAfterError()
  .action(async (opts: { failures: number; set?: "main" | "forum" | "forum-b"; llm?: boolean; llmLatency: number; seeds?: number }) => {
    const { formatComparison, formatEval, loadEvalSet, runEval } = await import("./eval.js");
    const { formatSeedSpread, formatSummary } = await import("./report.js");
    const summaries: string[] = [];
    for (const set of opts.set ? [opts.set] : (["main", "forum", "forum-b"] as const)) {
      const cases = loadEvalSet(set);
      if (opts.seeds) {
        const results = [];
        for (let seed = 1; seed <= opts.seeds; seed++) results.push(await runEval(cases, { seed }));
        const lines = formatSeedSpread(set, results);
        console.log(lines.join("\n"), "\n");
        summaries.push(...lines);
        continue;
      }
      const offline = await runEval(cases);
      // The second held-out set's failures are never printed: what nobody reads, nobody tunes on.
      const maxFailures = set === "forum-b" ? 0 : opts.failures;
      if (!opts.llm) {
        console.log(set === "forum-b" ? formatSummary(set, offline).join("\n") : formatEval(offline, { maxFailures, set }), "\n");
        summaries.push(...formatSummary(set, offline));
        continue;
      }
      const withLlm = await runEval(cases, { llm: { latencyMs: opts.llmLatency } });
      console.log(formatEval(withLlm, { maxFailures, set }));
      console.log(`\n${formatComparison(offline, withLlm)}\n`);
      summaries.push(...formatSummary(set, withLlm));
    }
    console.log(["summary", ...summaries].join("\n"));
  });

await program.parseAsync(process.argv);
