#!/usr/bin/env bash
# Makes sure Node.js and npm are available for the Lodestar interop test: installs them
# from Debian's packages when they are missing (as root, with apt-get), or fails with a
# clear message. Never skips silently.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "ensure-node: installing nodejs and npm from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2; }
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ensure-node: node and npm are needed for the Lodestar interop test (Node 18 or 20);" \
       "install them (e.g. apt-get install nodejs npm) and run the tests again" >&2
  exit 1
fi
