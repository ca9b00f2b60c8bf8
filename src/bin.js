#!/usr/bin/env node
// Entry point of `npx rotabot` and `npm start`: runs the TypeScript sources
// through tsx, so there is no build step between editing and running.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
