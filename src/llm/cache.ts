import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";

/**
 * Answers of the model for identical prompts, so that the same question in
 * the same context costs one call. Keys are SHA-256 hashes of the whole
 * request (model, job and every message), so nothing readable is kept as a
 * key; entries expire after `ttlMs` and the least recently used go first.
 */
export interface PromptCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

export function promptKey(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${p.length}:${p}`);
  return hash.digest("hex");
}

export function createPromptCache<T extends object>(options: { max?: number; ttlMs?: number } = {}): PromptCache<T> {
  const lru = new LRUCache<string, T>({ max: options.max ?? 1000, ttl: options.ttlMs ?? 60 * 60 * 1000 });
  return { get: (k) => lru.get(k), set: (k, v) => void lru.set(k, v) };
}
