# One image for every PhoneBatch component; the Helm chart picks the entry point:
#   api       node --import tsx api/main.ts
#   worker    node --import tsx workflows/worker.ts
#   operator  node --import tsx operator/main.ts
#   migrate   node bin/phonebatch.mjs migrate
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
# Runs as a non-root user with a read-only root filesystem (tsx caches in /tmp, an emptyDir).
FROM node:20-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

WORKDIR /app

# Dependencies first, for layer caching. --omit=dev: typescript and @types are not needed
# at runtime (tsx strips types without checking them).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit \
 && npm cache clean --force

COPY bin ./bin
COPY lib ./lib
COPY batches ./batches
COPY core ./core
COPY data ./data
COPY db ./db
COPY workflows ./workflows
COPY api ./api
COPY cli ./cli
COPY operator ./operator
COPY crds ./crds
COPY tsconfig.json ./

# A fixed numeric UID, so `runAsNonRoot` can verify it without a passwd lookup.
RUN groupadd --system --gid 10001 phonebatch \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin phonebatch
USER 10001:10001

# Overridden per component by the chart.
CMD ["node", "--import", "tsx", "api/main.ts"]
