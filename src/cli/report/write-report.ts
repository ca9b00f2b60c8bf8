import { writeFileSync } from "node:fs";
import { listGaps } from "../kb/kb.js";
import { loadConfig } from "../../config.js";
import { FACTUAL_INTENTS } from "../../core/intents.js";
import { loadKnowledge, type KnowledgeBase } from "../../knowledge/loader.js";
import { openStorage, type StorageTarget } from "../../storage/open-storage.js";
import { reportData } from "../../storage/sql-report.js";
import { reportHtml, type DueEntry } from "./html.js";

/** Entries due within this many days are listed (as `kb stats` does). */
const REVIEW_HORIZON_DAYS = 60;

/**
 * Entries due for review: review_by within the horizon or passed; without a
 * review_by, last reviewed over a year ago. `review_by` is read defensively:
 * a knowledge base without the field lists only the year-old ones.
 */
export function dueEntries(kb: KnowledgeBase, today: Date): DueEntry[] {
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const horizon = iso(new Date(today.getTime() + REVIEW_HORIZON_DAYS * 86_400_000));
  const yearAgo = iso(new Date(today.getTime() - 365 * 86_400_000));
  const now = iso(today);
  const due: DueEntry[] = [];
  for (const e of kb.entries) {
    const reviewBy = typeof (e as { review_by?: unknown }).review_by === "string" ? (e as { review_by: string }).review_by : undefined;
    const reviewed = String((e as { reviewed?: unknown }).reviewed ?? "");
    if (reviewBy ? reviewBy <= horizon : reviewed !== "" && reviewed < yearAgo) {
      due.push({ id: e.id, title: e.title, file: e.file, reviewed, reviewBy, overdue: reviewBy ? reviewBy < now : true });
    }
  }
  return due.sort((a, b) => (a.reviewBy ?? a.reviewed).localeCompare(b.reviewBy ?? b.reviewed));
}

export interface ReportOptions {
  days: number;
  out: string;
  now?: Date;
  /** Defaults to the configured database and knowledge directory. */
  storage?: StorageTarget;
  knowledgeDir?: string;
}

/** `rotabot report`: reads the last `days` days and writes the HTML file; returns its size in bytes. */
export async function writeReport(o: ReportOptions): Promise<number> {
  const html = await buildReport(o);
  writeFileSync(o.out, html);
  return Buffer.byteLength(html);
}

export async function buildReport(o: Omit<ReportOptions, "out">): Promise<string> {
  const config = o.storage && o.knowledgeDir ? undefined : loadConfig();
  const now = o.now ?? new Date();
  const { kb } = loadKnowledge(o.knowledgeDir ?? (config?.knowledgeDir as string), now);
  const until = now;
  const since = new Date(Date.parse(`${new Date(now.getTime() - (o.days - 1) * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`));
  const storage = await openStorage(o.storage ?? (config?.database as StorageTarget));
  try {
    const data = await reportData(storage.driver, since, until, [...FACTUAL_INTENTS]);
    const gaps = await listGaps(storage.store, kb, { days: o.days, limit: 12, now });
    return await reportHtml({ data, gaps, due: dueEntries(kb, now), titles: new Map(kb.entries.map((e) => [e.id, e.title])), since, until, generatedAt: now });
  } finally {
    await storage.close();
  }
}
