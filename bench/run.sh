#!/usr/bin/env bash
# `make bench`: runs tend, supervisord and PM2 side by side and prints each
# figure with the ratios. Everything runs under a temporary directory and on
# this machine only; every manager started here is shut down by pid at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$root/build/npm/node_modules/.bin:$PATH"
export TEND_BENCH_STORE="$root/build/bench/tend_bench_store"
exec /usr/bin/python3 "$root/bench/compare.py" --tend "$1" --child "$root/build/bench/tend_bench_child" "${@:2}"
