#!/usr/bin/env bash
# `npm ci && npm run demo`: builds the engine, then runs examples/demo.ts,
# which boots examples/bun-server.ts against a fresh demo vault.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd rust && cargo build --release --quiet)
node_modules/.bin/deno run --allow-ffi --allow-read --allow-write --allow-env --allow-run \
  --allow-net=127.0.0.1 examples/demo.ts
