#!/usr/bin/env bash
# Makes Debian's PostgreSQL server binaries available; the tests start and stop their own
# throwaway cluster under a temp dir (see tests/postgres_server.py).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL server binaries are missing and installing them needs root: apt-get install -y postgresql" >&2
  exit 1
fi
echo "installing PostgreSQL server from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
# Debian's package starts a cluster of its own on 5432; the tests don't use it.
(service postgresql stop || pg_ctlcluster --help >/dev/null 2>&1) >/dev/null 2>&1 || true
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
