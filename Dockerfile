# The service's container image: `ram-delius serve` (HTTP API + queue consumer) on Node 24.
# BASE_IMAGE is the HMPPS Node 24 base in every pipeline; another Node 24 base (Alpine or Debian) can be passed with
# --build-arg BASE_IMAGE=… (the image test builds on a local Debian one: no image registry is reachable there).
ARG BASE_IMAGE=ghcr.io/ministryofjustice/hmpps-node:24-alpine

# Stage: build. The build's npm scripts run on this base image's Node.
FROM ${BASE_IMAGE} AS build
ARG BUILD_NUMBER
ARG GIT_REF
ARG GIT_BRANCH
# The three build details are required: they are what /info and /health report of a running pod.
RUN test -n "$BUILD_NUMBER" || (echo "BUILD_NUMBER not set" && false)
RUN test -n "$GIT_REF" || (echo "GIT_REF not set" && false)
RUN test -n "$GIT_BRANCH" || (echo "GIT_BRANCH not set" && false)
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/http-koa/package.json packages/http-koa/
COPY packages/sqs-host/package.json packages/sqs-host/
COPY packages/cli/package.json packages/cli/
COPY examples/package.json examples/
# --ignore-scripts: the `node` devDependency's install step downloads a glibc Node binary (useless on Alpine, and
# this base already has Node 24). Without it the package holds no binary, only a dangling `node` link on the npm
# scripts' PATH: it is removed, so the base's Node runs the build. esbuild and turbo find their platform binaries
# without their install scripts.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/.bin/node
COPY . .
# Only the CLI is built: its binary bundles the workspace packages from their sources (packages/cli/tsup.config.ts).
# Source maps and declarations are not used at run time.
RUN npm run build -w @ram-delius/cli \
 && find packages/cli/dist \( -name '*.map' -o -name '*.d.ts' \) -type f -delete
# The production dependencies, then only what the built binary loads (scripts/runtime-deps.mjs): Effect, @effect/*
# and the workspace packages are bundled into dist/, and some of their own dependencies are never loaded by it.
# oracledb's prebuilt thick-mode addons go too (the service uses its thin mode, pure JavaScript), and so do TypeScript
# sources, declarations, source maps and docs some packages ship.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/runtime-deps.mjs packages/cli/dist/bin.js node_modules --prune \
 && rm -rf node_modules/oracledb/build \
 && find node_modules \( -name '*.ts' -o -name '*.[cm]ts' -o -name '*.map' -o -name '*.md' \) -type f -delete

# Stage: runtime — the built CLI and its production dependencies, nothing else.
FROM ${BASE_IMAGE}
ARG BUILD_NUMBER
ARG GIT_REF
ARG GIT_BRANCH
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/cli/package.json ./packages/cli/package.json
COPY --from=build /app/packages/cli/bin ./packages/cli/bin
COPY --from=build /app/packages/cli/dist ./packages/cli/dist
ENV NODE_ENV=production \
    BUILD_NUMBER=${BUILD_NUMBER} \
    GIT_REF=${GIT_REF} \
    GIT_BRANCH=${GIT_BRANCH}
EXPOSE 8080
# Non-root (Cloud Platform's pod security); the files stay root-owned, so the process cannot rewrite its own code.
USER 2000
# Node is PID 1 (exec form, no shell): SIGTERM reaches the drain in `serve` directly, and `docker stop` / a rollout
# lets in-flight requests and messages finish before it exits 0.
ENTRYPOINT ["node", "/app/packages/cli/bin/ram-delius.mjs"]
CMD ["serve", "--http", "--queue"]
