#!/usr/bin/env node
// Entry point of `npx rotabot` and `npm start`.
// `npm install` compiles src/ to dist/ (the `prepare` script), which starts
// faster. If any source file is newer than that build (someone is editing),
// the sources run directly through tsx, so an edit never runs stale code.
import { existsSync, readdirSync, statSync } from "node:fs";

const srcDir = new URL("./", import.meta.url);
const stamp = new URL("../dist/.build-stamp", import.meta.url);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(srcDir)) {
  await import("../dist/cli.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./cli.ts");
}
