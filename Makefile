# Veche build, test and tooling. See README.md for what each target is for.
# Every target is idempotent. build, demo, bench and lint need only Go
# (network: the Go module proxy, for modules and staticcheck). test also
# brings up, once, what the integration tests need: PostgreSQL (Debian's
# package, .ci/postgres.sh), a geth build (.ci/geth.sh), Chromium (Debian's
# package, .ci/chromium.sh) and the pinned solc (npm, installed by the test
# that checks the generated contract files);
# contracts, generate and check-generated need node and npm.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO        ?= go
BIN       := bin/veche
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -X github.com/veche/veche/cmd/veche/internal/cli.version=$(VERSION)
FUZZTIME  ?= 3s
TESTTIMEOUT ?= 20m
BENCHTIME ?= 1s

STATICCHECK_VERSION := v0.8.2
STATICCHECK         := .bin/staticcheck-$(STATICCHECK_VERSION)

# Source files, for gofmt and the Fuzz/TestVectors discovery.
FIND_EXCLUDES := -not -path './.git/*' -not -path './.bin/*' -not -path './bin/*' -not -path '*/node_modules/*'

.PHONY: build test unit fuzz demo bench lint generate contracts check-generated geth clean help

## build: compile the veche binary to bin/veche
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/veche

## test: all tests with the race detector, then every fuzz target for FUZZTIME (3s)
# A package's tests may take up to TESTTIMEOUT: the CLI's take about 100 s on
# an idle 2-core machine but 500 s on one running three other builds, close
# to go test's default of 10 minutes.
test:
	$(GO) test -race -timeout $(TESTTIMEOUT) ./...
	@$(MAKE) --no-print-directory fuzz

## unit: the tests with the race detector, without fuzzing
unit:
	$(GO) test -race -timeout $(TESTTIMEOUT) ./...

