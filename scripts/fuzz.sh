#!/usr/bin/env bash
# scripts/fuzz.sh — run every Go fuzz target (func FuzzXxx) of the module for
# FUZZTIME each (default 10s). Used by `make fuzz`.
#   FUZZTIME=1m scripts/fuzz.sh            all packages
#   scripts/fuzz.sh ./internal/wire/...    only these packages
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME="${FUZZTIME:-10s}"
GO="${GO:-go}"
pkgs=("$@")
[[ ${#pkgs[@]} -gt 0 ]] || pkgs=(./...)

ran=0
failed=()
while read -r pkg; do
  # `go test -list` prints the matching names, then an "ok" line.
  targets="$("$GO" test -run '^$' -list '^Fuzz' "$pkg" | grep -E '^Fuzz' || true)"
  for fz in $targets; do
    echo "==> $pkg $fz ($FUZZTIME)"
    ran=$((ran + 1))
    if ! "$GO" test -run '^$' -fuzz "^${fz}\$" -fuzztime "$FUZZTIME" "$pkg"; then
      failed+=("$pkg.$fz")
    fi
  done
done < <("$GO" list "${pkgs[@]}")

echo "fuzz: $ran target(s) run, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  printf '  FAILED %s\n' "${failed[@]}"
  exit 1
fi
