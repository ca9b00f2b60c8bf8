import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The folders of src/ stack in floors, and every import points down (or
 * stays on its own floor). The order is written once, here, lowest first. A
 * floor with several names is one unit: the top-level files of the
 * composition root, and those of the command, import each other.
 *
 * core        message model, ports, state, errors, clock: imports nothing else in src/
 * logger.ts   structured logs
 * knowledge   the knowledge files: schema, loader, reload
 * nlu         reading a message: text, classifier, extraction, understanding
 * intents     one pure handler per intent
 * leads       the lead form, triggers, score, summary (the turn's side of a lead)
 * dialog      the turn: bot.handle/process, its steps, questions, router
 * config.ts   settings, the only reader of process.env
 * storage     SQL repositories over PGlite and pg
 * llm         the optional language model
 * inbox       intake (inbox before the ack) and the inbox worker
 * http        the one HTTP server, metrics
 * channels    Telegram, WhatsApp, Slack, console: the only importers of their SDKs
 * main.ts, serve.ts, worker-*.ts   the composition roots
 * cli         the `rotabot` command
 */
const FLOORS: string[][] = [
  ["core"],
  ["logger.ts"],
  ["knowledge"],
  ["nlu"],
  ["intents"],
  ["leads"],
  ["dialog"],
  ["config.ts"],
  ["storage"],
  ["llm"],
  ["inbox"],
  ["http"],
  ["channels"],
  ["main.ts", "serve.ts", "worker-runtime.ts", "worker-thread.ts", "worker-thread-host.ts"],
  ["cli", "cli.ts", "bin.js"],
];

/** Folders that hold the product's logic: no platform SDK, database driver or LLM library in them. */
const DOMAIN = ["core", "nlu", "intents", "knowledge", "leads", "dialog", "inbox"];
const SDK = /^(grammy|@grammyjs\/|@slack\/|pg$|pg\/|@electric-sql\/|langchain|@langchain\/)/;

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The unit of a file in FLOORS: its top folder under src/, or its own name for a file at the top. */
function unitOf(file: string): string {
  return relative(SRC, file).split("/")[0] as string;
}

function floorOf(unit: string): number {
  const floor = FLOORS.findIndex((units) => units.includes(unit));
  if (floor < 0) throw new Error(`src/${unit} is on no floor: add it to FLOORS in test/architecture.test.ts`);
  return floor;
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1] as string);
  return found;
}

const files = sourceFiles(SRC);

describe("the architecture of src/", () => {
  it("finds the source files", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("has every import point down the floors or stay on its own", () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      for (const spec of specifiers(file)) {
        // bin.js starts the build in dist/ when it is fresh (see its comment).
        if (!spec.startsWith(".") || (from === "bin.js" && spec.startsWith("../dist/"))) continue;
        const resolved = resolve(dirname(file), spec);
        // TypeScript's NodeNext imports name the emitted .js of a .ts source.
        const target = resolved.endsWith(".js") && existsSync(resolved.replace(/\.js$/, ".ts")) ? resolved.replace(/\.js$/, ".ts") : resolved;
        if (!target.startsWith(SRC)) {
          wrong.push(`src/${relative(SRC, file)} imports ${spec}, outside src/`);
          continue;
        }
        const to = unitOf(target);
        if (floorOf(to) > floorOf(from)) wrong.push(`src/${relative(SRC, file)} (${from}) imports ${spec} (${to}), which is above it`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keeps platform SDKs, database drivers and LangChain out of the domain folders", () => {
    const wrong: string[] = [];
    for (const file of files.filter((f) => DOMAIN.includes(unitOf(f)))) {
      for (const spec of specifiers(file)) if (SDK.test(spec)) wrong.push(`src/${relative(SRC, file)} imports ${spec}`);
    }
    expect(wrong).toEqual([]);
  });

  it("keeps core/ the floor: it imports nothing else in src/", () => {
    const wrong = files
      .filter((f) => unitOf(f) === "core")
      .flatMap((f) => specifiers(f).filter((s) => s.startsWith("..")).map((s) => `src/${relative(SRC, f)} imports ${s}`));
    expect(wrong).toEqual([]);
  });
});
