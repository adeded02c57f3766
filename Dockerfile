# syntax=docker/dockerfile:1
# mcpgw: one static binary with the dashboard and migrations embedded.

# 1. The dashboard.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY openapi.yaml /src/openapi.yaml
COPY frontend/ ./
RUN npm run build

# 2. The binary, static (no cgo), with the built dashboard embedded.
FROM golang:1.26-bookworm AS backend
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY backend/ backend/
COPY migrations/ migrations/
COPY frontend/embed.go frontend/
COPY --from=frontend /src/frontend/dist frontend/dist
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/mcpgw ./backend/cmd/mcpgw

# 3. A minimal, non-root runtime: no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=backend /out/mcpgw /mcpgw
USER nonroot:nonroot
ENV LISTEN_ADDR=:7860
EXPOSE 7860
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/mcpgw", "healthcheck"]
ENTRYPOINT ["/mcpgw"]
CMD ["serve"]
