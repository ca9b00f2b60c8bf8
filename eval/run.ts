import { Command, InvalidArgumentError } from "commander";

/**
 * `npm run eval`: the labelled eval set (test/eval) through the same code path
 * as `rotabot replay`; prints accuracy, fact recall, the confusion matrix,
 * failures and latency. Tooling, not part of the product CLI.
 */

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

const program = new Command()
  .name("npm run eval --")
  .description("run the labelled eval set (test/eval) and print accuracy, fact recall, confusion matrix, failures and latency")
  .option("--failures <n>", "list at most this many failures", positiveInt, 200)
  .option("--llm", "also run with the LLM layer on, against a fake OpenAI-compatible server started in-process, and compare")
  .option("--llm-latency <ms>", "how long the fake LLM takes to answer", (v) => (v === "0" ? 0 : positiveInt(v)), 500)
  .showHelpAfterError()
  .action(async (opts: { failures: number; llm?: boolean; llmLatency: number }) => {
    const { formatComparison, formatEval, runEval } = await import("./eval.js");
    const offline = await runEval();
    if (!opts.llm) {
      console.log(formatEval(offline, { maxFailures: opts.failures }));
      return;
    }
    const withLlm = await runEval(undefined, { llm: { latencyMs: opts.llmLatency } });
    console.log(formatEval(withLlm, { maxFailures: opts.failures }));
    console.log(`\n${formatComparison(offline, withLlm)}`);
  });

await program.parseAsync(process.argv);
