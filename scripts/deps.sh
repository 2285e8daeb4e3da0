#!/usr/bin/env bash
# Installs every Debian package tend needs to build, test, demo and benchmark.
# Idempotent: does nothing when everything is present; runs `apt-get update`
# once before the first install on a fresh machine.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build make pkg-config git
  libsqlite3-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libcctz-dev libfmt-dev libhttp-parser-dev zlib1g-dev gzip libre2-dev
)
test_packages=(libgtest-dev libgmock-dev python3 python3-pytest procps gunicorn python3-flask)
bench_packages=(libbenchmark-dev supervisor wrk)
# clang-tidy 14 (Debian's default) cannot parse GCC 12's <ranges>; 16 can.
tidy_packages=(clang-tidy-16)

wanted=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  demo) wanted+=(python3) ;;
  test)
    wanted+=("${test_packages[@]}")
    command -v node >/dev/null || wanted+=(nodejs)
    ;;
  bench)
    wanted+=("${test_packages[@]}" "${bench_packages[@]}")
    # PM2 needs Node.js and npm; a machine that has them from elsewhere keeps them.
    command -v node >/dev/null || wanted+=(nodejs)
    command -v npm >/dev/null || wanted+=(npm)
    ;;
  tidy) wanted+=("${tidy_packages[@]}") ;;
  *) echo "usage: $0 [build|demo|test|bench|tidy]" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "tend: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-build}" == bench ]]; then
  # PM2 is the one peer not packaged by Debian; it comes from the npm registry
  # into a project-local prefix so nothing global changes.
  prefix="$(cd "$(dirname "$0")/.." && pwd)/build/npm"
  if [[ ! -x "$prefix/bin/pm2" && ! -x "$prefix/node_modules/.bin/pm2" ]]; then
    echo "tend: installing pm2 from npm" >&2
    npm install --silent --no-audit --no-fund --prefix "$prefix" pm2@7 >/dev/null
  fi
fi
