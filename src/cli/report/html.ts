import type { Gap } from "../kb/gaps.js";
import type { ReportData } from "../../storage/sql-report.js";
import { barsSpec, claimSpec, fallbackSpec, funnelSpec, perDaySpec, renderSvg } from "./charts.js";

/** An entry whose review date is near or past (review_by), or that was last reviewed over a year ago. */
export interface DueEntry {
  id: string;
  title: string;
  file: string;
  reviewed: string;
  reviewBy?: string;
  overdue: boolean;
}

export interface ReportInput {
  data: ReportData;
  gaps: { total: number; gaps: Gap[] };
  due: DueEntry[];
  /** Entry id to title, for the most-asked chart. */
  titles: Map<string, string>;
  since: Date;
  until: Date;
  generatedAt: Date;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
const pct = (n: number, of: number) => (of > 0 ? `${Math.round((100 * n) / of)}%` : "-");
const day = (d: Date) => d.toISOString().slice(0, 10);

/** Every day of the window, with zeros where nothing happened, so a quiet day shows as a dip rather than a gap. */
function everyDay(data: ReportData, since: Date, until: Date): ReportData["days"] {
  const byDay = new Map(data.days.map((d) => [d.day, d]));
  const out: ReportData["days"] = [];
  for (let t = Date.parse(`${day(since)}T00:00:00Z`); t < until.getTime(); t += 86_400_000) {
    const d = day(new Date(t));
    out.push(byDay.get(d) ?? { day: d, conversations: 0, turns: 0, fellBack: 0 });
  }
  return out;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const minutes = (m: number | undefined) => (m === undefined ? "-" : m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);

const section = (title: string, note: string, body: string) => `<section><h2>${esc(title)}</h2><p class="note">${esc(note)}</p>${body}</section>`;
const empty = (what: string) => `<p class="empty">${esc(what)}</p>`;

/** The whole report: one HTML document, styles inline, charts as inline SVG, no script and no outside resource. */
export async function reportHtml(input: ReportInput): Promise<string> {
  const { data, gaps, due, since, until } = input;
  const days = everyDay(data, since, until);
  const turns = days.reduce((n, d) => n + d.turns, 0);
  const answeredTurns = data.intents.reduce((n, i) => n + i.turns, 0);
  const fellBack = days.reduce((n, d) => n + d.fellBack, 0);
  const conversations = days.reduce((n, d) => n + d.conversations, 0);
  const f = data.funnel;
  const stages = [
    { stage: "offered a counselor", leads: f.offered },
    { stage: "started the form", leads: f.started },
    { stage: "consented", leads: f.consented },
    { stage: "queued", leads: f.queued },
    { stage: "claimed", leads: f.claimed },
    { stage: "closed", leads: f.closed },
  ].map((s) => ({ ...s, share: pct(s.leads, f.offered) }));

  const charts = {
    perDay: await renderSvg(perDaySpec(days)),
    fallback: await renderSvg(fallbackSpec(days.map((d) => ({ day: d.day, rate: d.turns > 0 ? d.fellBack / d.turns : 0 })))),
    intents: data.intents.length ? await renderSvg(barsSpec(data.intents, "intent", "turns", "turns")) : empty("No answered turns in this window."),
    entries: data.entries.length
      ? await renderSvg(barsSpec(data.entries.map((e) => ({ entry: input.titles.get(e.entryId) ?? e.entryId, turns: e.turns })), "entry", "turns", "turns answered", "#0ea5e9"))
      : empty("No knowledge entry answered a question in this window."),
    gaps: gaps.gaps.length
      ? await renderSvg(barsSpec(gaps.gaps.map((g, i) => ({ group: `${i + 1}. ${g.example.length > 48 ? `${g.example.slice(0, 47)}…` : g.example}`, count: g.count })), "group", "count", "times asked", "#ef4444"))
      : empty("No unanswered questions in this window."),
    funnel: await renderSvg(funnelSpec(stages)),
    outcomes: data.outcomes.length ? await renderSvg(barsSpec(data.outcomes, "outcome", "leads", "closed leads", "#f59e0b")) : empty("No queued lead was closed in this window."),
    claim: data.claimMinutes.length ? await renderSvg(claimSpec(data.claimMinutes)) : empty("No lead was claimed in this window."),
  };
  const tiles = [
    ["conversations", String(conversations)],
    ["turns", String(turns)],
    ["fallback / clarify", pct(fellBack, answeredTurns)],
    ["leads queued", String(f.queued)],
    ["median time to claim", minutes(median(data.claimMinutes))],
    ["entries due for review", String(due.length)],
  ];
  const gapRows = gaps.gaps
    .map((g, i) => `<tr><td class="num">${i + 1}</td><td class="num">${g.count}</td><td>${esc(g.example)}${g.variants.length ? `<div class="also">also: ${g.variants.map(esc).join(" · ")}</div>` : ""}</td><td>${day(g.lastSeen)}</td></tr>`)
    .join("");
  const dueRows = due
    .map((e) => `<tr class="${e.overdue ? "overdue" : ""}"><td>${esc(e.reviewBy ?? "-")}</td><td>${esc(e.reviewed)}</td><td>${esc(e.title)}<div class="also">${esc(e.id)} · ${esc(e.file)}</div></td><td>${e.overdue ? "overdue" : "soon"}</td></tr>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rotabot report ${day(since)} to ${day(new Date(until.getTime() - 1))}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#f8fafc;margin:0}
main{max-width:760px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 2px}
.sub,.note{color:#6b7280;margin:0 0 12px}.note{font-size:12px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 18px;margin:16px 0;overflow-x:auto}
.tiles{display:grid;grid-template-columns:repeat(3,1fr);gap:10px;margin:16px 0}
.tile{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:20px}.tile span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-top:1px solid #eee;padding:5px 6px;text-align:left;vertical-align:top}
.num{text-align:right;width:3em}.also{color:#6b7280;font-size:12px}.overdue td:last-child{color:#b91c1c;font-weight:600}
.empty{color:#6b7280;font-style:italic}svg{max-width:100%;height:auto}
</style></head><body><main>
<h1>rotabot report</h1>
<p class="sub">${day(since)} to ${day(new Date(until.getTime() - 1))} (UTC) · generated ${esc(input.generatedAt.toISOString().slice(0, 16).replace("T", " "))} UTC</p>
<div class="tiles">${tiles.map(([k, v]) => `<div class="tile"><b>${esc(v as string)}</b><span>${esc(k as string)}</span></div>`).join("")}</div>
${section("Conversations and turns per day", "A turn is one message from a student and the bot's answer; a conversation counts once per day it was active.", charts.perDay)}
${section("Intents", "What the answered turns were about.", charts.intents)}
${section("Fallback and clarify rate", `Turns the bot could not answer (its fallback, or a clarifying question): ${fellBack} of ${answeredTurns} (${pct(fellBack, answeredTurns)}).`, charts.fallback)}
${section("Most-asked entries", "Knowledge entries by the number of questions they answered.", charts.entries)}
${section("Unanswered questions (kb gaps)", `${gaps.total} unanswered question(s), grouped by similarity; the same groups as \`rotabot kb gaps\`.`, `${charts.gaps}${gapRows ? `<table><tr><th class="num">#</th><th class="num">n</th><th>question</th><th>last asked</th></tr>${gapRows}</table>` : ""}`)}
${section("Lead funnel", `Leads started in this window; percentages of the conversations offered a counselor. ${f.stoppedInForm} form(s) stopped before the lead was queued.`, charts.funnel)}
${section("Closed leads by outcome", "How counselors closed the queued leads.", charts.outcomes)}
${section("Time to claim", `From the lead being queued to a counselor claiming it. Median ${minutes(median(data.claimMinutes))} over ${data.claimMinutes.length} claimed lead(s).`, charts.claim)}
${section("Entries due for review", "review_by within 60 days or passed, or last reviewed over a year ago without a review_by date.", dueRows ? `<table><tr><th>review by</th><th>reviewed</th><th>entry</th><th></th></tr>${dueRows}</table>` : empty("No entry is due for review."))}
</main></body></html>
`;
}
