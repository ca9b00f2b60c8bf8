import { fileURLToPath } from "node:url";

const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));

/**
 * The arguments that start `npm run bench -- <args>` in a child process (a
 * measured worker, the fake platform APIs, a load generator): node with tsx's
 * loader on bench/run.ts. The bench is tooling and is not part of the
 * product CLI or its build.
 */
export function benchCommand(...args: string[]): string[] {
  return ["--import", import.meta.resolve("tsx"), RUN, ...args];
}
