#!/usr/bin/env bash
# The web UI's tests, for meson: `unit` runs Vitest, `e2e` the Playwright run
# against a real serve and guest (ui/e2e/run.mjs). Skips (77) when ui/ has no
# node_modules: run `npm ci` in ui/ (scripts/test does).
set -euo pipefail
cd "${BVM_SOURCE_ROOT:?}/ui"
if [ ! -d node_modules ]; then
  echo "ui: no ui/node_modules: run 'npm ci' in ui/ first" >&2
  exit 77
fi
case "${1:?unit or e2e}" in
  unit) exec npx vitest run ;;
  e2e)
    [ -f dist/index.html ] || npm run build >/dev/null
    exec node e2e/run.mjs
    ;;
  *) echo "ui: unit or e2e" >&2; exit 2 ;;
esac
