import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const FIXTURE_KNOWLEDGE = new URL("../fixtures/knowledge-min", import.meta.url).pathname;

/** A throwaway copy of a knowledge directory that a test may edit. */
export function copyKnowledge(from = FIXTURE_KNOWLEDGE) {
  const dir = mkdtempSync(join(tmpdir(), "rotabot-kb-"));
  cpSync(from, dir, { recursive: true });
  return {
    dir,
    read: (file: string) => readFileSync(join(dir, file), "utf8"),
    write: (file: string, text: string) => writeFileSync(join(dir, file), text),
    edit(file: string, change: (s: string) => string) {
      this.write(file, change(this.read(file)));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
