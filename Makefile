# tfy-secrets: build, test, bench. `make help` lists the targets.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/tfy-secrets/tfy-secrets/internal/version.Version=$(VERSION)
# Build tags that leave out what the binaries never use but would pay for at
# every start: urfave/cli's man/markdown generators (blackfriday's init) and
# grpc's x/net/trace (html/template). docs/benchmarks.md has the numbers.
GOTAGS  ?= urfave_cli_no_docs,grpcnotrace
# Fuzz targets run this long each in `make test` (a smoke run; `make fuzz FUZZTIME=5m` digs deeper).
FUZZTIME ?= 2s
PREFIX  ?= /usr/local
# The linters `make lint` runs beyond vet, at the versions `make tools` (and
# so .ci/run) installs; a different version can report different findings.
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION    := v0.53.0
# Where `go install` puts them (recursive, so only lint and tools ask go).
TOOLBIN = $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)

.PHONY: help build install test test-go fuzz bench lint tools generate check-generated demo clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build every binary into bin/ (static, CGO_ENABLED=0); the host trusts only this plugin build
	CGO_ENABLED=0 $(GO) build -tags '$(GOTAGS)' -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/tfy-secrets-plugin ./cmd/tfy-emulator ./cmd/tfy-secrets-policy
	cd $(BIN) && sha256sum tfy-secrets-plugin | cut -d' ' -f1 > tfy-secrets-plugin.sha256
	CGO_ENABLED=0 $(GO) build -tags '$(GOTAGS)' -trimpath -ldflags '$(LDFLAGS) -X github.com/tfy-secrets/tfy-secrets/host/launcher/spawn.PluginSHA256='$$(cat $(BIN)/tfy-secrets-plugin.sha256) -o $(BIN)/ ./cmd/tfy-secrets

install: build ## install the binaries into $(PREFIX)/bin (default /usr/local); add a `tfy` symlink yourself to use `tfy secrets`
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/tfy-secrets $(BIN)/tfy-secrets-plugin $(BIN)/tfy-secrets-policy $(BIN)/tfy-emulator $(PREFIX)/bin/
	install -m 0644 $(BIN)/tfy-secrets-plugin.sha256 $(PREFIX)/bin/

test: lint check-generated build ## vet, the whole suite with -race against a real keyring daemon, fuzz smoke runs
	scripts/with-keyring.sh $(MAKE) --no-print-directory test-go
	scripts/fuzz.sh $(FUZZTIME)

# GOFLAGS carries the tags into the go builds the tests run themselves (e2e's
# binaries, the launcher's fake plugin), so the suite tests what `make build` ships.
test-go:
	CGO_ENABLED=1 GOFLAGS='-tags=$(GOTAGS)' $(GO) test -race -count=1 -timeout 20m ./...

fuzz: ## run every fuzz target for FUZZTIME each
	scripts/fuzz.sh $(FUZZTIME)

bench: build ## Go benchmarks and whole-process comparisons; see docs/benchmarks.md
	scripts/bench.sh

lint: ## gofmt, go vet, staticcheck, and deadcode -test (which must find nothing); `make tools` installs the last two
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags '$(GOTAGS)' ./...
	@for t in staticcheck=$(STATICCHECK_VERSION) deadcode=$(DEADCODE_VERSION); do \
		name=$${t%=*} want=$${t#*=}; \
		got=$$($(GO) version -m '$(TOOLBIN)'/$$name 2>/dev/null | awk '$$1 == "mod" {print $$3}'); \
		if [ "$$got" != "$$want" ]; then \
			echo "lint: needs $$name $$want in $(TOOLBIN), found $${got:-none}; run \`make tools\`" >&2; exit 1; \
		fi; \
	done
	'$(TOOLBIN)'/staticcheck -tags '$(GOTAGS)' ./...
	@echo "'$(TOOLBIN)'/deadcode -test -tags '$(GOTAGS)' ./..."; \
	out=$$('$(TOOLBIN)'/deadcode -test -tags '$(GOTAGS)' ./...) || exit 1; \
	if [ -n "$$out" ]; then echo "deadcode: unreachable functions; delete them:"; echo "$$out"; exit 1; fi

tools: ## install the pinned staticcheck and deadcode that `make lint` runs
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GO) install golang.org/x/tools/cmd/deadcode@$(DEADCODE_VERSION)

generate: ## regenerate committed generated code (policy bundle, protobuf)
	$(GO) generate ./...

check-generated: ## fail when committed generated code is stale
	scripts/check-generated.sh

demo: build ## build, start the bundled emulator, log in and run a real session (no account needed)
	scripts/demo.sh

clean:
	rm -rf $(BIN)
