import { readFileSync } from "node:fs";
import wordListPath from "word-list";

/**
 * The English dictionary of the `word-list` package (274k words), kept as one
 * sorted string plus an offset table instead of 274k small strings: the
 * garbage collector then has two objects to scan, not a quarter million.
 */
export interface Dictionary {
  has(word: string): boolean;
}

export function loadDictionary(path: string = wordListPath): Dictionary {
  const words = readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = words.join("\n");
  const starts = new Uint32Array(words.length + 1);
  let offset = 0;
  words.forEach((w, i) => {
    starts[i] = offset;
    offset += w.length + 1;
  });
  starts[words.length] = offset;
  const at = (i: number) => text.slice(starts[i] as number, (starts[i + 1] as number) - 1);
  return {
    has(word) {
      let lo = 0;
      let hi = words.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const w = at(mid);
        if (w === word) return true;
        if (w < word) lo = mid + 1;
        else hi = mid - 1;
      }
      return false;
    },
  };
}
