import { readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { KnowledgeError, type KnowledgeProblem } from "../core/errors.js";
import { answerUnits } from "./paragraphs.js";
import { FACTUAL_INTENTS } from "../core/intents.js";
import {
  messagesSchema,
  vocabularySchema,
  type FrontMatter,
  type Messages,
  type Vocabulary,
} from "./schema.js";
import { currenciesSchema, type Currencies } from "./currencies-schema.js";
import { leadsSchema, type LeadsConfig } from "./leads-schema.js";
import { loadYamlFile, parseEntryFile, type Located } from "./yaml-files.js";
import { allDatesPast, timeSensitivity } from "./review.js";

export interface KnowledgeEntry extends FrontMatter {
  /** The Markdown answer. */
  body: string;
  /** Path relative to the knowledge directory. */
  file: string;
  /** The line of each example question in the file, for messages that point at one. */
  exampleLines: number[];
}

/** An immutable, validated knowledge base. A reload builds a new one. */
export interface KnowledgeBase {
  readonly dir: string;
  readonly entries: readonly KnowledgeEntry[];
  readonly byId: ReadonlyMap<string, KnowledgeEntry>;
  readonly vocabulary: Vocabulary;
  readonly messages: Messages;
  readonly currencies: Currencies;
  /** `_leads.yaml`: the counselor hand-off (consent, form, triggers, score); null turns lead capture off. */
  readonly leads: LeadsConfig | null;
}

export interface LoadResult {
  kb: KnowledgeBase | null;
  errors: KnowledgeProblem[];
  warnings: KnowledgeProblem[];
}

const VOCABULARY_FILE = "_vocabulary.yaml";
const MESSAGES_FILE = "_messages.yaml";
const CURRENCIES_FILE = "_currencies.yaml";
const LEADS_FILE = "_leads.yaml";

/**
 * Loads and checks every file of a knowledge directory. Never throws for bad
 * content: problems come back as `file:line` errors and warnings.
 * `today` decides which review dates have passed.
 */
export function checkKnowledge(dir: string, today: Date = new Date()): LoadResult {
  const problems: KnowledgeProblem[] = [];
  const rel = (f: string) => relative(process.cwd(), join(dir, f)) || f;
  const report = (file: string, line: number, message: string, severity: "error" | "warning" = "error") =>
    problems.push({ file: rel(file), line, message, severity });

  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch (err) {
    report(".", 0, `cannot read the knowledge directory: ${(err as Error).message}`);
    return split(null, problems);
  }

  const vocabulary = loadYamlFile(dir, VOCABULARY_FILE, vocabularySchema, report);
  const messages = loadYamlFile(dir, MESSAGES_FILE, messagesSchema, report);
  const currencies = files.includes(CURRENCIES_FILE) ? loadYamlFile(dir, CURRENCIES_FILE, currenciesSchema, report) : { rates: [] };
  // Optional: without it lead capture is off. A broken one is an error like any other file's (and loadYamlFile reports it).
  const hasLeads = files.includes(LEADS_FILE);
  const leads = hasLeads ? loadYamlFile(dir, LEADS_FILE, leadsSchema, report) : null;
  if (!hasLeads) report(LEADS_FILE, 0, `missing: lead capture (the counselor hand-off form) is off until ${LEADS_FILE} exists`, "warning");
  if (vocabulary) {
    for (const topic of vocabulary.negatable) {
      if (!(topic in vocabulary.topics)) report(VOCABULARY_FILE, 1, `negatable: "${topic}" is not one of the topics`);
    }
    for (const topic of Object.keys(vocabulary.routes)) {
      if (!(topic in vocabulary.topics)) report(VOCABULARY_FILE, 1, `routes: "${topic}" is not one of the topics`);
    }
    for (const rate of currencies?.rates ?? []) {
      for (const c of rate.countries) if (!(c in vocabulary.countries)) report(CURRENCIES_FILE, 1, `${rate.code}: country "${c}" is not in ${VOCABULARY_FILE} countries`);
    }
  }

  const entries: KnowledgeEntry[] = [];
  const located = new Map<string, Located>();
  for (const file of files.filter((f) => f.endsWith(".md") && !f.startsWith("_") && f !== "README.md")) {
    const parsed = parseEntryFile(dir, file, report);
    if (!parsed) continue;
    entries.push(parsed.entry);
    located.set(parsed.entry.file, parsed.located);
  }

  // Cross-file checks, each reported at the line of the field at fault.
  const lineOf = (entry: KnowledgeEntry, path: (string | number)[]) => located.get(entry.file)?.line(path) ?? 1;
  const seen = new Map<string, KnowledgeEntry>();
  for (const e of entries) {
    const prior = seen.get(e.id);
    if (prior) report(e.file, lineOf(e, ["id"]), `duplicate id "${e.id}" (also in ${prior.file})`);
    else seen.set(e.id, e);
  }
  const today0 = today.toISOString().slice(0, 10);
  const exampleOwner = new Map<string, KnowledgeEntry>();
  for (const e of entries) {
    if (e.id !== basename(e.file, ".md")) {
      report(e.file, lineOf(e, ["id"]), `id "${e.id}" must match the file name "${basename(e.file, ".md")}"`);
    }
    e.related.forEach((id, i) => {
      if (!seen.has(id)) report(e.file, lineOf(e, ["related", i]), `related entry "${id}" does not exist`);
    });
    if (vocabulary) {
      e.topics.forEach((t, i) => {
        if (!(t in vocabulary.topics)) {
          report(e.file, lineOf(e, ["topics", i]), `unknown topic "${t}": add it to ${VOCABULARY_FILE} under topics`);
        }
      });
    }
    if (FACTUAL_INTENTS.has(e.intent) && e.sources.length === 0) {
      report(e.file, lineOf(e, ["sources"]), `a "${e.intent}" answer states facts, so it needs at least one source`);
    }
    if (e.review_by && e.review_by < today0) {
      report(e.file, lineOf(e, ["review_by"]), `review date ${e.review_by} has passed: check the facts and update reviewed/review_by`, "warning");
    }
    const sensitive = e.review_by ? null : timeSensitivity(e, vocabulary?.institutions ?? []);
    if (sensitive) report(e.file, lineOf(e, ["reviewed"]), `time-sensitive (${sensitive}) but has no review_by: add review_by: YYYY-MM-DD, when to check it again`, "warning");
    if (allDatesPast(e, today0)) report(e.file, lineOf(e, ["facts", "dates"]), "every date under facts.dates has passed: add the current cycle's dates", "warning");
    if (!e.body.trim()) report(e.file, lineOf(e, ["id"]), "the answer text below the front matter is empty");
    const direct = answerUnits(e.body)[0]?.text ?? "";
    if (messages && direct.length > messages.answer_max_chars) {
      report(
        e.file,
        lineOf(e, ["id"]),
        `the first paragraph (the direct answer every student sees) is ${direct.length} characters, over answer_max_chars (${messages.answer_max_chars}) in ${MESSAGES_FILE}: shorten it or move details to a later paragraph`,
        "warning",
      );
    }
    e.examples.forEach((q, i) => {
      const key = normalizeExample(q);
      const owner = exampleOwner.get(key);
      if (owner && owner !== e) {
        report(e.file, lineOf(e, ["examples", i]), `example question "${q}" is also an example of ${owner.id}: keep it in one entry`);
      } else exampleOwner.set(key, e);
    });
  }

  const hasErrors = problems.some((p) => p.severity === "error");
  const kb: KnowledgeBase | null =
    hasErrors || !vocabulary || !messages || !currencies
      ? null
      : Object.freeze({
          dir,
          entries: Object.freeze(entries),
          byId: new Map(entries.map((e) => [e.id, e])),
          vocabulary,
          messages,
          currencies,
          leads,
        });
  return split(kb, problems);
}

/** Like checkKnowledge, but throws KnowledgeError when there is any error. */
export function loadKnowledge(dir: string, today?: Date): { kb: KnowledgeBase; warnings: KnowledgeProblem[] } {
  const r = checkKnowledge(dir, today);
  if (!r.kb) throw new KnowledgeError(r.errors);
  return { kb: r.kb, warnings: r.warnings };
}

export function normalizeExample(q: string): string {
  return q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function split(kb: KnowledgeBase | null, problems: KnowledgeProblem[]): LoadResult {
  return {
    kb,
    errors: problems.filter((p) => p.severity === "error"),
    warnings: problems.filter((p) => p.severity === "warning"),
  };
}

export { splitFrontMatter } from "./yaml-files.js";
