# Veche build, test and tooling. See README.md for what each target is for.
# Every target is idempotent and needs only Go; the only network access is
# the Go module proxy (modules, and staticcheck for `make lint`).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO        ?= go
BIN       := bin/veche
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS   := -X github.com/veche/veche/cmd/veche/internal/cli.version=$(VERSION)
FUZZTIME  ?= 3s
BENCHTIME ?= 1s

STATICCHECK_VERSION := v0.8.2
STATICCHECK         := .bin/staticcheck-$(STATICCHECK_VERSION)

# Source files, for gofmt and the Fuzz/TestVectors discovery.
FIND_EXCLUDES := -not -path './.git/*' -not -path './.bin/*' -not -path './bin/*' -not -path '*/node_modules/*'

.PHONY: build test unit fuzz demo bench lint generate clean help

## build: compile the veche binary to bin/veche
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/veche

## test: all tests with the race detector, then every fuzz target for FUZZTIME (3s)
test:
	$(GO) test -race ./...
	@$(MAKE) --no-print-directory fuzz

## unit: the tests with the race detector, without fuzzing
unit:
	$(GO) test -race ./...

## fuzz: run each Fuzz* function in the repository for FUZZTIME, one at a time
# go test -fuzz takes one target in one package, so the targets are found by
# name and run in turn; a new FuzzXxx in any *_test.go is picked up as is.
fuzz:
	@while read -r dir name; do \
	  echo "go test -run '^\$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $$dir"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$dir"; \
	done < <(find . -name '*_test.go' $(FIND_EXCLUDES) -print0 \
	         | xargs -0 -r grep -o '^func Fuzz[A-Za-z0-9_]*' \
	         | sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$$|\1 \2|' | sort -u)

## demo: build veche and run its guided walk through the cryptography
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

## generate: rewrite generated files (today: the test vectors in testdata/)
# Runs TestVectors -update in each package that defines the -update flag (a
# test binary without it would reject the flag). Later: solc and abigen.
generate:
	@dirs=$$(find ./crypto -name '*_test.go' -print0 | xargs -0 -r grep -l 'flag\.Bool("update"' | xargs -r -n1 dirname | sort -u); \
	if [ -z "$$dirs" ]; then echo "generate: no package has test vectors yet"; fi; \
	for d in $$dirs; do \
	  echo "go test $$d -run TestVectors -update"; \
	  $(GO) test "$$d" -run TestVectors -update; \
	done

## clean: remove built binaries and installed tools (bin/, .bin/); never touches data
clean:
	rm -rf bin .bin

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
