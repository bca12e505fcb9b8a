# A production image of the service: built and pruned in one stage, run as a non-root user from
# the next, with only what the running service needs (see docs/deployment.md).
#
#   docker build -t catapult-voice .
#   docker run -p 4000:4000 -v voice-data:/app/data --env-file production.env catapult-voice

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json schema.graphql ./
COPY scripts ./scripts
COPY src ./src
COPY simulator ./simulator
COPY test ./test
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The console, served at /console/ only with CALL_CONSOLE=true.
COPY --from=build /app/dist/console ./dist/console
# SQLite's file lives here (DATABASE_URL unset): mount a volume on it to keep calls across restarts.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
# /readyz answers 200 only while the database (and Redis, when configured) answer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
