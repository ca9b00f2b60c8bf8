import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * Docker is not available where the tests run, so the deployment kit is
 * checked without it: compose.yaml is parsed and its services, settings,
 * health checks and replicas are checked; the Dockerfile's stages are read,
 * and its runtime stage is rebuilt in a temporary directory exactly as its
 * COPY lines say, with only the production dependencies of package-lock.json
 * (what `npm ci --omit=dev` installs), then started and probed with the
 * HEALTHCHECK command itself.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** The Dockerfile's stages, with continuation lines joined and comments dropped. */
function dockerStages(text: string): Stage[] {
  const lines = text.replace(/\\\n\s*/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1] as string, name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const compose = parse(read("compose.yaml")) as { services: Record<string, any>; volumes?: Record<string, unknown> };
const stages = dockerStages(read("Dockerfile"));
const runtime = stages.at(-1) as Stage;
const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.toUpperCase().startsWith(`${name} `));
const jsonArgs = (line: string) => JSON.parse(line.replace(/^\S+\s+(--\S+\s+)*/, "").replace(/^CMD\s+/, "")) as string[];

describe("compose.yaml", () => {
  it("runs PostgreSQL 15 or newer with a health check and a volume", () => {
    const db = compose.services.db;
    expect(Number(/^postgres:(\d+)/.exec(db.image)?.[1])).toBeGreaterThanOrEqual(15);
    expect(db.healthcheck.test.join(" ")).toMatch(/pg_isready/);
    expect(db.volumes).toEqual(["pgdata:/var/lib/postgresql/data"]);
    expect(compose.volumes).toHaveProperty("pgdata");
    expect(db.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it("runs two rotabot serve replicas on that PostgreSQL, started once it is healthy, each health-checked on /healthz", () => {
    const app = compose.services.rotabot;
    expect(app.build).toBe(".");
    expect(app.deploy.replicas).toBe(2);
    expect(app.environment.DATABASE_URL).toMatch(/^postgres:\/\/rotabot:\$\{POSTGRES_PASSWORD\}@db:5432\/rotabot$/);
    expect(app.environment.PORT).toBe("3000");
    expect(app.depends_on).toEqual({ db: { condition: "service_healthy" } });
    expect(app.healthcheck.test.join(" ")).toContain("http://127.0.0.1:3000/healthz");
    // Replicas cannot share a host port: only the proxy publishes one.
    expect(app.ports).toBeUndefined();
    expect(app.env_file).toEqual([{ path: ".env", required: false }]);
  });

  it("puts the replicas behind one port: an nginx proxy to rotabot:3000", () => {
    const proxy = compose.services.proxy;
    expect(proxy.ports).toEqual(["${ROTABOT_PORT:-8080}:80"]);
    expect(proxy.depends_on).toEqual({ rotabot: { condition: "service_healthy" } });
    expect(proxy.healthcheck.test.join(" ")).toContain("/healthz");
    const [conf] = proxy.volumes[0].split(":");
    const nginx = read(conf);
    expect(nginx).toMatch(/upstream rotabot \{[^}]*server rotabot:3000 resolve/);
    expect(nginx).toMatch(/proxy_pass http:\/\/rotabot;/);
    expect(nginx).toMatch(/resolver 127\.0\.0\.11/);
    expect(Object.keys(compose.services).sort()).toEqual(["db", "proxy", "rotabot"]);
  });

  it("sets only settings rotabot knows (every one is in .env.example)", () => {
    const known = new Set([...read(".env.example").matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    for (const name of Object.keys(compose.services.rotabot.environment)) expect(known.has(name)).toBe(true);
  });
});

describe("the Dockerfile", () => {
  it("has a build stage and a runtime stage on the same Node major as package.json's engines", () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    const engines = JSON.parse(read("package.json")).engines.node as string;
    for (const s of stages) expect(Number(/^node:(\d+)/.exec(s.from)?.[1])).toBe(Number(/\d+/.exec(engines)?.[0]));
    expect(instruction(stages[0] as Stage, "RUN").join("\n")).toMatch(/npm run build/);
  });

  it("installs only the runtime dependencies, runs as a non-root user, and checks /healthz", () => {
    expect(instruction(runtime, "RUN").join("\n")).toMatch(/npm ci --omit=dev/);
    const users = instruction(runtime, "USER");
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(instruction(runtime, "HEALTHCHECK")[0]).toContain("/healthz");
    expect(jsonArgs(instruction(runtime, "CMD")[0] as string)).toEqual(["node", "src/bin.js", "serve"]);
    // The compiled dist/ comes from the build stage; no TypeScript source reaches the image.
    expect(instruction(runtime, "COPY")).toContain("COPY --from=build /app/dist ./dist");
    expect(instruction(runtime, "COPY").some((l) => /^COPY src\s/.test(l))).toBe(false);
  });

  describe("its runtime stage, rebuilt here from its COPY lines with the production dependencies only", () => {
    const app = mkdtempSync(join(tmpdir(), "rotabot-image-"));
    afterAll(() => rmSync(app, { recursive: true, force: true }));

    it("starts `rotabot serve` from dist/ without devDependencies (nor tsx), and passes its own HEALTHCHECK", async () => {
      // Stage 1: the build (`npm run build`: tsc, then the build stamp), into the image's dist/.
      const built = join(app, "build-dist");
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "src/tsconfig.build.json"), "--outDir", built], { stdio: "pipe" });
      writeFileSync(join(built, ".build-stamp"), "");
      // Stage 2: what its COPY lines put where (COPY <src>... <dest>; a dest ending in / is a directory).
      for (const line of instruction(runtime, "COPY")) {
        const args = line.split(/\s+/).slice(1);
        const fromBuild = args[0] === "--from=build";
        const paths = fromBuild ? args.slice(1) : args;
        const dest = paths.at(-1) as string;
        for (const src of paths.slice(0, -1)) {
          const from = fromBuild ? built : join(ROOT, src);
          const to = dest.endsWith("/") ? join(app, dest, basename(src)) : join(app, dest);
          mkdirSync(dirname(to), { recursive: true });
          cpSync(from, to, { recursive: true });
        }
      }
      expect(existsSync(join(app, "dist/cli.js"))).toBe(true);
      expect(existsSync(join(app, "src/storage/migrations/001_conversations.sql"))).toBe(true);
      // `npm ci --omit=dev`: every top-level package of the lock file not marked dev. tsx is left
      // out too: with no .ts source in the image, src/bin.js must run dist/ without it.
      const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
      for (const [path, meta] of Object.entries(lock.packages)) {
        if (!path.startsWith("node_modules/") || meta.dev || path.split("node_modules/").length > 2 || path === "node_modules/tsx") continue;
        if (!existsSync(join(ROOT, path))) continue; // an optional dependency for another platform
        mkdirSync(dirname(join(app, path)), { recursive: true });
        symlinkSync(join(ROOT, path), join(app, path), "dir");
      }
      for (const dev of ["vitest", "typescript", "playwright-core", "tsx"]) expect(existsSync(join(app, "node_modules", dev))).toBe(false);

      const version = spawnSync(process.execPath, ["src/bin.js", "--version"], { cwd: app, encoding: "utf8" });
      expect(version.stdout.trim()).toBe(JSON.parse(read("package.json")).version);

      const port = await freePort();
      const env = { PATH: process.env.PATH ?? "", NODE_ENV: "production", PORT: String(port), ROTABOT_DATA_DIR: join(app, "data"), LOG_LEVEL: "info" };
      const serve = spawn(process.execPath, ["src/bin.js", "serve"], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      serve.stdout.on("data", (d: Buffer) => (log += d.toString()));
      serve.stderr.on("data", (d: Buffer) => (log += d.toString()));
      try {
        const deadline = Date.now() + 60_000;
        while (!log.includes("rotabot serve is listening")) {
          if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start:\n${log}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const health = jsonArgs(instruction(runtime, "HEALTHCHECK")[0]?.replace(/^HEALTHCHECK\s+(--\S+\s+)*CMD\s+/, "CMD ") as string);
        expect(health[0]).toBe("node");
        const probe = spawnSync(process.execPath, health.slice(1), { env, encoding: "utf8" });
        expect(probe.status).toBe(0);
      } finally {
        serve.kill("SIGTERM");
        await new Promise((r) => serve.once("exit", r));
      }
    }, 120_000);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
