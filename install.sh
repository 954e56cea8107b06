#!/usr/bin/env bash
# Installs the `gipo` command and its harness `gipo-bench` from this checkout:
#   ./install.sh [--prefix DIR] [dotnet publish arguments...]
#
# Publishes src/Gipo.Cli and bench/Gipo.Bench (Release, framework-dependent, with the native libtorch) into one folder,
# PREFIX/lib/gipo, and writes the launchers PREFIX/bin/gipo and PREFIX/bin/gipo-bench, which run them with the `dotnet`
# found now. One folder: gipo-bench references gipo and would carry its own copy of every assembly and of libtorch
# otherwise; the two programs are built from the same sources and package versions, so they share them. PREFIX is
# /usr/local for root and ~/.local otherwise. Run it again after pulling changes; the previous copy is replaced only
# once the new one is complete. Extra arguments go to `dotnet publish`, e.g. ./install.sh -p:GipoTorch=cuda (where
# the registry serves TorchSharp-cuda-linux). Uninstall: rm -r PREFIX/lib/gipo PREFIX/bin/gipo PREFIX/bin/gipo-bench.
#
# Why not a `dotnet tool` package: a tool package would have to carry libtorch (about 600 MB of natives) inside one
# .nupkg, and every update would unpack another copy into the tool store; a published folder is the same program
# without that.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
if [ "${1:-}" = --prefix ]; then
  [ -n "${2:-}" ] || { echo "install.sh: error: --prefix needs a folder" >&2; exit 2; }
  prefix=$2; shift 2
fi
dotnet=$(command -v dotnet) || { echo "install.sh: error: dotnet is not on the PATH; install the .NET 10 SDK first" >&2; exit 2; }
dotnet=$(readlink -f "$dotnet")
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
lib="$prefix/lib/gipo"
bin="$prefix/bin"
mkdir -p "$prefix/lib" "$bin"

# Publish beside the target (same file system), then swap folders, so a failed build leaves the old install working.
staging=$(mktemp -d "$prefix/lib/.gipo-new.XXXXXX")
cleanup() { rm -rf "$staging" "$lib.old.$$"; }
trap cleanup EXIT
# The harness first, the product last: files both publish (gipo.dll and its deps/runtimeconfig) end up as gipo's own.
"$dotnet" publish bench/Gipo.Bench -c Release -o "$staging" "$@"
"$dotnet" publish src/Gipo.Cli -c Release -o "$staging" "$@"
for program in gipo gipo-bench; do
  [ -f "$staging/$program.dll" ] || { echo "install.sh: error: dotnet publish produced no $program.dll in $staging" >&2; exit 1; }
done
chmod 755 "$staging"
if [ -d "$lib" ]; then mv "$lib" "$lib.old.$$"; fi
mv "$staging" "$lib"

for program in gipo gipo-bench; do
  launcher=$(mktemp "$bin/.$program.XXXXXX")
  cat >"$launcher" <<EOF
#!/bin/sh
# The $program command, installed by $(pwd)/install.sh; the program is $lib.
exec "$dotnet" "$lib/$program.dll" "\$@"
EOF
  chmod 755 "$launcher"
  mv -f "$launcher" "$bin/$program"
done

echo "install.sh: installed gipo and gipo-bench $(git rev-parse --short HEAD 2>/dev/null || echo) to $lib; launchers $bin/gipo, $bin/gipo-bench" >&2
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "install.sh: $bin is not on your PATH; add it: export PATH=\"$bin:\$PATH\"" >&2 ;;
esac
