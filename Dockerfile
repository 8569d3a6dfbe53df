# Bazaar image: one image for the Raft nodes (default command) and the mock exchanges
# (`node dist/src/exchange/exchange-main.js`). Multi-stage: compile with the dev toolchain,
# ship only production dependencies and the compiled JavaScript, run as the unprivileged
# `node` user.
#
# Node 20 (engines "^20.19.0", the version CI runs): the current LTS does not install on a fresh
# machine from the registries the project reaches (Debian bookworm ships Node 18), so every
# place pins Node 20.19+ and the dependencies that would want Node 22 are pinned below it
# (package.json `overrides`, exact AWS SDK). cluster/repo/node-version.test.ts keeps them agreeing.
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json symbols.csv ./
# Code finds proto files relative to itself (../../proto from dist/raft/transport/).
COPY --chown=node:node proto ./proto
COPY --chown=node:node proto ./dist/proto
# The web view's static files (src/web/web-assets.ts reads them next to its compiled module).
COPY --chown=node:node src/web/public ./dist/src/web/public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 9080
CMD ["node", "--single-threaded-gc", "dist/src/node/node-main.js"]
