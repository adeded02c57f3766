# MCP Gateway Registry: developer entry points. `make help` lists them.
# The two that matter: `make run` and `make test`. Both work on a fresh
# Debian machine with Go and Node: they reuse the PostgreSQL and Redis named
# by DATABASE_URL / REDIS_URL when reachable and otherwise start local ones
# under .data/ (see scripts/devenv.sh).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO      ?= go
NPM     ?= npm
BIN     := bin/mcpgw
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DEVENV  := scripts/devenv.sh
# npm ci rewrites this file, so it marks an up-to-date node_modules.
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
# The TypeScript MCP peers (server-everything, the SDK client) Go tests run.
MCPNODE       := backend/internal/testutil/mcpnode
MCPNODE_DEPS  := $(MCPNODE)/node_modules/.package-lock.json

.PHONY: help run build frontend test lint openapi env-example config-docs bench services-stop clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(FRONTEND_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund

$(MCPNODE_DEPS): $(MCPNODE)/package.json $(MCPNODE)/package-lock.json
	cd $(MCPNODE) && $(NPM) ci --no-audit --no-fund

frontend: $(FRONTEND_DEPS) ## Build the dashboard into frontend/dist
	cd frontend && $(NPM) run build

build: frontend ## Build bin/mcpgw with the dashboard embedded
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./backend/cmd/mcpgw

run: build ## Serve on http://localhost:7860 (settings: environment or .env)
	@set -a; if [ -f .env ]; then . ./.env; fi; set +a; \
	eval "$$($(DEVENV) env)"; \
	mkdir -p .data; \
	if [ -z "$${SECRET_KEY:-}$${SECRET_KEY_FILE:-}" ]; then \
	  [ -s .data/secret-key ] || head -c 48 /dev/urandom | base64 -w0 > .data/secret-key; \
	  export SECRET_KEY_FILE="$$PWD/.data/secret-key"; \
	fi; \
	password="$${ADMIN_PASSWORD:-}"; \
	if [ -z "$$password$${ADMIN_PASSWORD_FILE:-}" ]; then \
	  [ -s .data/admin-password ] || head -c 18 /dev/urandom | base64 | tr '+/' '-_' > .data/admin-password; \
	  export ADMIN_PASSWORD_FILE="$$PWD/.data/admin-password"; password="$$(cat .data/admin-password)"; \
	fi; \
	url="$${PUBLIC_URL:-http://localhost:7860}"; \
	echo; \
	echo "  MCP Gateway Registry: $$url"; \
	echo "  Sign in as $${ADMIN_USER:-admin} with password: $${password:-(from ADMIN_PASSWORD_FILE)}"; \
	echo "  (the first administrator gets this password when the database has no users yet)"; \
	echo "  Database: $${DATABASE_URL%%\?*}   Redis: $$REDIS_URL   Stop with Ctrl-C."; \
	echo; \
	exec ./$(BIN) serve

test: $(FRONTEND_DEPS) $(MCPNODE_DEPS) ## Lint, then every test: Go (race detector, real Postgres and Redis), frontend, browser
	@start=$$(date +%s); \
	eval "$$($(DEVENV) env)"; \
	export CHROMIUM_PATH="$$($(DEVENV) chromium)" MCPGW_E2E=1; \
	step() { echo "==> $$*"; "$$@"; }; \
	step scripts/openapi.sh --check; \
	step $(MAKE) --no-print-directory lint; \
	step bash -c 'cd frontend && $(NPM) run check:api && $(NPM) test && $(NPM) run build'; \
	step $(GO) test -race -count=1 -timeout 15m ./...; \
	step bash -c 'cd deploy/helm/test && $(GO) test -count=1 -timeout 10m ./...'; \
	echo "make test: all passed in $$(( $$(date +%s) - start ))s"

lint: $(FRONTEND_DEPS) ## gofmt, go vet, staticcheck, eslint, tsc
	@unformatted=$$(gofmt -l backend migrations frontend/embed.go deploy/helm/test); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd deploy/helm/test && $(GO) vet ./...
	$(GO) tool staticcheck ./...
	cd frontend && $(NPM) run lint && $(NPM) run typecheck

openapi: $(FRONTEND_DEPS) ## Regenerate openapi.yaml and the dashboard's API types from the handlers
	scripts/openapi.sh
	cd frontend && $(NPM) run gen:api

env-example: ## Regenerate .env.example and docs/configuration.md from the configuration table
	$(GO) run ./backend/cmd/mcpgw config example > .env.example
	$(GO) run ./backend/cmd/mcpgw config reference > docs/configuration.md

config-docs: env-example ## The same as env-example

bench: ## Hot-path benchmarks as a table (BASE=<git ref> compares), then the proxy benchmark into bench/results/
	@eval "$$($(DEVENV) env)"; scripts/bench.sh

services-stop: ## Stop the project-local PostgreSQL and Redis, if started
	$(DEVENV) stop

clean: ## Remove build output (keeps .data, the local databases)
	rm -rf bin frontend/test-results
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
