import { parse, View } from "vega";
import { compile, type Config, type TopLevelSpec } from "vega-lite";

/**
 * The report's charts: Vega-Lite specs compiled by vega-lite and rendered to
 * SVG by vega in this process (renderer "none": no canvas, no browser), so the
 * HTML file carries finished drawings and needs no script or network to open.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 620;
const config: Config = {
  font: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 11, grid: true, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "top" },
  view: { stroke: null },
  range: { category: ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#6b7280"] },
};

type Row = Record<string, string | number>;
/** Counts have whole ticks. */
const COUNT_AXIS = { tickMinStep: 1, format: "d" };

/** Conversations and turns per day, one line each. */
export const perDaySpec = (rows: Row[]): TopLevelSpec => ({
  width: WIDTH,
  height: 220,
  config,
  data: { values: rows },
  transform: [{ fold: ["conversations", "turns"], as: ["what", "count"] }],
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "day", type: "temporal", title: null, axis: { format: "%b %d" } },
    y: { field: "count", type: "quantitative", title: "per day" },
    color: { field: "what", type: "nominal", title: null },
  },
});

/** The share of turns that fell back (the fallback answer or a clarifying question), per day. */
export const fallbackSpec = (rows: Row[]): TopLevelSpec => ({
  width: WIDTH,
  height: 180,
  config,
  data: { values: rows },
  mark: { type: "area", line: true, opacity: 0.25 },
  encoding: {
    x: { field: "day", type: "temporal", title: null, axis: { format: "%b %d" } },
    y: { field: "rate", type: "quantitative", title: "turns not answered", axis: { format: "%" }, scale: { domain: [0, 1] } },
    tooltip: [{ field: "rate", format: ".0%" }],
  },
});

/** A horizontal bar per label, longest first. */
export const barsSpec = (rows: Row[], label: string, value: string, title: string, color = "#2563eb"): TopLevelSpec => ({
  width: WIDTH - 280,
  config,
  data: { values: rows },
  mark: { type: "bar", color, cornerRadiusEnd: 2 },
  encoding: {
    y: { field: label, type: "nominal", sort: "-x", title: null, axis: { labelLimit: 270 } },
    x: { field: value, type: "quantitative", title, axis: COUNT_AXIS },
  },
});

/** The lead funnel: each stage's count, in order, with its share of the first stage. */
export const funnelSpec = (rows: { stage: string; leads: number; share: string }[]): TopLevelSpec => ({
  width: WIDTH - 200,
  config,
  data: { values: rows },
  encoding: {
    y: { field: "stage", type: "nominal", sort: null, title: null },
    x: { field: "leads", type: "quantitative", title: "conversations / leads", axis: COUNT_AXIS },
  },
  layer: [
    { mark: { type: "bar", color: "#10b981", cornerRadiusEnd: 2 } },
    { mark: { type: "text", align: "left", dx: 4, fontSize: 11 }, encoding: { text: { field: "share" } } },
  ],
});

/** Minutes from queued to claimed, binned. */
export const claimSpec = (minutes: number[]): TopLevelSpec => ({
  width: WIDTH,
  height: 180,
  config,
  data: { values: minutes.map((m) => ({ minutes: m })) },
  mark: { type: "bar", color: "#8b5cf6" },
  encoding: {
    x: { field: "minutes", type: "quantitative", bin: { maxbins: 20 }, title: "minutes from queued to claimed" },
    y: { aggregate: "count", type: "quantitative", title: "leads", axis: COUNT_AXIS },
  },
});
