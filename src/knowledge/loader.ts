import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";
import { createRequire } from "node:module";
import type { Document, LineCounter } from "yaml";
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
import { leadsSchema, type LeadsConfig } from "./leads-schema.js";
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

type Report = (file: string, line: number, message: string, severity?: "error" | "warning") => void;

/** `yaml` knows where every node is; it is loaded only when a problem needs a line (start-up time). */
let yamlLib: typeof import("yaml") | undefined;
const yaml = () => (yamlLib ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));

/** A parsed YAML text that can point at the line of any field; built only when a problem needs a line. */
class Located {
  private located?: { doc: Document; counter: LineCounter };
  constructor(
    private readonly yamlText: string,
    /** Lines before the YAML in its file (the opening '---' of front matter). */
    readonly offset: number,
  ) {}

  private get parsed() {
    if (!this.located) {
      const { LineCounter: Counter, parseDocument } = yaml();
      const counter = new Counter();
      this.located = { doc: parseDocument(this.yamlText, { lineCounter: counter, prettyErrors: false }), counter };
    }
    return this.located;
  }

  line(path: (string | number)[]): number {
    return fieldLine(this.parsed.doc, this.parsed.counter, path) + this.offset;
  }

  syntaxErrors(): { line: number; message: string }[] {
    const { doc, counter } = this.parsed;
    return doc.errors.map((err) => ({ line: counter.linePos(err.pos[0]).line + this.offset, message: `YAML syntax: ${err.message.split("\n")[0]}` }));
  }

  reportIssues(issues: z.core.$ZodIssue[], file: string, report: Report) {
    reportIssues(issues, this.parsed.doc, this.parsed.counter, this.offset, file, report);
  }
}

/**
 * Parses YAML with js-yaml (about twice as fast as `yaml` on start-up) and
 * validates it; `yaml`, which knows where every node is, is only used to
 * point at the line of a problem. Null (with problems reported) when invalid.
 */
function parseAndValidate<S extends z.ZodType>(yamlText: string, offset: number, schema: S, file: string, report: Report): { data: z.infer<S>; located: Located } | null {
  const located = new Located(yamlText, offset);
  let raw: unknown;
  try {
    raw = loadYaml(yamlText, { schema: CORE_SCHEMA });
  } catch {
    const errors = located.syntaxErrors();
    if (errors.length === 0) errors.push({ line: offset + 1, message: "YAML syntax: cannot be read" });
    for (const e of errors) report(file, e.line, e.message);
    return null;
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    located.reportIssues(parsed.error.issues, file, report);
    return null;
  }
  return { data: parsed.data, located };
}

/** A Markdown file's YAML front matter (between two `---` lines at the top) and the text below it; null without one. */
export function splitFrontMatter(text: string): { yaml: string; body: string } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  return m ? { yaml: m[1] ?? "", body: m[2] ?? "" } : null;
}

function parseEntryFile(dir: string, file: string, report: Report): { entry: KnowledgeEntry; located: Located } | null {
  const text = readFileSync(join(dir, file), "utf8").replace(/^\uFEFF/, "");
  const parts = splitFrontMatter(text);
  if (!parts) {
    report(file, 1, "must start with a front matter block between two '---' lines");
    return null;
  }
  const yamlText = parts.yaml;
  const result = parseAndValidate(yamlText, 1, frontMatterSchema, file, report);
  if (!result) return null;
  const entry = { ...result.data, body: parts.body.trim(), file, exampleLines: exampleLines(yamlText, result.data.examples.length, 1) };
  return { entry, located: result.located };
}

/**
 * The line of each example question, read off the block list under
 * `examples:` (the format every entry uses); the `examples:` line itself for
 * any other layout.
 */
function exampleLines(yamlText: string, count: number, offset: number): number[] {
  const lines = yamlText.split(/\r?\n/);
  const start = lines.findIndex((l) => /^examples:\s*$/.test(l));
  const items: number[] = [];
  for (let i = start + 1; start >= 0 && i < lines.length && !/^\S/.test(lines[i] ?? ""); i++) {
    if (/^\s+-\s/.test(lines[i] ?? "")) items.push(i + 1 + offset);
  }
  const fallback = start >= 0 ? start + 1 + offset : 1;
  return items.length === count ? items : Array.from({ length: count }, () => fallback);
}

function loadYamlFile<S extends z.ZodType>(dir: string, file: string, schema: S, report: Report): z.infer<S> | null {
  let text: string;
  try {
    text = readFileSync(join(dir, file), "utf8");
  } catch {
    report(file, 0, `missing: the knowledge directory needs ${file}`);
    return null;
  }
  return parseAndValidate(text, 0, schema, file, report)?.data ?? null;
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
    if (yaml().isNode(node) && node.range) {
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
        if (yaml().isNode(key) && "value" in key && (key as { value: unknown }).value === last && key.range) {
          return counter.linePos(key.range[0]).line;
        }
      }
    }
  }
  return null;
}
