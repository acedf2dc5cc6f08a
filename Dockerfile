# syntax=docker/dockerfile:1
#
# Gatehouse container image.
#
#   docker build -t gatehouse .
#   docker run -d --name gatehouse -p 8080:8080 -p 127.0.0.1:9464:9464 \
#     -v /srv/gatehouse/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml:ro \
#     -v gatehouse-data:/data \
#     -e GATEHOUSE_ENCRYPTION_KEY=... --stop-timeout 20 gatehouse
#
# The config must say `server.dataDir: /data` and listen on 0.0.0.0 (see
# deploy/docker/gatehouse.yaml). docs/deployment.md walks through it.

############################ build ############################
FROM node:20-bookworm-slim AS build
WORKDIR /src

# better-sqlite3 ships prebuilt binaries for linux x64/arm64; the toolchain is
# only the fallback for other platforms, and never reaches the runtime image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not reinstall them.
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, which
# are not copied yet; `npm rebuild` then runs the dependencies' install
# scripts (better-sqlite3's native binding).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild

COPY tsconfig.json ./
COPY src ./src
COPY demo ./demo
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

########################### runtime ###########################
FROM node:20-bookworm-slim AS runtime

ENV NODE_ENV=production \
    GATEHOUSE_CONFIG=/etc/gatehouse/gatehouse.yaml \
    GATEHOUSE_HEALTH_URL=http://127.0.0.1:8080/_gatehouse/healthz

# A dedicated unprivileged user; /data is the only place it can write.
RUN groupadd --system --gid 10001 gatehouse \
 && useradd --system --uid 10001 --gid gatehouse --home-dir /data --shell /usr/sbin/nologin gatehouse \
 && mkdir -p /data /etc/gatehouse \
 && chown gatehouse:gatehouse /data \
 && chmod 0700 /data

WORKDIR /app
# Application files stay root-owned and read-only to the service user.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY config.example.yaml ./config.example.yaml
COPY deploy/docker/gatehouse.yaml /etc/gatehouse/gatehouse.yaml.example
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
RUN chmod 0755 dist/src/cli.js \
 && ln -s /app/dist/src/cli.js /usr/local/bin/gatehouse

USER gatehouse:gatehouse
VOLUME ["/data"]
# 8080: the proxy (server.listen). 9464: Prometheus metrics (metrics.listen), if enabled.
EXPOSE 8080 9464

# Liveness only (healthz never touches the store or the intranet, so a slow
# dependency does not get a healthy process restarted). Set
# GATEHOUSE_HEALTH_URL when the port, prefix or scheme differ.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]

# No tini: Node runs as PID 1 and Gatehouse installs its own SIGTERM/SIGINT
# (graceful stop) and SIGHUP (reload) handlers, which is what PID 1 needs;
# cluster workers are Node's own children and are reaped by it. Give
# `docker stop` more time than server.shutdownTimeout (default 10s), e.g.
# --stop-timeout 20 or compose's stop_grace_period: 20s.
STOPSIGNAL SIGTERM
# `gatehouse` is dist/src/cli.js, whose first line starts node with Gatehouse's
# V8 settings (`env -S node --max-semi-space-size=4 --no-memory-reducer`,
# src/server/node-flags.ts).
ENTRYPOINT ["gatehouse"]
CMD ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]
