# The Lease server image: `docker build -t lease .` (docs/deployment.md).
# Stages: `build` compiles and bundles dist/ with the dev dependencies; `deps` installs the
# production dependencies alone (`npm ci --omit=dev`), compiling better-sqlite3 against the
# image's own Node headers; the runtime stage holds Node, those dependencies, dist/ and bin/ and
# nothing else, owned by root and run as the unprivileged user `lease` (uid 10001).
# The base images are arguments so that a mirror (or, in the image test, a local base) can
# stand in: --build-arg BUILD_IMAGE=... --build-arg RUNTIME_IMAGE=...
ARG BUILD_IMAGE=node:22-bookworm
ARG RUNTIME_IMAGE=node:22-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts are skipped: `prepare` would build before the sources are here, and the build
# needs no native module (esbuild's binary comes as a package).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-cli.mjs scripts/bundle-workflows.mjs ./scripts/
COPY src ./src
RUN npm run build

FROM ${BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 is compiled here (python3, make and g++ are in the build image) from the
# headers that ship with Node, rather than fetching a prebuilt binary or headers at build time.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && rm -rf node_modules/better-sqlite3/build/Release/obj* node_modules/better-sqlite3/deps \
 && npm cache clean --force

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="Lease" \
      org.opencontainers.image.description="Just-in-time privileged access manager: server, worker and CLI" \
      org.opencontainers.image.licenses="Apache-2.0"
# /etc/lease: the configuration (mounted read-only). /var/lib/lease: the data directory (keys;
# the SQLite store when no PostgreSQL is configured), a volume owned by `lease`, mode 0700.
RUN groupadd --system --gid 10001 lease \
 && useradd --system --uid 10001 --gid lease --home-dir /var/lib/lease --no-create-home --shell /usr/sbin/nologin lease \
 && mkdir -p /etc/lease /var/lib/lease \
 && chown lease:lease /var/lib/lease \
 && chmod 0700 /var/lib/lease
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
ENV NODE_ENV=production \
    LEASE_CONFIG=/etc/lease \
    LEASE_DATA=/var/lib/lease \
    LEASE_HOST=0.0.0.0 \
    LEASE_PORT=8080
USER 10001:10001
VOLUME ["/var/lib/lease"]
EXPOSE 8080
# Node itself asks the server, so the image needs no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/bin/lease.js"]
CMD ["server"]
