# Hark for production: one image, run as a web or a worker process (see docker-compose.yml).
# Node.js 20 on Debian; the portal is built in the first stage, only runtime packages ship.
FROM node:20-bookworm-slim AS build
WORKDIR /hark
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node scripts/build-portal.mjs --force && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HARK_DATA_DIR=/var/lib/hark
WORKDIR /hark
COPY --from=build /hark/node_modules ./node_modules
COPY --from=build /hark/package.json ./package.json
COPY --from=build /hark/bin ./bin
COPY --from=build /hark/src ./src
COPY --from=build /hark/web/dist ./web/dist
RUN mkdir -p /var/lib/hark && chown node:node /var/lib/hark
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/hark.js"]
CMD ["serve", "--role", "all"]
