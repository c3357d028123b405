#!/usr/bin/env bash
# scripts/setup.sh — one-shot, idempotent set-up of opv on a fresh Debian machine.
#   1. Installs the Debian packages opv needs, only those missing (apt-get update runs
#      only then; sudo when not root): arecord/aplay (the station captures and plays
#      through them), tmux (UI tests), iproute2 (network-namespace tests), gpiod (GPIO
#      push-to-talk), sox, opus-tools, espeak-ng (spoken chat), a compiler and python3
#      for native modules.
#   2. `npm ci` when node_modules is missing, older than package-lock.json, or lacks the
#      built native module (@discordjs/opus; approved in package.json).
#   3. `npm run build` (TypeScript → dist/, and the command line bundled into dist/opv/).
# What is already in place is skipped, so a second run takes a few seconds (the build).
# Used by the README's Quick start (`bash scripts/setup.sh && ./bin/opv server`,
# `bash scripts/setup.sh && npm test`) and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "setup: $*" >&2
  exit 1
}

DEBS=(alsa-utils tmux iproute2 gpiod sox opus-tools espeak-ng nats-server openssl build-essential python3)

command -v dpkg-query >/dev/null && command -v apt-get >/dev/null \
  || die "this script needs Debian or Ubuntu (dpkg/apt-get); elsewhere install by hand: ${DEBS[*]}, Node.js >= 20"

missing=()
for p in "${DEBS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
    # Without a terminal a password prompt would hang: fail instead.
    if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq || die "apt-get update failed (network or sources.list?)"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
fi

command -v node >/dev/null || die "Node.js >= 20 is required (https://nodejs.org or apt-get install nodejs npm)"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js >= 20 is required, found $(node --version)"
command -v npm >/dev/null || die "npm is required (apt-get install npm)"

native_ok() {
  node -e "require('@discordjs/opus')" 2>/dev/null
}
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || ! native_ok; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed (see the npm output above)"
fi
native_ok || die "the native module @discordjs/opus did not build (is it approved in package.json's allowScripts? are build-essential and python3 installed?)"

npm run --silent build || die "the build failed (see the tsc or esbuild errors above)"
echo "setup: ready"
