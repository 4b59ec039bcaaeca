# prov — two commands for a new user: `make demo` and `make test`.
# Everything else is installed by these targets from the Go module proxy and npm.

SHELL      := /bin/bash
GO         ?= go
# The toolchain is the go command's choice, as for a plain `go build`: go.mod
# recommends go1.26.10 (`toolchain` line: standard-library security fixes
# reachable from prov, see README "Why these dependencies"); with Go's
# default GOTOOLCHAIN=auto an older local Go fetches it from the module proxy
# once, with GOTOOLCHAIN=local the local Go (>= 1.26.0) builds and `make
# build` says the binary lacks those fixes. The Makefile never overrides it,
# so `make` and plain `go test ./...` share one toolchain and one build cache.
# Symbol table and DWARF are left out of bin/prov (-s -w: about 20 MB less;
# panics and profiles still show function names and lines).
GOBUILDFLAGS ?= -ldflags=-s\ -w
TOOLS      := $(CURDIR)/.tools
BIN        := $(CURDIR)/bin
VERSITYGW  := $(TOOLS)/bin/versitygw
DUCKDB_DIR := $(CURDIR)/tools/duckdb
DEMO_CFG   := fixtures/demo/prov.yaml
GOTEST_ENV := VERSITYGW=$(VERSITYGW) PROV_REQUIRE_S3=1 PROV_DUCKDB=$(DUCKDB_DIR)
# Tests that need the whole binary or both stores run in one package each;
# -p 2 matches the 2-core machines this project runs on.
GOTESTFLAGS ?= -p 2 -timeout 25m

.PHONY: help build test test-cosign test-ui screenshots test-integration fuzz bench bench-ledger bench-serve lint demo demo-s3 tools clean

help: ## show this help
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/prov (prints the toolchain and what it downloads and builds)
	@./scripts/build.sh $(BIN)/prov $(GOBUILDFLAGS)

tools: $(VERSITYGW) $(DUCKDB_DIR)/node_modules ## install test tools (versitygw S3 server, DuckDB reader)

$(VERSITYGW):
	./scripts/versitygw.sh install

$(DUCKDB_DIR)/node_modules: $(DUCKDB_DIR)/package.json
	cd $(DUCKDB_DIR) && npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	@touch $@

test: tools ## run all tests, incl. S3 (versitygw) and DuckDB read-back
	$(GOTEST_ENV) $(GO) test $(GOTESTFLAGS) ./...

COSIGN := $(TOOLS)/bin/cosign

$(COSIGN):
	@echo "building cosign v2.6.5 into $(TOOLS)/bin (about 9 minutes on 2 cores, once)"
	GOBIN=$(TOOLS)/bin $(GO) install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5

test-cosign: $(COSIGN) ## stock cosign verifies a genuine certificate and rejects tampered ones
	PROV_REQUIRE_COSIGN=1 $(GOTEST_ENV) $(GO) test -count=1 -run 'Cosign' ./cmd/prov/

test-ui: ## end-to-end browser test of prov serve (headless Chromium + playwright-core); screenshots to out/screenshots
	bash ui-tests/run.sh

screenshots: ## make test-ui, then copy its screenshots over the tracked docs/screenshots
	UPDATE_SCREENSHOTS=1 bash ui-tests/run.sh

test-integration: tools build ## end-to-end tests only (CLI, S3, DuckDB)
	$(GOTEST_ENV) $(GO) test $(GOTESTFLAGS) -run 'E2E|Integration|Conformance' ./...

fuzz: ## run every fuzz target briefly (FUZZTIME=10s)
	./scripts/fuzz.sh $${FUZZTIME:-10s}

bench: tools build ## end to end on two corpora (2 GB of ~1.2 KB records, 512 MB of ~2.5 KB mixed zh/en documents) against raw read+SHA-256, and package benchmarks
	./scripts/bench.sh

bench-ledger: ## ledger ingest of 10 million record digests and lookup latencies (about 1 minute)
	$(GO) test ./lineage/ -run '^$$' -bench Ledger10M -benchtime 1x -timeout 30m -v

bench-serve: ## p50/p99 of the lineage graph endpoint (depth 3) on a 10M-record ledger, from a second process
	$(GO) test ./lineage/serve/ -run '^$$' -bench 'GraphLoad|GraphHandler' -benchtime 1x -timeout 30m

# The Go vulnerability database, built offline from the golang.org/x/vulndb
# module (the module proxy is reachable where vuln.go.dev may not be).
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB := $(TOOLS)/vulndb-$(VULNDB_VERSION)

$(VULNDB):
	$(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION)
	cd $(TOOLS) && GOFLAGS=-mod=mod $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) \
		-vulns $$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)/data/osv -out $(VULNDB)

lint: $(VULNDB) ## go vet, gofmt, golangci-lint v2, govulncheck (offline database)
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	GOBIN=$(TOOLS)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	GOBIN=$(TOOLS)/bin $(GO) install golang.org/x/vuln/cmd/govulncheck@v1.9.0
	$(TOOLS)/bin/golangci-lint run ./...
	$(TOOLS)/bin/govulncheck -db file://$(VULNDB) ./...

demo: build ## run prov on the embedded demo corpus (local store) and print the summary
	./scripts/demo.sh local

demo-s3: build tools ## the same demo through a local versitygw S3 server (builds versitygw once)
	./scripts/demo.sh s3

clean: ## remove build output and demo state
	rm -rf $(BIN) out fixtures/demo/out
