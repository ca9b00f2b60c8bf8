import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORE_SCHEMA, load as loadYaml } from "js-yaml";
import { z } from "zod";
import { PromptError, type KnowledgeProblem } from "../core/errors.js";
import { splitFrontMatter } from "../knowledge/loader.js";
import { stripInvisible } from "../nlu/text.js";

/** The prompt files the LLM layer needs, and the placeholders the code fills in each. */
export const PROMPT_PLACEHOLDERS = {
  system: ["canary"],
  classify: ["intents", "history", "message"],
  answer: ["language", "history", "question", "knowledge", "offline_answer", "entry_ids"],
} as const;

export type PromptId = keyof typeof PROMPT_PLACEHOLDERS;

const frontMatterSchema = z
  .object({
    id: z.enum(["system", "classify", "answer"]),
    version: z.number().int().min(1),
    placeholders: z.array(z.string().regex(/^[a-z_]+$/, "placeholder names are lower-case letters and _")),
    canary: z.string().min(12, "the canary must be at least 12 characters, random enough never to occur by chance").optional(),
  })
  .strict();

export interface PromptTemplate {
  id: PromptId;
  version: number;
  file: string;
  body: string;
}

export interface Prompts {
  system: PromptTemplate;
  classify: PromptTemplate;
  answer: PromptTemplate;
  /** From the system prompt's front matter; rejected in every answer. */
  canary: string;
}

/**
 * Loads and validates `system.md`, `classify.md` and `answer.md` from `dir`:
 * front matter (id matching the file, version, declared placeholders, the
 * canary in the system prompt), a non-empty body, and every `{{name}}` in the
 * body declared and filled by the code. Throws PromptError listing every
 * problem as file:line: message.
 */
export function loadPrompts(dir: string): Prompts {
  const problems: KnowledgeProblem[] = [];
  const templates = new Map<PromptId, PromptTemplate & { canary?: string }>();
  for (const id of Object.keys(PROMPT_PLACEHOLDERS) as PromptId[]) {
    const file = `${id}.md`;
    const report = (line: number, message: string) => problems.push({ file: join(dir, file), line, message, severity: "error" });
    let text: string;
    try {
      text = readFileSync(join(dir, file), "utf8");
    } catch (err) {
      report(1, `cannot read the prompt file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    const parts = splitFrontMatter(text);
    if (!parts) {
      report(1, "must start with a front matter block between two '---' lines");
      continue;
    }
    const { yaml } = parts;
    const body = parts.body.trim();
    const bodyLine = yaml.split("\n").length + 3;
    let data: unknown;
    try {
      data = loadYaml(yaml, { schema: CORE_SCHEMA });
    } catch (err) {
      report(2, `front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    const parsed = frontMatterSchema.safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) report(lineOfKey(yaml, String(issue.path[0] ?? "")), `${issue.path.join(".") || "front matter"}: ${issue.message}`);
      continue;
    }
    const fm = parsed.data;
    if (fm.id !== id) report(lineOfKey(yaml, "id"), `id "${fm.id}" must be "${id}", as the file name says`);
    if (!body) report(bodyLine, "the prompt text below the front matter is empty");
    const expected: readonly string[] = PROMPT_PLACEHOLDERS[id];
    for (const name of fm.placeholders) if (!expected.includes(name)) report(lineOfKey(yaml, "placeholders"), `unknown placeholder "${name}": the code fills only ${expected.join(", ")}`);
    for (const name of expected) if (!fm.placeholders.includes(name)) report(lineOfKey(yaml, "placeholders"), `placeholder "${name}" must be declared and used`);
    const used = new Set<string>();
    body.split("\n").forEach((line, i) => {
      for (const p of line.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
        const name = p[1] ?? "";
        used.add(name);
        if (!fm.placeholders.includes(name)) report(bodyLine + i, `placeholder {{${name}}} is not declared in the front matter`);
      }
    });
    for (const name of fm.placeholders) if (!used.has(name)) report(bodyLine, `declared placeholder {{${name}}} is not used in the text`);
    if (id === "system" && !fm.canary) report(1, "the system prompt needs a canary in its front matter (a random string the output check rejects)");
    templates.set(id, { id, version: fm.version, file: join(dir, file), body, canary: fm.canary });
  }
  if (problems.length > 0) throw new PromptError(problems);
  const get = (id: PromptId) => templates.get(id) as PromptTemplate & { canary?: string };
  return Object.freeze({ system: get("system"), classify: get("classify"), answer: get("answer"), canary: get("system").canary as string });
}

/**
 * Fills a template's placeholders in one pass: a value that itself holds
 * "{{…}}" (a student's message) is not expanded again. Throws Error if a
 * placeholder has no value (a bug in the caller, caught by the tests).
 */
export function fillPrompt(template: PromptTemplate, values: Readonly<Record<string, string>>): string {
  return template.body.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt ${template.id}: no value for {{${name}}}`);
    return value;
  });
}

/**
 * Makes untrusted text safe to put inside a `<<<DATA …>>>` block: the block
 * markers cannot be forged, and invisible characters are gone.
 */
export function asData(text: string): string {
  // Invisible characters go first: "<\u200B<<" is a marker once they are gone.
  return stripInvisible(text).replace(/<<<|>>>/g, "\u2039\u2039");
}

function lineOfKey(yaml: string, key: string): number {
  const i = yaml.split("\n").findIndex((l) => l.startsWith(`${key}:`));
  return i < 0 ? 2 : i + 2;
}
