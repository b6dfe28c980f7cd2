#!/usr/bin/env bash
# Builds PhoneBatch's pinned external tools from source (Go module proxy; schemathesis from PyPI) into a cache
# outside the checkout: ${PHONEBATCH_CACHE:-~/.cache/phonebatch}/<tool>-<version>/bin.
# Idempotent: a tool whose binary already exists is not rebuilt.
# Usage: scripts/tools.sh [temporal|helm|kube|etcd|schemathesis|all|path]...   (default: temporal)
# Prints nothing on a cache hit; on failure names the tool and exits non-zero.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PHONEBATCH_CACHE:-$HOME/.cache/phonebatch}
# Pinned versions. Temporal CLI: later tags carry a `replace` that `go install` refuses.
TEMPORAL_VERSION=v1.5.1
HELM_VERSION=v3.19.5
KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.5
# schemathesis (PyPI) checks the API against its OpenAPI document in the integration tests.
SCHEMATHESIS_VERSION=4.32.5

export GOFLAGS=-buildvcs=false
export CGO_ENABLED=0

die() { echo "tools.sh: failed to build $1 ($2). See the Go output above." >&2; exit 1; }

need_go() {
  command -v go >/dev/null 2>&1 || { echo "tools.sh: 'go' is not on PATH; install Go (>=1.24) to build $1" >&2; exit 1; }
}

build_temporal() {
  local dir="$CACHE/temporal-$TEMPORAL_VERSION"
  [ -x "$dir/bin/temporal" ] && return 0
  need_go temporal
  echo "tools.sh: building temporal $TEMPORAL_VERSION into $dir (first run only, a few minutes)" >&2
  GOBIN="$dir/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION" || die temporal "$TEMPORAL_VERSION"
}

build_helm() {
  local dir="$CACHE/helm-$HELM_VERSION"
  [ -x "$dir/bin/helm" ] && return 0
  need_go helm
  echo "tools.sh: building helm $HELM_VERSION into $dir (first run only)" >&2
  GOBIN="$dir/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || die helm "$HELM_VERSION"
}

# kube-apiserver and kubectl come from k8s.io/kubernetes, whose go.mod points its staging
# modules (k8s.io/api, ...) at v0.0.0 + local paths; a wrapper module pins them with replace.
build_kube() {
  local dir="$CACHE/kube-$KUBE_VERSION"
  [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/kubectl" ] && return 0
  need_go kube-apiserver
  echo "tools.sh: building kube-apiserver and kubectl $KUBE_VERSION into $dir (first run only, ~10 min)" >&2
  local work; work=$(mktemp -d)
  cp "$ROOT/tools/kube/go.mod" "$ROOT/tools/kube/tools.go" "$work/"
  [ -f "$ROOT/tools/kube/go.sum" ] && cp "$ROOT/tools/kube/go.sum" "$work/"
  ( cd "$work" && go mod tidy && mkdir -p "$dir/bin" &&
    go build -o "$dir/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
    go build -o "$dir/bin/kubectl" k8s.io/kubernetes/cmd/kubectl ) || die kube-apiserver/kubectl "$KUBE_VERSION"
  rm -rf "$work"
}

# etcd: Debian's etcd-server is 3.4, older than kube-apiserver 1.34 supports; build 3.6
# through a wrapper main that calls etcdmain.
build_etcd() {
  local dir="$CACHE/etcd-$ETCD_VERSION"
  [ -x "$dir/bin/etcd" ] && return 0
  need_go etcd
  echo "tools.sh: building etcd $ETCD_VERSION into $dir (first run only)" >&2
  local work; work=$(mktemp -d)
  cp "$ROOT/tools/etcd/go.mod" "$ROOT/tools/etcd/main.go" "$work/"
  [ -f "$ROOT/tools/etcd/go.sum" ] && cp "$ROOT/tools/etcd/go.sum" "$work/"
  ( cd "$work" && go mod tidy && mkdir -p "$dir/bin" && go build -o "$dir/bin/etcd" . ) || die etcd "$ETCD_VERSION"
  rm -rf "$work"
}

# schemathesis: a Python virtualenv from PyPI (not Go), pinned like the rest.
build_schemathesis() {
  local dir="$CACHE/schemathesis-$SCHEMATHESIS_VERSION"
  [ -x "$dir/bin/st" ] && return 0
  command -v python3 >/dev/null 2>&1 || { echo "tools.sh: 'python3' is not on PATH; install Python (>=3.9) for schemathesis" >&2; exit 1; }
  echo "tools.sh: installing schemathesis $SCHEMATHESIS_VERSION into $dir (first run only)" >&2
  rm -rf "$dir"
  { python3 -m venv "$dir" && "$dir/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; } ||
    { rm -rf "$dir"; echo "tools.sh: failed to install schemathesis $SCHEMATHESIS_VERSION from PyPI (pip output above)" >&2; exit 1; }
}

# Prints the bin directory of a tool (for PATH set-up by callers).
bindir() {
  case "$1" in
    temporal) echo "$CACHE/temporal-$TEMPORAL_VERSION/bin" ;;
    helm) echo "$CACHE/helm-$HELM_VERSION/bin" ;;
    kube) echo "$CACHE/kube-$KUBE_VERSION/bin" ;;
    etcd) echo "$CACHE/etcd-$ETCD_VERSION/bin" ;;
    schemathesis) echo "$CACHE/schemathesis-$SCHEMATHESIS_VERSION/bin" ;;
  esac
}

[ $# -eq 0 ] && set -- temporal
for t in "$@"; do
  case "$t" in
    temporal) build_temporal ;;
    helm) build_helm ;;
    kube) build_kube ;;
    etcd) build_etcd ;;
    schemathesis) build_schemathesis ;;
    all) build_temporal; build_helm; build_etcd; build_kube; build_schemathesis ;;
    path) echo "$(bindir temporal):$(bindir helm):$(bindir kube):$(bindir etcd):$(bindir schemathesis)" ;;
    *) echo "tools.sh: unknown tool '$t' (temporal|helm|kube|etcd|schemathesis|all|path)" >&2; exit 2 ;;
  esac
done
