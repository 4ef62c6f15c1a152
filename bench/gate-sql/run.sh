#!/usr/bin/env bash
# PostgreSQL's CPU per call of the signing gate's functions, with pgbench: one client, prepared statements, 1 and 4
# requests per call, the functions alternating in short windows so that the host's drift hits all alike. By default
# the full rule signing_gate_decide against the fast path signing_gate_decide_fast (infra/postgres/080); the
# grants-only form that preceded it (grants_only.sql, bench_gate_grants_only) can be named too. CPU is read from /proc for every process named postgres (exited backends
# included), so run it on a machine where that server is the only PostgreSQL.
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=hosting bench/gate-sql/run.sh [rounds] [seconds] [functions, comma-separated]
# Needs pgbench (Debian postgresql-15) and python3. Creates and drops its own database.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-4}; seconds=${2:-6}; IFS=, read -ra functions <<<"${3:-signing_gate_decide,signing_gate_decide_fast}"
pgbench=$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)
db=bench_gate_sql_$$
work=$(mktemp -d)
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
createdb "$db"
for f in ../../infra/postgres/*.sql; do psql -q -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null; done
psql -q -v ON_ERROR_STOP=1 -d "$db" -f grants_only.sql
# 256 keystore keys of tenant 't'; addresses 0x00..01 to 0x00..0100.
psql -q -v ON_ERROR_STOP=1 -d "$db" -c "insert into signing_keys (address, tenant, backend, key_reference)
  select decode(lpad(to_hex(i), 40, '0'), 'hex'), 't', 'keystore', 'k' || i from generate_series(1, 256) i"
for n in 1 4; do
  for fn in "${functions[@]}"; do python3 script.py "$n" "$fn" > "$work/$fn-$n.sql"; done
done
cpu_ticks() {  # utime+stime+cutime+cstime of every process named postgres
  python3 - <<'P'
import os
t = 0
for p in filter(str.isdigit, os.listdir('/proc')):
    try:
        if open(f'/proc/{p}/comm').read().strip() != 'postgres':
            continue
        t += sum(int(x) for x in open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[11:15])
    except OSError:
        pass
print(t)
P
}
hz=$(getconf CLK_TCK)
declare -A requests=()
echo "| round | requests per call | function | calls | PostgreSQL CPU per call µs |"
echo "|---:|---:|---|---:|---:|"
for r in $(seq 1 "$rounds"); do
  for n in 1 4; do
    for fn in "${functions[@]}"; do
      before=$(cpu_ticks)
      out=$("$pgbench" -n -M prepared -c 1 -T "$seconds" -f "$work/$fn-$n.sql" "$db" 2>&1)
      after=$(cpu_ticks)
      calls=$(awk '/number of transactions actually processed/ {split($NF, a, "/"); print a[1]}' <<<"$out")
      [ -n "$calls" ] && [ "$calls" -gt 0 ] || { echo "$out" >&2; exit 1; }
      echo "| $r | $n | $fn | $calls | $(( (after - before) * 1000000 / hz / calls )) |"
      requests[$fn]=$(( ${requests[$fn]:-0} + calls * n ))
    done
  done
done
# Every function must have granted (recorded) every request it was given, or the comparison means nothing.
for fn in "${functions[@]}"; do
  recorded=$(psql -tAq -d "$db" -c "select count(*) from signed_duties where signer_node = '$fn'")
  echo "$fn: $recorded of ${requests[$fn]} requests granted and recorded"
  [ "$recorded" -eq "${requests[$fn]}" ] || { echo "$fn did not grant every request" >&2; exit 1; }
done
