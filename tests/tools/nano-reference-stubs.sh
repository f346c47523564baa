#!/usr/bin/env bash
# Regenerates tests/NanoReferences/{PackageId}/ for every nanoFramework package that a packages.config of the
# device projects names (except CoreLibrary, whose real mscorlib.dll the package source
# serves, and nanoFramework.M2Mqtt, whose stubs are kept by hand), at the release tag v{version} of each package's
# repository. Run it after changing a version in packages.config (docs/firmware-build.md, "Moving to a new image").
#
#   tests/tools/nano-reference-stubs.sh <folder holding a clone of each nanoframework repository, named as the repository>
set -euo pipefail

repos=${1:?usage: $0 <folder with clones of the nanoframework repositories>}
root=$(cd "$(dirname "$0")/../.." && pwd)

# package id -> repository and library project inside it
declare -A project=(
  [nanoFramework.System.Collections]="System.Collections nanoFramework.System.Collections/nanoFramework.System.Collections.nfproj"
  [nanoFramework.System.Net]="System.Net nanoFramework.System.Net/System.Net.nfproj"
  [nanoFramework.System.Device.Wifi]="System.Device.Wifi System.Device.Wifi/System.Device.Wifi.nfproj"
  [nanoFramework.System.Device.Gpio]="System.Device.Gpio System.Device.Gpio/System.Device.Gpio.nfproj"
  [nanoFramework.System.IO.FileSystem]="System.IO.FileSystem System.IO.FileSystem/System.IO.FileSystem.nfproj"
  [nanoFramework.System.IO.Streams]="System.IO.Streams System.IO.Streams/System.IO.Streams.nfproj"
  [nanoFramework.System.Text]="System.Text nanoFramework.System.Text/nanoFramework.System.Text.nfproj"
  [nanoFramework.Runtime.Events]="nanoFramework.Runtime.Events nanoFramework.Runtime.Events/nanoFramework.Runtime.Events.nfproj"
  [nanoFramework.Runtime.Native]="nanoFramework.Runtime.Native nanoFramework.Runtime.Native/nanoFramework.Runtime.Native.nfproj"
  [nanoFramework.System.Threading]="System.Threading nanoFramework.System.Threading/nanoFramework.System.Threading.nfproj"
  [nanoFramework.TestFramework]="nanoFramework.TestFramework source/TestFramework/nanoFramework.TestFramework.nfproj"
)

cat "$root"/firmware/*/packages.config "$root"/tests/EdgeBroker.Firmware.Tests/packages.config |
  grep -o '<package id="[^"]*" version="[^"]*"' | sort -u |
  sed 's/<package id="\([^"]*\)" version="\([^"]*\)"/\1 \2/' |
  while read -r id version; do
    case "$id" in nanoFramework.CoreLibrary|nanoFramework.M2Mqtt) continue ;; esac
    [ -n "${project[$id]:-}" ] || { echo "no repository known for $id: add it to $0" >&2; exit 1; }
    read -r repo nfproj <<<"${project[$id]}"
    git_dir=$(git -C "$repos/$repo" rev-parse --absolute-git-dir)
    dotnet run "$root/tests/tools/nano-reference-stubs.cs" -- "$git_dir" "nanoframework/$repo" "v$version" "$nfproj" \
      "$root/tests/NanoReferences/$id"
  done
