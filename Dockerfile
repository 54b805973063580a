# One image for every service; the command names which one runs:
#   docker run ecommerce-supergraph:local product
# Services run JavaScript compiled by esbuild into .cache/build (decision 16),
# once, when the image is built; `start:service` finds it up to date.
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

# Never run as root; the build is written by (and readable to) that user.
USER node
RUN npm run --silent build > /dev/null

# `exec` in the npm script makes node npm's direct child, so the SIGTERM npm
# forwards reaches the service and it shuts down gracefully.
ENTRYPOINT ["npm", "run", "--silent", "start:service", "--"]
CMD ["gateway"]
