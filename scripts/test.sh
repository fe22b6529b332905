#!/usr/bin/env bash
# The whole test suite: `npm ci && npm test` runs this on a fresh clone.
# Rust checks and tests, the release library, TypeScript checks, then the
# conformance suite on Deno (with the permissions the README documents) and
# on Bun, the cross-runtime, loader and server tests, the npm build and its
# installed packages on Node.js and Bun, and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

deno=node_modules/.bin/deno
step() { printf '\n=== %s\n' "$*"; }

step "Rust: fmt, clippy, tests, release build"
(
  cd rust
  cargo fmt --all --check
  cargo clippy --all-targets -- -D warnings
  cargo test
  cargo build --release
)

step "TypeScript: fmt, lint, check, doc lint, README code blocks"
"$deno" fmt --check
"$deno" lint
"$deno" check mod.ts ffi/ tests/deno/ tests/suite/ examples/demo.ts bench/run.ts bench/deno_bench.ts
node_modules/.bin/tsc -p tsconfig.bun.json
node_modules/.bin/tsc -p tsconfig.node.json
"$deno" check --doc-only README.md
"$deno" doc --lint mod.ts

step "Deno conformance, loader and permission tests"
"$deno" test --allow-ffi --allow-read --allow-write --allow-env --allow-run \
  --allow-net=127.0.0.1 tests/deno/

step "Bun conformance, loading and server tests"
node_modules/.bin/bun test tests/bun/

step "npm build (cargo-zigbuild, glibc 2.17 check), then the installed packages on Node and Bun"
"$deno" run --allow-run --allow-read --allow-write --allow-env scripts/build_npm.ts
"$deno" test --allow-run --allow-read --allow-write --allow-env --allow-ffi tests/npm/installed_test.ts

step "Demo (smoke run)"
"$deno" run --allow-ffi --allow-read --allow-write --allow-env --allow-run --allow-net=127.0.0.1 \
  examples/demo.ts >/dev/null
echo "all checks passed"
