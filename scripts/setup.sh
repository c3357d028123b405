#!/usr/bin/env bash
# One-shot, idempotent set-up for a fresh Debian machine: installs the Debian packages
# opv needs (ALSA headers for the `speaker` module, arecord/aplay, tmux for UI tests,
# iproute2 for network-namespace tests, gpiod for GPIO push-to-talk, sox, a compiler),
# then `npm ci` (building the approved native modules) and the TypeScript build.
# Whatever is already in place is skipped, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(libasound2-dev alsa-utils tmux iproute2 gpiod sox build-essential python3 opus-tools)

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v node >/dev/null || { echo "setup: Node.js >= 20 is required (apt-get install nodejs npm)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "setup: Node.js >= 20 is required, found $(node --version)" >&2; exit 1; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || ! node -e "require('@discordjs/opus')" 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
# A lock without built native modules means install scripts were skipped: fail loudly.
node -e "require('@discordjs/opus')" 2>/dev/null || { echo "setup: @discordjs/opus did not build (check allowScripts in package.json)" >&2; exit 1; }

npm run --silent build
echo "setup: ready"
