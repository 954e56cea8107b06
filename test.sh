#!/usr/bin/env bash
# The test command of Gipo: ./test.sh [dotnet test arguments...]
#
# Builds Gipo.sln (Release) and runs every test project with what the tests need on the machine:
#   - ICU (the tokenizers NFC-normalise text; the build turns invariant globalization off);
#   - a PostgreSQL server for the multi-node tests (ChaosTests: journals of `gipo node` clusters). When
#     GIPO_TEST_POSTGRES (an Npgsql connection string) is set, that server is used as it is. Otherwise this script
#     starts a throwaway cluster: initdb into a temporary folder, a free port on 127.0.0.1, its unix socket in that
#     folder, role `gipo` / database `gipo_test`; it is stopped and deleted when the script ends (also on failure or
#     Ctrl+C). The server binaries come from GIPO_PG_BIN, the PATH or /usr/lib/postgresql/*/bin (newest).
#   - root and iproute2 for the network-partition chaos test (network namespaces), root for the journal disk-full
#     test (a tmpfs mount); where they cannot be had, those tests are skipped with the reason, loudly.
# Missing packages (postgresql, libicu, iproute2) are installed with apt-get when this runs as root or with passwordless sudo;
# otherwise the script stops with one message saying what to install.
# Examples: ./test.sh        ./test.sh --filter "FullyQualifiedName~ChaosTests"        ./test.sh --no-build
# The targets are always the five test projects: select tests with --filter.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'test.sh: %s\n' "$*" >&2; }
fail() { printf 'test.sh: error: %s\n' "$*" >&2; exit 2; }

# Root runs apt-get itself; a user with passwordless sudo runs it through sudo; anyone else cannot install.
if [ "$(id -u)" = 0 ]; then as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n)
else as_root=(none)
fi
can_install() { [ "${as_root[0]:-}" != none ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then "${as_root[@]}" apt-get update -qq; apt_updated=1; fi
  say "installing $* with apt-get"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# --- ICU -------------------------------------------------------------------------------------------------------
# Read the whole cache first: `ldconfig -p | grep -q` fails under pipefail when grep stops reading early (SIGPIPE).
# ldconfig lives in /sbin, which is not on a Debian user's PATH.
ld_cache=$({ command -v ldconfig >/dev/null && ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true)
if [[ $ld_cache != *libicuuc.so* ]]; then
  can_install || fail "ICU is missing (libicuuc.so); install it, e.g. 'sudo apt-get install libicu72' on Debian 12 (libicu74 on Ubuntu 24.04)"
  "${as_root[@]}" apt-get update -qq; apt_updated=1
  icu=$(apt-cache pkgnames libicu | grep -E '^libicu[0-9]+$' | sort -V | tail -1)
  [ -n "$icu" ] || fail "ICU is missing and apt-get knows no libicuNN package; install ICU for your distribution"
  apt_install "$icu"
fi

# --- PostgreSQL ------------------------------------------------------------------------------------------------
find_pg_bin() {
  if [ -n "${GIPO_PG_BIN:-}" ]; then
    [ -x "$GIPO_PG_BIN/initdb" ] && [ -x "$GIPO_PG_BIN/pg_ctl" ] && echo "$GIPO_PG_BIN"
    return 0 # an explicit folder is the answer, found or not
  fi
  local dir
  if dir=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null)" 2>/dev/null)" 2>/dev/null) \
      && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"; return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
}

pg_tmp=""
pg_user=""
pg_bin=""
stop_postgres() {
  [ -n "$pg_tmp" ] || return 0
  if [ -f "$pg_tmp/data/postmaster.pid" ]; then
    run_as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_tmp"
  pg_tmp=""
}
trap stop_postgres EXIT
trap 'stop_postgres; exit 130' INT
trap 'stop_postgres; exit 143' TERM

# initdb and the server refuse to run as root: as root they run as the `postgres` user (created by the Debian
# package) or `nobody`; anyone else runs them as themselves.
run_as_pg() {
  # From /: the unprivileged user may not be allowed into the current folder.
  if [ -n "$pg_user" ]; then (cd / && runuser -u "$pg_user" -- "$@"); else "$@"; fi
}

# A port nothing listens on now; the server start is retried on another one if it is taken meanwhile.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  fail "found no free TCP port on 127.0.0.1"
}

