# Bazaar image: one image for the Raft nodes (default command) and the mock exchanges
# (`node dist/src/exchange/exchange-main.js`). Multi-stage: compile with the dev toolchain,
# ship only production dependencies and the compiled JavaScript, run as the unprivileged
# `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
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
CMD ["node", "dist/src/node/node-main.js"]
