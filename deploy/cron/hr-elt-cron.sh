#!/usr/bin/env bash
# hr-elt on cron: load every configured vendor and tenant, then build the dbt models.
#
# What was run here: tests/ops/test_deploy.py runs this very script against the bundled sandbox
# (two HollyHR tenants, a DuckDB warehouse): both steps, the exit codes, the lock, the log line.
# What was not: a real crontab and a real vendor account (the script does not know the difference).
#
#   crontab -e
#   # m  h  dom mon dow  command
#   15   2  *   *   *    /srv/hr-elt/deploy/cron/hr-elt-cron.sh --destination postgres >> /var/log/hr-elt.log 2>&1
#
# Settings come from the project's .dlt/ (config.toml, secrets.toml) or the environment, as for
# `hr-elt` by hand; cron's environment is bare, so this script changes into the project directory
# first (HR_ELT_HOME, default: two levels above this file). Arguments are passed to both
# `hr-elt run all` and `hr-elt dbt` (use the options they share: --destination, --duckdb-path,
# --pipelines-dir).
#
# Exit code: 0 when every vendor/tenant loaded and every dbt build passed; 1 when any failed (the
# others still ran: one vendor's failure does not stop the rest, and dbt builds on what loaded);
# 75 when the previous run still holds the lock (cron then simply skips this run).
#
# Env: HR_ELT_HOME (project dir), HR_ELT_BIN (hr-elt executable, default .venv/bin/hr-elt, else on
# PATH), HR_ELT_LOCK (lock file, default /tmp/hr-elt-cron.lock), HR_ELT_SKIP_DBT=1 (load only).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${HR_ELT_HOME:-$(cd "$here/../.." && pwd)}"
cd "$home" || { echo "hr-elt-cron: cannot enter $home" >&2; exit 1; }

bin="${HR_ELT_BIN:-}"
if [[ -z "$bin" ]]; then
  if [[ -x "$home/.venv/bin/hr-elt" ]]; then bin="$home/.venv/bin/hr-elt"; else bin="hr-elt"; fi
fi

lock="${HR_ELT_LOCK:-/tmp/hr-elt-cron.lock}"
exec 9>"$lock"
if ! flock -n 9; then
  echo "hr-elt-cron: $(date -u +%FT%TZ) previous run still holds $lock, skipping" >&2
  exit 75
fi

stamp() { date -u +%FT%TZ; }
echo "hr-elt-cron: $(stamp) start: $bin run all $*"
status=0
"$bin" run all "$@" || status=1
if [[ "${HR_ELT_SKIP_DBT:-0}" != "1" ]]; then
  echo "hr-elt-cron: $(stamp) dbt build (default datasets and every tenant)"
  "$bin" dbt --all-tenants --quiet "$@" || status=1
fi
echo "hr-elt-cron: $(stamp) done, exit $status"
exit "$status"