start_postgres() {
  pg_bin=$(find_pg_bin)
  if [ -z "$pg_bin" ]; then
    [ -z "${GIPO_PG_BIN:-}" ] || fail "GIPO_PG_BIN=$GIPO_PG_BIN holds no initdb and pg_ctl"
    can_install || fail "the tests need PostgreSQL server binaries (initdb, pg_ctl; looked in the PATH and /usr/lib/postgresql/*/bin). Install them ('sudo apt-get install postgresql' on Debian/Ubuntu), point GIPO_PG_BIN at their folder, or set GIPO_TEST_POSTGRES to a running server's connection string (role and database the tests may use)"
    apt_install postgresql
    pg_bin=$(find_pg_bin)
    [ -n "$pg_bin" ] || fail "installed postgresql, but found no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi
  if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=nobody; fi
  fi
  # A short path: the unix socket path (folder + /.s.PGSQL.<port>) must stay under 107 bytes.
  local base=${TMPDIR:-/tmp}
  [ ${#base} -le 60 ] || base=/tmp
  pg_tmp=$(mktemp -d "$base/gipo-test-pg.XXXXXX")
  [ -z "$pg_user" ] || chown "$pg_user" "$pg_tmp"
  run_as_pg "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 \
    >"$pg_tmp/initdb.log" 2>&1 || { cat "$pg_tmp/initdb.log" >&2; fail "initdb failed (log above)"; }
  local port started=0
  for _ in 1 2 3; do
    port=$(free_port)
    # Durability is pointless for a throwaway cluster; fsync off keeps the journal tests fast on a slow disk.
    if run_as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 \
        -o "-p $port -k $pg_tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then started=1; break; fi
  done
  [ "$started" = 1 ] || { tail -20 "$pg_tmp/server.log" >&2; fail "the throwaway PostgreSQL server did not start (log above)"; }
  local psql="$pg_bin/psql"
  [ -x "$psql" ] || psql=$(command -v psql) || fail "found no psql beside $pg_bin/initdb or on the PATH (install the PostgreSQL client)"
  "$psql" -h "$pg_tmp" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qX \
    -c "CREATE ROLE gipo LOGIN PASSWORD 'gipo'" -c "CREATE DATABASE gipo_test OWNER gipo" >/dev/null \
    || fail "could not create the role gipo and database gipo_test"
  export GIPO_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Database=gipo_test;Username=gipo;Password=gipo"
  say "throwaway PostgreSQL $("$pg_bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port in $pg_tmp (deleted at the end)"
}

# --- network namespaces ----------------------------------------------------------------------------------------
# The partition chaos test (ChaosTests.Partition_with_two_surviving_halves_keeps_one_writer) puts each node in a
# network namespace of its own and cuts them apart: it needs iproute2 and root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
# Where those cannot be had (not root; a container without the capabilities), this script says so before and after
# the run and the test is reported as skipped with that reason (GIPO_TEST_NETNS_UNAVAILABLE); run without this
# script, the test fails saying what it needs.
if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && can_install; then apt_install iproute2; fi
probe="gipo-probe-$$"
if [ -n "${GIPO_TEST_NETNS_UNAVAILABLE:-}" ]; then :
elif ! command -v ip >/dev/null 2>&1; then export GIPO_TEST_NETNS_UNAVAILABLE="iproute2 ('ip') is not installed"
elif [ "$(id -u)" != 0 ]; then export GIPO_TEST_NETNS_UNAVAILABLE="not root (network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN)"
elif ! { ip netns add "$probe" && ip netns del "$probe" && ip link add "gpbp$$" type bridge && ip link del "gpbp$$"; } 2>/dev/null; then
  ip netns del "$probe" 2>/dev/null || true
  export GIPO_TEST_NETNS_UNAVAILABLE="'ip netns add' or 'ip link add … type bridge' was refused (a container without CAP_SYS_ADMIN/CAP_NET_ADMIN?)"
fi
# The disk-full tests mount a small tmpfs (JournalDiskFullTests: 3 MB as a runs folder; DiskFullTests: 1 MB as a run's
# checkpoint folder): root and CAP_SYS_ADMIN.
mount_probe=$(mktemp -d "${TMPDIR:-/tmp}/gipo-mount-probe.XXXXXX")
if [ -n "${GIPO_TEST_MOUNT_UNAVAILABLE:-}" ]; then :
elif [ "$(id -u)" != 0 ]; then export GIPO_TEST_MOUNT_UNAVAILABLE="not root (mounting a tmpfs needs CAP_SYS_ADMIN)"
elif ! mount -t tmpfs -o size=1m tmpfs "$mount_probe" 2>/dev/null; then
  export GIPO_TEST_MOUNT_UNAVAILABLE="'mount -t tmpfs' was refused (a container without CAP_SYS_ADMIN?)"
else umount "$mount_probe"; fi
rmdir "$mount_probe" 2>/dev/null || true
skip_warnings() {
  [ -z "${GIPO_TEST_NETNS_UNAVAILABLE:-}" ] || say "WARNING: the network-partition chaos test is SKIPPED here: $GIPO_TEST_NETNS_UNAVAILABLE"
  [ -z "${GIPO_TEST_MOUNT_UNAVAILABLE:-}" ] || say "WARNING: the disk-full tests (journal, checkpoints) are SKIPPED here: $GIPO_TEST_MOUNT_UNAVAILABLE"
}
skip_warnings

if [ -n "${GIPO_TEST_POSTGRES:-}" ]; then
  say "using GIPO_TEST_POSTGRES as set"
else
  start_postgres
fi

# --- the tests -------------------------------------------------------------------------------------------------
# Build once, then test in two lanes at the same time: Gipo.Bench.Tests (chaos clusters and benchmarks: about half of
# the run, mostly waiting on failure detectors and time-outs, not on the CPU) beside the other four projects in turn.
# `dotnet test Gipo.sln` starts a project's tests when its build is done, and the bench tests build last: on a machine
# where MSBuild runs few nodes they then start after the others and the run takes the sum of both lanes.
# --blame: should a test host crash, or a test hang for 20 minutes (the longest chaos test takes 2–6), the log names the
# test it was running.
# Arguments go to every `dotnet test` (e.g. --filter; a project where the filter matches nothing passes with a note);
# MSBuild properties (-p:Name=Value) and the verbosity also go to the build; --no-build skips it.
build_args=() test_args=(--blame --blame-hang-timeout 20m --blame-hang-dump-type none) no_build=0
for a in "$@"; do
  case "$a" in
    --no-build) no_build=1 ;;
    -p:*|/p:*|--property:*|-v:*|--verbosity:*) build_args+=("$a"); test_args+=("$a") ;;
    *) test_args+=("$a") ;;
  esac
done
# Not exec: the trap must run after the tests to stop the server.
set +e
rc=0
if [ "$no_build" = 0 ]; then
  dotnet build Gipo.sln -c Release "${build_args[@]}" || rc=$?
fi
if [ "$rc" = 0 ]; then
  dotnet test tests/Gipo.Bench.Tests/Gipo.Bench.Tests.csproj -c Release --no-build "${test_args[@]}" &
  bench=$!
  others=0
  for project in Core Model Cluster Cli; do
    dotnet test "tests/Gipo.$project.Tests/Gipo.$project.Tests.csproj" -c Release --no-build "${test_args[@]}" || others=1
  done
  wait "$bench"; bench_rc=$?
  [ "$others" = 0 ] && [ "$bench_rc" = 0 ] || rc=1
fi
skip_warnings
set -e
exit "$rc"
