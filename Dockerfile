# syntax=docker/dockerfile:1
#
# Outpost container image. Build from the repository root:
#   docker build -t outpost:local --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" .
# Run (config mounted read-only, secrets through the environment, read-only root filesystem):
#   docker run --read-only --tmpfs /tmp -v outpost-data:/var/lib/outpost \
#     -v "$PWD/config/outpost.yaml:/etc/outpost/outpost.yaml:ro" -e FB_PASSWORD -p 9464:9464 outpost:local
#
# Base: a Node.js LTS line (24), pinned by exact version. The digest is not pinned here because it
# could not be read from a registry where this file was written; to pin it, take the digest of
# this tag (`docker buildx imagetools inspect node:24.21.0-bookworm-slim`) and write
# `FROM node:24.21.0-bookworm-slim@sha256:<digest>`. Bump both together (Renovate/Dependabot).
# .nvmrc names the same major (24) for development; package.json's engines must include it.
FROM node:24.21.0-bookworm-slim AS base
WORKDIR /app

# ---- build: dev dependencies, TypeScript → dist/ -------------------------------------------------
FROM base AS build
COPY package.json package-lock.json ./
# No dependency needs an install script; the npm cache lives in a BuildKit cache mount, not a layer.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# scripts/bundle.mjs: after tsc, dist/cli.js and its dependencies into dist/bundle/ (what runs).
COPY scripts ./scripts
RUN npm run build

# ---- runtime: production dependencies and dist/ only ---------------------------------------------
FROM base AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Outpost" \
      org.opencontainers.image.description="Synthetic outage monitor for social platforms: logs in, keeps sessions, loads feeds, names what breaks, exports Prometheus metrics." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/example/outpost" \
      org.opencontainers.image.documentation="https://github.com/example/outpost#deploy" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"

# OUTPOST_CONFIG makes `docker run IMAGE check` / `validate` use the mounted config too.
ENV NODE_ENV=production \
    OUTPOST_STATE_DIR=/var/lib/outpost \
    OUTPOST_CONFIG=/etc/outpost/outpost.yaml
# V8's heap grows up to 4x the live data when its limit is large (the default, from the machine's
# memory): at 10,000 checks ~60 MB live made a 170 MB heap and ~250 MB RSS. A 384 MB limit keeps
# the growth factor near 1.35x: ~199 MB RSS, for ~10% more CPU per run at high run rates and none
# measurable at 333 runs/s (docs/performance.md#where-the-memory-goes). 384 MB of heap fits the
# 512Mi pod limit and ~40,000 checks (measured: a 265 MB heap, 402 MB RSS); set NODE_OPTIONS higher
# for more checks in one process, or to "" to trade the memory back for CPU.
ENV NODE_OPTIONS="--max-old-space-size=384"

COPY package.json package-lock.json ./
# The state directory belongs to the runtime user (uid/gid 1000, the base image's `node` user);
# everything else stays root-owned and so read-only to the process.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /var/lib/outpost /etc/outpost \
 && chown 1000:1000 /var/lib/outpost \
 && chmod 0750 /var/lib/outpost
COPY --from=build /app/dist ./dist
# Built-in simulator scenarios (`simulate --scenario march-5`), looked up next to dist/.
COPY config/scenarios ./config/scenarios
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
COPY LICENSE ./LICENSE

# Numeric, so that Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 1000:1000
# Written only here and in /tmp: the image runs with a read-only root filesystem.
VOLUME ["/var/lib/outpost"]
EXPOSE 9464

# Node itself, no curl in slim images. If `listen` is not 0.0.0.0:9464 (or 127.0.0.1:9464), set
# OUTPOST_HEALTHCHECK_URL. The simulator (`simulate`) serves no /healthz: disable it there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]

# Node runs as PID 1 in exec form and receives SIGTERM directly: Outpost installs its own
# SIGTERM/SIGINT/SIGHUP handlers (stop scheduling, flush state, exit 0; SIGHUP reloads). It spawns
# no child processes, so there are no zombies to reap and no need for tini; for commands without
# their own handlers use `docker run --init` (compose: `init: true`).
STOPSIGNAL SIGTERM
# The bundle (dist/bundle/outpost.cjs, scripts/bundle.mjs): start → first run in about half the
# time of the unbundled dist/cli.js, which stays in the image (`--entrypoint node … dist/cli.js`).
ENTRYPOINT ["node", "dist/bundle/outpost.cjs"]
CMD ["run", "--config", "/etc/outpost/outpost.yaml"]
