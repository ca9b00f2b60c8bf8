import { watch, type FSWatcher } from "node:fs";
import { formatProblem } from "../core/errors.js";
import type { Logger } from "../logger.js";
import { checkKnowledge, loadKnowledge, type KnowledgeBase } from "./loader.js";

export interface ReloadingKnowledge<T> {
  /** What `prepare` made of the version in force. */
  current(): T;
  /** Checks the directory now; swaps in the new version only if it is valid. Returns whether it swapped. */
  reload(): boolean;
  close(): void;
}

/**
 * The knowledge base of a running bot: loaded at start (a broken file stops
 * start-up), then watched. A saved edit is picked up after `debounceMs`; an
 * invalid edit is logged with the same `file:line: message` lines as
 * `rotabot kb check`, and the last good version keeps serving. `prepare`
 * turns each valid version into what the reader serves (for the bot: the
 * knowledge base with its trained classifier), so a reload swaps both at once.
 */
export function watchKnowledge<T>(dir: string, prepare: (kb: KnowledgeBase) => T, options: { logger: Logger; debounceMs?: number; today?: () => Date; load?: typeof loadKnowledge }): ReloadingKnowledge<T> {
  const { logger } = options;
  const today = options.today ?? (() => new Date());
  // The first load may come from a cache (knowledge/cache.ts): start-up time.
  const first = (options.load ?? loadKnowledge)(dir, today());
  for (const w of first.warnings) logger.warn(formatProblem(w));
  let current: T = prepare(first.kb);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const reload = (): boolean => {
    const result = checkKnowledge(dir, today());
    if (!result.kb) {
      const lines = result.errors.map(formatProblem);
      logger.error({ errors: lines }, `knowledge edit rejected, still serving the last good version:\n${lines.join("\n")}`);
      return false;
    }
    current = prepare(result.kb);
    for (const w of result.warnings) logger.warn(formatProblem(w));
    logger.info({ entries: result.kb.entries.length }, "knowledge reloaded");
    return true;
  };

  try {
    watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 250);
    });
    watcher.on("error", (err) => logger.warn({ err }, "knowledge watcher failed; edits now need a restart"));
  } catch (err) {
    logger.warn({ err }, "cannot watch the knowledge directory; edits need a restart");
  }

  return {
    current: () => current,
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
