# tfy-secrets: build, test, bench. `make help` lists the targets.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/tfy-secrets/tfy-secrets/internal/version.Version=$(VERSION)
# Fuzz targets run this long each in `make test` (a smoke run; `make fuzz FUZZTIME=5m` digs deeper).
FUZZTIME ?= 3s

.PHONY: help build test test-go fuzz bench lint generate check-generated demo clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build every binary into bin/ (static, CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

test: lint check-generated build ## vet, the whole suite with -race against a real keyring daemon, fuzz smoke runs
	scripts/with-keyring.sh $(MAKE) --no-print-directory test-go
	scripts/fuzz.sh $(FUZZTIME)

test-go:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m ./...

fuzz: ## run every fuzz target for FUZZTIME each
	scripts/fuzz.sh $(FUZZTIME)

bench: build ## Go benchmarks and whole-process comparisons; see docs/benchmarks.md
	scripts/bench.sh

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

generate: ## regenerate committed generated code (policy bundle, protobuf)
	$(GO) generate ./...

check-generated: ## fail when committed generated code is stale
	scripts/check-generated.sh

clean:
	rm -rf $(BIN)
