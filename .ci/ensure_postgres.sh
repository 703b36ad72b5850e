#!/usr/bin/env bash
# Makes Debian's PostgreSQL server binaries available; the tests start and stop their own
# throwaway cluster under a temp dir (tests/postgres_server.py). As root the cluster runs as the
# `postgres` system user (postgres refuses root), which the Debian package creates.
set -euo pipefail
have_binaries() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_user() { [ "$(id -u)" != "0" ] || id -u postgres >/dev/null 2>&1; }
if have_binaries && have_user; then
  exit 0
fi
if [ -n "${HR_ELT_TEST_POSTGRES_DSN:-}" ]; then
  exit 0  # the tests use that server instead
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL server binaries are missing and installing them needs root: apt-get install -y postgresql" >&2
  echo "(or set HR_ELT_TEST_POSTGRES_DSN to a server where the tests may create databases)" >&2
  exit 1
fi
echo "installing PostgreSQL server from Debian's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
# Debian's package may start a cluster of its own on 5432; the tests don't use it.
(service postgresql stop || true) >/dev/null 2>&1
have_binaries && have_user
