import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import type { KnowledgeBase } from "./loader.js";
import type { KnowledgeProblem } from "../core/errors.js";

/** The package folder (two up from src/knowledge or dist/knowledge); config.ts is a floor above this one. */
const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A checked knowledge base kept on disk between starts: reading and validating
 * the ~80 files costs about 200 ms of CPU at every start, reading this back
 * about 1 ms. The key is a hash of every file of the knowledge directory, of
 * the code that reads them (this folder: a changed schema never serves a stale
 * shape), of the directory's path (a base knows it), of the day (review-date warnings depend on it) and of the Node
 * version (the v8 serialization format). Only a base that passed the checks is
 * stored. The cache is best effort: any failure to read or write it falls back
 * to the normal load. It lives in node_modules/.cache/rotabot (the usual place
 * of tools' caches, never in the knowledge folder, which is watched).
 */
type Loaded = { kb: KnowledgeBase; warnings: KnowledgeProblem[] };

const CODE_DIR = fileURLToPath(new URL(".", import.meta.url));

/** The package's node_modules/.cache/rotabot: two folders up from src/knowledge/ and from dist/knowledge/. */
export const KNOWLEDGE_CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/rotabot", import.meta.url));

/** Every file under `dir` (dot files left out), in a fixed order, into the hash. */
function hashFiles(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      hashFiles(hash, path);
      continue;
    }
    hash.update(`\u0000${path.slice(dir.length)}\u0000`);
    hash.update(readFileSync(path));
  }
}

export function knowledgeCacheKey(dir: string, today: Date): string {
  const hash = createHash("sha256");
  hash.update(`${process.version}\u0000${today.toISOString().slice(0, 10)}\u0000${dir}\u0000`);
  hashFiles(hash, CODE_DIR);
  hash.update("\u0001");
  hashFiles(hash, dir);
  return hash.digest("hex").slice(0, 32);
}

/** `load(dir, today)` through the cache. */
export function cachedKnowledge(load: (dir: string, today?: Date) => Loaded, options: { cacheDir?: string } = {}) {
  return (dir: string, today: Date = new Date()): Loaded => {
    const cacheDir = options.cacheDir ?? KNOWLEDGE_CACHE_DIR;
    let file: string | undefined;
    try {
      file = join(cacheDir, `knowledge-${knowledgeCacheKey(dir, today)}.v8`);
      const hit = deserialize(readFileSync(file)) as Loaded;
      // As the loader hands it out: the base and its entry list frozen.
      Object.freeze(hit.kb.entries);
      return { kb: Object.freeze(hit.kb), warnings: hit.warnings };
    } catch {
      /* not cached yet (or unreadable): load it */
    }
    const loaded = load(dir, today);
    if (file) {
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, serialize({ kb: loaded.kb, warnings: loaded.warnings }));
        renameSync(tmp, file); // atomic: a concurrent reader never sees half a file
      } catch {
        /* read-only install: every start loads, as without the cache */
      }
    }
    return loaded;
  };
}
