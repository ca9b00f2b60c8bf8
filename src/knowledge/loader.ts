import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { KnowledgeError, type KnowledgeProblem } from "../core/errors.js";
import { FACTUAL_INTENTS } from "../core/intents.js";
import {
  currenciesSchema,
  frontMatterSchema,
  type Currencies,
  messagesSchema,
  vocabularySchema,
  type FrontMatter,
  type Messages,
  type Vocabulary,
} from "./schema.js";

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
}

export interface LoadResult {
  kb: KnowledgeBase | null;
  errors: KnowledgeProblem[];
  warnings: KnowledgeProblem[];
}

const VOCABULARY_FILE = "_vocabulary.yaml";
const MESSAGES_FILE = "_messages.yaml";
const CURRENCIES_FILE = "_currencies.yaml";

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
  if (vocabulary) {
    for (const topic of Object.keys(vocabulary.routes)) {
      if (!(topic in vocabulary.topics)) report(VOCABULARY_FILE, 1, `routes: "${topic}" is not one of the topics`);
    }
    for (const rate of currencies?.rates ?? []) {
      for (const c of rate.countries) if (!(c in vocabulary.countries)) report(CURRENCIES_FILE, 1, `${rate.code}: country "${c}" is not in ${VOCABULARY_FILE} countries`);
    }
  }

  const entries: KnowledgeEntry[] = [];
  const docs = new Map<string, { doc: Document; offset: number; counter: LineCounter }>();
  for (const file of files.filter((f) => f.endsWith(".md") && !f.startsWith("_") && f !== "README.md")) {
    const parsed = parseEntryFile(dir, file, report);
    if (!parsed) continue;
    entries.push(parsed.entry);
    docs.set(parsed.entry.id, parsed.meta);
  }

  // Cross-file checks, each reported at the line of the field at fault.
  const lineOf = (entry: KnowledgeEntry, path: (string | number)[]) => {
    const meta = docs.get(entry.id);
    return meta ? fieldLine(meta.doc, meta.counter, path) + meta.offset : 1;
  };
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
    if (!e.body.trim()) report(e.file, lineOf(e, ["id"]), "the answer text below the front matter is empty");
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

type Report = (file: string, line: number, message: string, severity?: "error" | "warning") => void;

function parseEntryFile(
  dir: string,
  file: string,
  report: Report,
): { entry: KnowledgeEntry; meta: { doc: Document; offset: number; counter: LineCounter } } | null {
  const text = readFileSync(join(dir, file), "utf8").replace(/^\uFEFF/, "");
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m) {
    report(file, 1, "must start with a front matter block between two '---' lines");
    return null;
  }
  const yamlText = m[1] ?? "";
  const body = (m[2] ?? "").trim();
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false });
  const offset = 1; // the opening '---' line
  if (doc.errors.length > 0) {
    for (const err of doc.errors) report(file, counter.linePos(err.pos[0]).line + offset, `YAML syntax: ${err.message.split("\n")[0]}`);
    return null;
  }
  const parsed = frontMatterSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    reportIssues(parsed.error.issues, doc, counter, offset, file, report);
    return null;
  }
  const exampleLines = parsed.data.examples.map((_, i) => fieldLine(doc, counter, ["examples", i]) + offset);
  return { entry: { ...parsed.data, body, file, exampleLines }, meta: { doc, offset, counter } };
}

function loadYamlFile<S extends z.ZodType>(dir: string, file: string, schema: S, report: Report): z.infer<S> | null {
  let text: string;
  try {
    text = readFileSync(join(dir, file), "utf8");
  } catch {
    report(file, 0, `missing: the knowledge directory needs ${file}`);
    return null;
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) report(file, counter.linePos(err.pos[0]).line, `YAML syntax: ${err.message.split("\n")[0]}`);
    return null;
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    reportIssues(parsed.error.issues, doc, counter, 0, file, report);
    return null;
  }
  return parsed.data;
}

function reportIssues(
  issues: z.core.$ZodIssue[],
  doc: Document,
  counter: LineCounter,
  offset: number,
  file: string,
  report: Report,
) {
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const field = path.length ? path.join(".") : "front matter";
    let message = issue.message;
    if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
    if (issue.code === "unrecognized_keys") message = `unknown field(s): ${issue.keys.join(", ")}`;
    report(file, fieldLine(doc, counter, path) + offset, `${field}: ${message}`);
  }
}

/** The 1-based line of the deepest existing node on `path`. */
function fieldLine(doc: Document, counter: LineCounter, path: (string | number)[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const node = sub.length ? doc.getIn(sub, true) : doc.contents;
    if (isNode(node) && node.range) {
      // For a mapping key, report the key's line rather than its value's.
      const pair = sub.length ? findPairLine(doc, counter, sub) : null;
      return pair ?? counter.linePos(node.range[0]).line;
    }
  }
  return 1;
}

function findPairLine(doc: Document, counter: LineCounter, path: (string | number)[]): number | null {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (parent && typeof parent === "object" && "items" in parent && Array.isArray(parent.items)) {
    for (const item of parent.items as unknown[]) {
      if (item && typeof item === "object" && "key" in item) {
        const key = (item as { key: unknown }).key;
        if (isNode(key) && "value" in key && (key as { value: unknown }).value === last && key.range) {
          return counter.linePos(key.range[0]).line;
        }
      }
    }
  }
  return null;
}
