# One image for every service; the command names which one runs:
#   docker run ecommerce-supergraph:local product
# Services run TypeScript through tsx (a runtime dependency), exactly as
# locally, so there is no separate build whose output could drift.
FROM node:20-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --chown=node:node . .

# Never run as root; tsx keeps its transform cache under /tmp.
USER node

# `exec` in the npm script makes node npm's direct child, so the SIGTERM npm
# forwards reaches the service and it shuts down gracefully.
ENTRYPOINT ["npm", "run", "--silent", "start:service", "--"]
CMD ["gateway"]