## fuzz: run each Fuzz* function in the repository for FUZZTIME, one at a time
# go test -fuzz takes one target in one package, so the targets are found by
# name and run in turn; a new FuzzXxx in any *_test.go is picked up as is.
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends under CPU load (golang/go#75804, fixed in
# Go 1.27): such a run, with no failing input written, is run once more;
# any other failure fails at once.
fuzz:
	@while read -r dir name; do \
	  echo "go test -run '^\$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $$dir"; \
	  for attempt in 1 2; do \
	    if out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$dir" 2>&1); then echo "$$out" | tail -n 2; break; fi; \
	    echo "$$out"; \
	    if [ $$attempt = 1 ] && grep -q 'context deadline exceeded' <<<"$$out" && ! grep -q 'Failing input written' <<<"$$out"; then \
	      echo "fuzz: $$name: the Go 1.26 fuzz-deadline flake (golang/go#75804); running it again"; continue; fi; \
	    exit 1; \
	  done; \
	done < <(find . -name '*_test.go' $(FIND_EXCLUDES) -print0 \
	         | xargs -0 -r grep -o '^func Fuzz[A-Za-z0-9_]*' \
	         | sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$$|\1 \2|' | sort -u)

## demo: build veche; its tour of the cryptography, then a whole election end to end
demo: build
	./$(BIN) demo

## bench: Go benchmarks of crypto/... and `veche bench crypto` (BENCHTIME per operation)
bench: build
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./crypto/...
	./$(BIN) bench crypto --benchtime $(BENCHTIME)

## lint: gofmt, go vet and staticcheck (installed into .bin/ on first use)
lint: $(STATICCHECK)
	@unformatted=$$(find . -name '*.go' $(FIND_EXCLUDES) -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/.bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv .bin/staticcheck $@

## generate: rewrite generated files: the contract's ABI, bytecode and Go bindings (make contracts), then the test vectors in testdata/
# Runs TestVectors -update in each package whose tests use internal/golden (a
# test binary without it would reject the flag).
generate: contracts
	@dirs=$$(find . -name '*_test.go' $(FIND_EXCLUDES) -not -path './internal/golden/*' -print0 | xargs -0 -r grep -l 'golden\.' | xargs -r -n1 dirname | sort -u); \
	if [ -z "$$dirs" ]; then echo "generate: no package has test vectors yet"; fi; \
	for d in $$dirs; do \
	  echo "go test $$d -run TestVectors -update"; \
	  $(GO) test "$$d" -run TestVectors -update; \
	done

# The bulletin board contract. Compiling needs node and npm (solc is the npm
# package pinned in package.json, installed once into node_modules/); the
# bindings come from go-ethereum's abigen at the go.mod version (go tool).
CONTRACTS := bulletin/eth/contracts
BINDINGS  := bulletin/eth/contract/gen_bulletinboard.go
GENERATED := testdata $(CONTRACTS)/BulletinBoard.abi $(CONTRACTS)/BulletinBoard.bin $(BINDINGS)

## contracts: compile BulletinBoard.sol (pinned solc from npm) to .abi/.bin and regenerate its Go bindings (abigen)
contracts:
	@command -v npm >/dev/null || { echo "contracts: node and npm are needed to compile $(CONTRACTS)/BulletinBoard.sol" >&2; exit 1; }
	@if [ ! -d $(CONTRACTS)/node_modules ]; then echo "npm ci --prefix $(CONTRACTS)"; npm ci --prefix $(CONTRACTS) --no-audit --no-fund; fi
	node $(CONTRACTS)/compile.js
	$(GO) tool abigen --v2 --abi $(CONTRACTS)/BulletinBoard.abi --bin $(CONTRACTS)/BulletinBoard.bin \
	  --pkg contract --type BulletinBoard --out $(BINDINGS)
	@chmod 644 $(BINDINGS)

## check-generated: run make generate, then fail if a checked-in generated file changed (or a new one is not committed)
check-generated: generate
	@git diff --exit-code --stat -- $(GENERATED) || { echo "check-generated: generated files are stale: run make generate and commit them" >&2; exit 1; }
	@new=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	if [ -n "$$new" ]; then echo "check-generated: generated files not committed:" >&2; echo "$$new" >&2; exit 1; fi

## postgres: start PostgreSQL for the store tests on 127.0.0.1:15432 (installing Debian's postgresql if missing) and print its URL
# test and unit export VECHE_PG_URL: the caller's, else the URL that
# .ci/postgres.sh prints (run at most once per make; if it cannot start a
# server the PostgreSQL tests skip, or fail under CI=true).
.PHONY: postgres
postgres:
	@.ci/postgres.sh
PG_URL_ENV := $(VECHE_PG_URL)
pg_url = $(eval pg_url := $$(or $$(PG_URL_ENV),$$(shell .ci/postgres.sh)))$(pg_url)
test unit: export VECHE_PG_URL = $(pg_url)
# Likewise geth for the real-node tests: the caller's VECHE_GETH, else the
# binary .ci/geth.sh builds once (about 5 minutes) and caches.
GETH_ENV := $(VECHE_GETH)
geth_path = $(eval geth_path := $$(or $$(GETH_ENV),$$(shell .ci/geth.sh)))$(geth_path)
test unit: export VECHE_GETH = $(geth_path)
# Likewise Chromium for the explorer's browser tests (services/explorer/
# browsertest): the caller's VECHE_CHROMIUM, else the path .ci/chromium.sh
# prints (installing Debian's chromium if missing, when it can; if it cannot,
# the browser tests skip, or fail under CI=true). Their screenshots go to
# VECHE_ARTEFACTS: the caller's, else .artefacts/ here (gitignored).
CHROMIUM_ENV := $(VECHE_CHROMIUM)
chromium_path = $(eval chromium_path := $$(or $$(CHROMIUM_ENV),$$(shell .ci/chromium.sh)))$(chromium_path)
test unit: export VECHE_CHROMIUM = $(chromium_path)
ARTEFACTS_ENV := $(VECHE_ARTEFACTS)
test unit: export VECHE_ARTEFACTS = $(or $(ARTEFACTS_ENV),$(CURDIR)/.artefacts)

## geth: build geth (go-ethereum at the go.mod version) once into ~/.cache/veche for the real-node tests; set VECHE_GETH to the path it prints
geth:
	@.ci/geth.sh

## clean: remove built binaries and installed tools (bin/, .bin/); never touches data
clean:
	rm -rf bin .bin

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
