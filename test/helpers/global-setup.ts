import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrate } from "../../src/storage/migrate.js";
import { createPgliteDriver } from "../../src/storage/pglite-driver.js";
import { LOG_DIR_VAR, scanLogs } from "./logs.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteSnapshot: string;
  }
}

/**
 * Runs PGlite's initdb and our migrations once for the whole run and shares a
 * snapshot: restoring it takes a fraction of a second where a fresh instance
 * takes several.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "rotabot-test-"));
  const driver = await createPgliteDriver();
  await migrate(driver);
  const file = join(dir, "migrated.tar.gz");
  writeFileSync(file, Buffer.from(await (await driver.dump()).arrayBuffer()));
  await driver.close();
  project.provide("pgliteSnapshot", file);
  // Every test logger and child process logs here at debug level; the teardown scans it.
  const logDir = join(dir, "logs");
  mkdirSync(logDir);
  process.env[LOG_DIR_VAR] = logDir;
  return () => {
    try {
      const lines = scanLogs(logDir);
      console.log(`log scan: ${lines} log lines of the whole suite (debug level), no personal data or secrets`);
    } catch (err) {
      // vitest reports an error thrown here but still exits 0: fail the run explicitly.
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
