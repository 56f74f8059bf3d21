#!/usr/bin/env bash
# The PostgreSQL tests start a throw-away server from Debian's `postgresql` package (initdb, pg_ctl). Install it
# when it is missing and we may (root with apt-get, as in CI); otherwise say what is missing and carry on: those
# tests then skip, naming it. Never starts or leaves a server running (the tests start their own).
set -euo pipefail

found() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if found; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: initdb not found and cannot install postgresql here (needs root and apt-get);" \
         "the PostgreSQL tests will skip" >&2
    exit 0
fi

echo "ensure-postgres: installing Debian's postgresql package (initdb, pg_ctl) for the tests" >&2
# Keep the package's own cluster from being started: a policy-rc.d that refuses service starts, only for this install.
policy=/usr/sbin/policy-rc.d
placed=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    placed=1
fi
cleanup() { if [ "$placed" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }; then
    echo "ensure-postgres: apt-get could not install postgresql; the PostgreSQL tests will skip" >&2
    exit 0
fi
found || echo "ensure-postgres: postgresql installed but initdb still not found; the PostgreSQL tests will skip" >&2
