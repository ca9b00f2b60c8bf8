import { join, relative, resolve } from "node:path";
import { formatProblem } from "../../core/errors.js";
import { INTENTS } from "../../core/intents.js";
import { loadConfig } from "../../config.js";
import { exampleCollisions } from "./collisions.js";
import type { ConversationStore } from "../../core/ports.js";
import { groupGaps, type Gap } from "./gaps.js";
import { checkKnowledge, loadKnowledge, type KnowledgeBase } from "../../knowledge/loader.js";
import { openStorage } from "../../storage/open-storage.js";
import { allDatesPast, timeSensitivity } from "../../knowledge/review.js";

type Out = (line: string) => void;

/** Entries due for review within this many days are listed by `kb stats`. */
const REVIEW_HORIZON_DAYS = 60;

/**
 * `rotabot kb check [dir]`: errors as `file:line: message`, then warnings.
 * Returns the exit code: 1 when there is any error, else 0.
 */
export function kbCheck(dir: string | undefined, out: Out, err: Out, today = new Date()): number {
  const target = dir ? resolve(dir) : loadConfig().knowledgeDir;
  const r = checkKnowledge(target, today);
  if (r.kb) r.warnings.push(...exampleCollisions(r.kb, (f) => relative(process.cwd(), join(target, f)) || f));
  if (r.errors.length > 0) {
    err(`Errors (${r.errors.length}):`);
    r.errors.forEach((p) => err(formatProblem(p)));
  }
  if (r.warnings.length > 0) {
    err(`Warnings (${r.warnings.length}):`);
    r.warnings.forEach((p) => err(formatProblem(p)));
  }
  if (r.kb) {
    const examples = r.kb.entries.reduce((n, e) => n + e.examples.length, 0);
    out(`ok: ${r.kb.entries.length} entries, ${examples} example questions, ${r.warnings.length} warning(s)`);
  } else {
    err(`failed: ${r.errors.length} error(s) to fix before the bot will load this knowledge base`);
  }
  return r.errors.length > 0 ? 1 : 0;
}

/**
 * `rotabot kb stats [dir]`: entries and example questions per intent; entries due for review;
 * time-sensitive entries with no review_by; entries whose structured dates have all passed.
 */
export function kbStats(dir: string | undefined, out: Out, today = new Date()): void {
  const { kb } = loadKnowledge(dir ? resolve(dir) : loadConfig().knowledgeDir, today);
  const total = kb.entries.reduce((n, e) => n + e.examples.length, 0);
  out(`${kb.entries.length} entries, ${total} example questions`);
  out("");
  out(`${"intent".padEnd(24)}${"entries".padStart(8)}${"examples".padStart(10)}   per entry (min-max)`);
  for (const intent of INTENTS) {
    const entries = kb.entries.filter((e) => e.intent === intent);
    const counts = entries.map((e) => e.examples.length);
    const range = counts.length ? `${Math.min(...counts)}-${Math.max(...counts)}` : "-";
    out(`${intent.padEnd(24)}${String(entries.length).padStart(8)}${String(counts.reduce((a, b) => a + b, 0)).padStart(10)}   ${range}`);
  }
  const horizon = new Date(today.getTime() + REVIEW_HORIZON_DAYS * 86_400_000).toISOString().slice(0, 10);
  const todayIso = today.toISOString().slice(0, 10);
  const due = kb.entries.filter((e) => e.review_by && e.review_by <= horizon).sort((a, b) => (a.review_by ?? "").localeCompare(b.review_by ?? ""));
  out("");
  out(`Due for review by ${horizon} (${due.length}):`);
  for (const e of due) out(`  ${e.review_by}${(e.review_by ?? "") < todayIso ? " PASSED" : ""}  ${e.id}  (${e.file})`);
  const scheduled = kb.entries.filter((e) => e.review_by).length;
  out(`${scheduled} entries carry a review_by date; ${kb.entries.length - scheduled} do not.`);
  const unscheduled = kb.entries
    .map((e) => ({ e, why: e.review_by ? null : timeSensitivity(e, kb.vocabulary.institutions) }))
    .filter((x) => x.why !== null);
  out("");
  out(`Time-sensitive without review_by (${unscheduled.length}):`);
  for (const { e, why } of unscheduled) out(`  ${e.id}  (${e.file}): ${why}`);
  const past = kb.entries.filter((e) => allDatesPast(e, todayIso));
  out(`Every structured date in the past (${past.length}):`);
  for (const e of past) out(`  ${e.id}  (${e.file})`);
}

/** Unanswered questions of the last `days` days, grouped, most frequent first. */
export async function listGaps(
  store: ConversationStore,
  kb: KnowledgeBase,
  options: { days: number; limit: number; now?: Date },
): Promise<{ total: number; gaps: Gap[] }> {
  const since = new Date((options.now ?? new Date()).getTime() - options.days * 86_400_000);
  const questions = await store.unanswered({ since });
  return { total: questions.length, gaps: groupGaps(questions, kb.vocabulary.stopwords).slice(0, options.limit) };
}

export function printGaps(result: { total: number; gaps: Gap[] }, days: number, out: Out): void {
  out(`${result.total} unanswered question(s) in the last ${days} days, in ${result.gaps.length} group(s) shown:`);
  for (const g of result.gaps) {
    out("");
    out(`${String(g.count).padStart(4)} x  "${g.example}"   (last ${g.lastSeen.toISOString().slice(0, 10)})`);
    for (const v of g.variants) out(`         also: "${v}"`);
  }
}

/** `rotabot kb gaps`: questions the bot could not answer, grouped, most frequent first. */
export async function kbGaps(options: { days: number; limit: number }, out: Out): Promise<void> {
  const config = loadConfig();
  const { kb } = loadKnowledge(config.knowledgeDir);
  const storage = await openStorage(config.database);
  try {
    printGaps(await listGaps(storage.store, kb, options), options.days, out);
  } finally {
    await storage.close();
  }
}
