# syntax=docker/dockerfile:1
# Tokligence Gateway image (packaging notes §9): compile with the project's own build script
# on a pinned Bun, run the glibc binary on distroless (no shell, uid/gid 65532).
#   docker build -t tokligence/gateway --build-arg GW_COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker buildx build --platform linux/amd64,linux/arm64 ...   (cross-compiled, no QEMU needed)

ARG BUN_VERSION=1.4.5

# The builder runs on the build machine's own architecture and cross-compiles for TARGETARCH.
FROM --platform=$BUILDPLATFORM oven/bun:${BUN_VERSION}-debian AS build
ARG TARGETARCH
# .git is not in the build context; the commit comes in as a build arg (scripts/version.ts reads it).
ARG GW_COMMIT=unknown
ENV GW_COMMIT=${GW_COMMIT}
WORKDIR /src
COPY package.json package-lock.json ./
# Bun reads package-lock.json; scripts are skipped (the `bun` package's postinstall is not needed here).
RUN bun install --frozen-lockfile --production --ignore-scripts
COPY . .
# amd64 → baseline x64 (no AVX2 assumption, notes §1), arm64 → linux-arm64 (glibc).
RUN case "${TARGETARCH:-amd64}" in \
      amd64) target=linux-x64 ;; \
      arm64) target=linux-arm64 ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && bun scripts/build.ts --target "$target" --no-archive \
 && mkdir -p /out/data /out/config \
 && cp "dist/bin/$target/gateway" /out/gateway

FROM gcr.io/distroless/base-debian12:nonroot
ARG GW_COMMIT=unknown
LABEL org.opencontainers.image.title="Tokligence Gateway" \
      org.opencontainers.image.source="https://github.com/tokligence/tokligence-gateway" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.revision="${GW_COMMIT}"
COPY --from=build /out/gateway /usr/local/bin/gateway
# distroless has no shell for mkdir/chown: the directories are made in the build stage and
# copied with the non-root owner. Mount the data DIRECTORY (SQLite WAL writes -wal/-shm siblings).
COPY --from=build --chown=65532:65532 /out/data /var/lib/tokligence
COPY --from=build --chown=65532:65532 /out/config /etc/tokligence
# NODE_ENV is read by Elysia at run time. Bun reads BUN_CONFIG_MAX_HTTP_REQUESTS only at start
# (default 256 concurrent upstream fetches). The container listens on all interfaces, so auth
# stays on; logs go to stdout only (the runtime rotates them). Config overlays: mount
# /etc/tokligence/prod.toml, or point TOKLIGENCE_CONFIG at a file.
# `docker stop` (and compose) sends SIGTERM and SIGKILLs 10 s later; the built-in 30 s grace
# would be cut there, ending open streams without their final error event or ledger row. So
# the image drains for 8 s, leaving time to close what is still open; raise both together
# (docker run --stop-timeout, Kubernetes terminationGracePeriodSeconds) for longer drains.
ENV NODE_ENV=production \
    BUN_CONFIG_MAX_HTTP_REQUESTS=4096 \
    TOKLIGENCE_ENV=prod \
    TOKLIGENCE_CONFIG_DIR=/etc/tokligence \
    TOKLIGENCE_DATA_DIR=/var/lib/tokligence \
    TOKLIGENCE_HOST=0.0.0.0 \
    TOKLIGENCE_PORT=8081 \
    TOKLIGENCE_AUTH_DISABLED=false \
    TOKLIGENCE_LOG__FILE=false \
    TOKLIGENCE_SERVER__SHUTDOWN_GRACE_MS=8000
WORKDIR /var/lib/tokligence
VOLUME ["/var/lib/tokligence"]
USER 65532:65532
EXPOSE 8081
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/gateway","healthcheck"]
ENTRYPOINT ["/usr/local/bin/gateway"]
CMD ["serve"]
