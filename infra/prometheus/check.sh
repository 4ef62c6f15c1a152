#!/usr/bin/env bash
# Checks the Prometheus configuration, alert rules and their unit tests, and that every metric name the
# alerts and Grafana dashboards use is documented in docs/metrics.md, so none of them drifts from the code.
# Prints one line per check, "PASS <name>" or "FAIL <name>: <reason>" (./hosting test counts them), and
# exits non-zero when any failed. Needs promtool on PATH (Debian: apt-get install prometheus).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOCS="$ROOT/docs/metrics.md"
FAILED=0
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
# The first lines of a tool's complaint, on one line, so the FAIL line says what was wrong.
reason() { grep -vE '^\s*$|^Checking |^Unit Testing' | head -"${2:-6}" | tr '\n' ' ' | sed -E 's/ +/ /g; s/ $//'; }

if ! command -v promtool >/dev/null 2>&1; then
  fail promtool "not installed: apt-get install prometheus (./hosting test installs it)"
  exit 1
fi

check_config() {  # file
  local name out
  name=$(basename "$1")
  if out=$(promtool check config "$1" 2>&1); then
    pass "config $name"
  elif grep -q 'field kubernetes_sd_configs not found' <<<"$out"; then
    # Debian builds Prometheus without Kubernetes discovery: check everything else, with the discovery
    # block swapped for an empty static list, rather than not at all.
    cp "$HERE/alerts.yml" "$SCRATCH/alerts.yml"
    sed -E 's/^( *)kubernetes_sd_configs:$/\1static_configs:/; s/^( *)- role: pod$/\1- targets: []/' "$1" >"$SCRATCH/$name"
    if out=$(promtool check config "$SCRATCH/$name" 2>&1); then
      pass "config $name (kubernetes_sd_configs unchecked: this promtool has no Kubernetes discovery)"
    else
      fail "config $name" "$(reason <<<"$out")"
    fi
  else
    fail "config $name" "$(reason <<<"$out")"
  fi
}

check_config "$HERE/prometheus.yml"
check_config "$HERE/prometheus-kubernetes.yml"

if out=$(promtool check rules "$HERE/alerts.yml" 2>&1); then
  pass "rules alerts.yml"
else
  fail "rules alerts.yml" "$(reason <<<"$out")"
fi

for test in "$HERE"/tests/*.yml; do
  if out=$(cd "$HERE/tests" && promtool test rules "$(basename "$test")" 2>&1); then
    pass "rule tests $(basename "$test")"
  else
    fail "rule tests $(basename "$test")" "$(reason <<<"$out" 12)"
  fi
done

# Every alert has a unit test that names it.
untested=()
for alert in $(sed -nE 's/^ *- alert: *([A-Za-z0-9_]+).*/\1/p' "$HERE/alerts.yml"); do
  grep -qE "alertname: *$alert\s*$" "$HERE"/tests/*.yml || untested+=("$alert")
done
if [ ${#untested[@]} -eq 0 ]; then pass "every alert has a rule test"; else fail "every alert has a rule test" "no test for ${untested[*]}"; fi

# Every metric name used by the alerts, their tests and the dashboards is a `name` in docs/metrics.md
# (a histogram's _bucket/_sum/_count series count as its documented name).
undocumented_in() {  # file
  local name missing=()
  for name in $(grep -ohE '\b(hosting|orleans|dotnet|http_server|http_client|aspnetcore|kestrel)_[a-z0-9_]*[a-z0-9]\b' "$1" | sort -u); do
    grep -qF "\`$name\`" "$DOCS" && continue
    grep -qF "\`$(sed -E 's/_(bucket|sum|count)$//' <<<"$name")\`" "$DOCS" && continue
    missing+=("$name")
  done
  echo "${missing[*]}"
}
if [ ! -f "$DOCS" ]; then
  fail "metric names documented" "$DOCS is missing"
else
  for file in "$HERE/alerts.yml" "$HERE"/tests/*.yml "$ROOT"/infra/grafana/dashboards/*.json; do
    [ -f "$file" ] || continue
    missing=$(undocumented_in "$file")
    label="metric names documented: ${file#"$ROOT"/}"
    if [ -z "$missing" ]; then pass "$label"; else fail "$label" "not in docs/metrics.md: $missing"; fi
  done
fi

exit $FAILED
