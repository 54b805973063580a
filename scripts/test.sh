#!/usr/bin/env bash
# `npm test`: every check CI runs, in order, against the real PostgreSQL,
# Redis and Kafka (the vitest global setup starts Kafka and the stack the same
# way `npm start` does). All steps run even after one fails, so one run shows
# every problem; the exit code is non-zero if any failed.
#
#   npm test                      everything
#   npm test -- test/infra        the static checks, then only these test files
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Colour only for a terminal that wants it.
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then bold=$'\033[1m' red=$'\033[31m' green=$'\033[32m' off=$'\033[0m'; else bold='' red='' green='' off=''; fi

failed=()
step() {
  local name="$1"
  shift
  printf '\n%s==> %s%s\n' "$bold" "$name" "$off"
  if "$@"; then
    printf '    %s: ok\n' "$name"
  else
    printf '    %s: FAILED\n' "$name"
    failed+=("$name")
  fi
}

has_script() {
  node -e "process.exit(require('./package.json').scripts?.[process.argv[1]] ? 0 : 1)" "$1"
}

if has_script codegen:check; then step 'generated code is current' npm run --silent codegen:check; fi
if has_script schema:check; then step 'schema check' npm run --silent schema:check; fi
step 'type check (tsc)' npx --no-install tsc --noEmit -p .
step 'lint (eslint)' npx --no-install eslint .
step 'format (prettier)' npx --no-install prettier --check --log-level warn .
step 'tests (vitest)' npx --no-install vitest run "$@"

echo
if ((${#failed[@]})); then
  printf '%sFAILED:%s %s\n' "$red" "$off" "${failed[@]}"
  exit 1
fi
printf '%sall checks passed%s\n' "$green" "$off"
