import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PACKAGE_ROOT } from "../../config.js";

export interface WidgetBundle {
  js: Buffer;
  gzip: Buffer;
  etag: string;
}

/** The widget's sources ship in src/ whether the server runs from src/ or from dist/. */
export const WIDGET_ENTRY = join(PACKAGE_ROOT, "src", "channels", "webchat", "widget", "widget.ts");

let cached: Promise<WidgetBundle> | undefined;

/**
 * widget.js: the widget's TypeScript bundled into one minified script by
 * esbuild, on first request, then kept in memory (with its gzip) for the life
 * of the process. Built on demand rather than at `npm run build`, so that it
 * works the same after `npm install && npm start`, from dist/, and in tests,
 * and can never be a stale file. A failed build is retried on the next request.
 */
export function widgetBundle(): Promise<WidgetBundle> {
  cached ??= build().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function build(): Promise<WidgetBundle> {
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    entryPoints: [WIDGET_ENTRY],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    write: false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  });
  const js = Buffer.from(out.outputFiles[0]?.contents ?? new Uint8Array());
  return { js, gzip: gzipSync(js, { level: 9 }), etag: `"${createHash("sha256").update(js).digest("base64url").slice(0, 27)}"` };
}
