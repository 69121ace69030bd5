# yologate's build. `make run` and `make test` set everything up themselves:
# ONNX Runtime comes from the npm package onnxruntime-node (npm pack, no
# install scripts, sha256-checked) into the git-ignored .cache/.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
CACHE := $(CURDIR)/.cache
BIN := $(CURDIR)/bin/yologate

ORT_VERSION := 1.30.0
# sha256 of onnxruntime-node-$(ORT_VERSION).tgz as served by the npm registry.
ORT_TGZ_SHA256 := 6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
ORT_DIR := $(CACHE)/ort/$(ORT_VERSION)
ORT_LIB := $(ORT_DIR)/libonnxruntime.so.1
YOLOGATE_ORT_LIB ?= $(ORT_LIB)
export YOLOGATE_ORT_LIB

ACTIONLINT_VERSION := v1.7.12
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME ?= 60s

.PHONY: all setup npm-tools browser build run test lint fmt-check vet fuzz fuzz-brief bench clean

all: build

## setup: fetch ONNX Runtime (and the test tools) into .cache/
setup: $(ORT_LIB)

$(ORT_LIB):
	@echo "fetching onnxruntime-node@$(ORT_VERSION) (npm pack, no install scripts)"
	@rm -rf $(ORT_DIR)/tmp && mkdir -p $(ORT_DIR)/tmp
	@cd $(ORT_DIR)/tmp && npm pack --silent --ignore-scripts onnxruntime-node@$(ORT_VERSION) >/dev/null
	@echo "$(ORT_TGZ_SHA256)  $(ORT_DIR)/tmp/onnxruntime-node-$(ORT_VERSION).tgz" | sha256sum -c --quiet - \
		|| { echo "onnxruntime-node-$(ORT_VERSION).tgz: sha256 mismatch, refusing to use it" >&2; exit 3; }
	@tar -xzf $(ORT_DIR)/tmp/onnxruntime-node-$(ORT_VERSION).tgz -C $(ORT_DIR)/tmp package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	@mv $(ORT_DIR)/tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 $@.part && mv $@.part $@
	@rm -rf $(ORT_DIR)/tmp
	@echo "ONNX Runtime $(ORT_VERSION): $@"

## build: the yologate binary in bin/
build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/yologate

## run: the standard benchmark (generated yolov8n at 640, CPU provider)
run: setup build
	$(BIN) run --out results.json

## npm-tools: Prism, GitHub's OpenAPI description and webhook payloads for the
## GitHub contract tests, pinned by .ci/npm/package-lock.json (no install scripts)
NPM_DIR := $(CACHE)/npm
NPM_STAMP := $(NPM_DIR)/node_modules/.yologate-installed

npm-tools: $(NPM_STAMP)

$(NPM_STAMP): .ci/npm/package.json .ci/npm/package-lock.json
	@mkdir -p $(NPM_DIR)
	@cp .ci/npm/package.json .ci/npm/package-lock.json $(NPM_DIR)/
	@cd $(NPM_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

## browser: Debian's Chromium for the tests that render the HTML report and
## the PR comments; installed when missing and apt-get can (root), else
## those tests skip and say why
browser:
	@command -v chromium >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (Debian) for the rendering tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null; } \
			|| echo "chromium could not be installed: the rendering tests will skip"; \
	else echo "no chromium and no apt-get as root: the rendering tests will skip"; fi

## test: everything CI checks
test: setup npm-tools browser lint
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz-brief

## lint: gofmt, go vet, staticcheck, actionlint
lint: fmt-check vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) examples/workflows/*.yml

fmt-check:
	@out="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## fuzz: every fuzz target for $(FUZZTIME) each
fuzz:
	bash .ci/fuzz $(FUZZTIME)

fuzz-brief:
	bash .ci/fuzz 5000x

## bench: benchmarks recorded in docs/BENCHMARKS.md
bench: setup build bin/cbench
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bash .ci/bench-prepost

# cbench: the minimal C program on the ONNX Runtime C API that the Go
# harness is measured against (.ci/bench-harness), compiled with the header
# that the onnxruntime_go module ships; it dlopens $(YOLOGATE_ORT_LIB).
bin/cbench: runner/ort/cbench/cbench.c go.mod
	@mkdir -p bin
	$(GO) mod download github.com/yalue/onnxruntime_go
	$(CC) -O2 -std=c11 -Wall -Wextra -I"$$($(GO) list -m -f '{{.Dir}}' github.com/yalue/onnxruntime_go)" -o $@ runner/ort/cbench/cbench.c -ldl

clean:
	rm -rf bin build
