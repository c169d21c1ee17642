# syntax=docker/dockerfile:1
# The gateway's image: `docker compose up` (compose.yaml) or `docker build -t shop-gateway .`.
# Node 24 LTS, the newest Node CI tests on (.ci/run runs the suite on 20 and 24).
# The start-up runs TypeScript through tsx, a runtime dependency, so production
# dependencies are all it needs: nothing is compiled ahead. test/container.test.ts
# checks this file statically and runs its RUN and CMD commands as CI does.

# --- deps: production node_modules only, from the lockfile ---------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime: the sources, those node_modules, and a user that is not root ------
FROM node:24-bookworm-slim AS runtime
ENV HOST=0.0.0.0 PORT=4000
WORKDIR /app
# Owned by root and read-only to the app's user: the process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY migrations ./migrations
# `node` (uid 1000) comes with the official image.
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm, as the main process, so SIGTERM reaches the gateway's graceful shutdown.
CMD ["node", "--import", "tsx", "src/main.ts"]
