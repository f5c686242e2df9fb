#!/usr/bin/env bash
# tokmix against OpenAI's tiktoken itself, on the same file, in the same shell session (issue 7, deliverable 6).
#
#   scripts/bench-tiktoken.sh [FILE] [ENCODING]     # defaults: data/text/prose/en.txt o200k_base
#
# tiktoken comes from the npm registry (the `tiktoken` package: the Rust core compiled to WebAssembly), pinned,
# installed once into data/npm-tiktoken (git-ignored; nothing fetched is committed). The timing harness is
# scripts/bench-tiktoken.mjs: the file is cut into the same >= 4 KB documents as `tokmix bench`, warmed up, then
# encoded for 3 s; it prints MB/s and tokens/s. tokmix is timed by `tokmix bench --peers none` (after
# `make build`). A native (Python) tiktoken is not reachable here: PyPI is not among the registries.
set -euo pipefail
cd "$(dirname "$0")/.."
TIKTOKEN_VERSION=1.0.22
FILE=${1:-data/text/prose/en.txt}
ENCODING=${2:-o200k_base}
DATA=${TOKMIX_DATA:-data}
dest="$DATA/npm-tiktoken"
if [ ! -f "$dest/.version-$TIKTOKEN_VERSION" ]; then
  tmp="$DATA/.work.npm-tiktoken.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$tmp" && npm install --silent --no-audit --no-fund --prefix . "tiktoken@$TIKTOKEN_VERSION" >/dev/null)
  touch "$tmp/.version-$TIKTOKEN_VERSION"
  rm -rf "$dest" && mv "$tmp" "$dest"
fi
echo "== tiktoken $TIKTOKEN_VERSION (npm, WebAssembly), node $(node --version)"
NODE_PATH="$dest/node_modules" node scripts/bench-tiktoken.mjs "$FILE" "$ENCODING"
echo "== tokmix (single thread, same documents)"
./tokmix bench -t "$ENCODING" -i "$FILE" --peers none --seconds 3
