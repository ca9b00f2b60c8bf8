# syntax=docker/dockerfile:1
# rotabot: `rotabot serve` on Node 20, as a non-root user.
# Stage 1 compiles src/ to dist/ with the devDependencies (TypeScript);
# stage 2 installs the runtime dependencies only and runs the compiled dist/.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are in.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    ROTABOT_DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; --ignore-scripts skips `prepare`, which needs TypeScript.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# src/bin.js is the entry point and the SQL migrations ship in src/storage/migrations.
# No .ts file is copied, so bin.js always runs the compiled dist/ (tsx is never loaded).
COPY src/bin.js ./src/bin.js
COPY src/storage/migrations ./src/storage/migrations
COPY knowledge ./knowledge
COPY prompts ./prompts
COPY LICENSE README.md .env.example ./
# The embedded database's directory, when DATABASE_URL is not set (one replica only).
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/bin.js", "serve"]
