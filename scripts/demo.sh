#!/usr/bin/env bash
# `npm ci && npm run demo`: builds the engine, then runs examples/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd rust && cargo build --release --quiet)
node_modules/.bin/deno run --allow-ffi --allow-read --allow-write --allow-env examples/demo.ts
