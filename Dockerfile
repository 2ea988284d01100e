# sre-agent as a container: `run-event` for jobs, `serve slack` for the slash-command endpoint.
#   docker build -t sre-agent:0.1.0 .
#   docker run --rm -e SRE_TRIGGER_JSON='{"service":"cart-service"}' -e KUBECONFIG=/kube/config \
#     -v ~/.kube:/kube:ro sre-agent:0.1.0 run-event

# Node 24, the current LTS, is the target runtime (as in the Lambda template); the CLI also runs on 20+.
# Build stage: compile TypeScript with the dev dependencies, then keep only the runtime ones.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the runtime needs builds native code.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY prompts ./prompts
COPY scenarios ./scenarios
# The full build: tsc's output plus the esbuild bundles the bundled MCP servers start from.
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime stage: the compiled CLI, its production dependencies, prompts and the public scenarios.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY prompts ./prompts
COPY scenarios ./scenarios
RUN chmod 0755 bin/sre-agent.js && ln -s /app/bin/sre-agent.js /usr/local/bin/sre-agent
# Non-root, with no home to write to: the root filesystem can be mounted read-only (give it /tmp).
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["sre-agent"]
CMD ["--help"]
