#!/usr/bin/env bash
# Checks that the version has one source, the VERSION file: CMake reads it
# (and hands it to _VERSION as LSOCK_VERSION), but the rockspec cannot read a
# file, and its file name carries the version too. So this checks that there
# is exactly one rockspec, named lsock-<VERSION>-<revision>.rockspec, whose
# `version` field is "<VERSION>-<revision>", and that CHANGELOG.md has a
# heading for <VERSION>.
#
# usage: tools/check_version.sh [SOURCE_ROOT]
# Prints what disagrees and exits 1; else prints the version and exits 0.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"

fail() { echo "version check: $*" >&2; exit 1; }

[ -f VERSION ] || fail "no VERSION file in $PWD"
version=$(head -n1 VERSION)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "VERSION holds '$version', not MAJOR.MINOR.PATCH"

shopt -s nullglob
rockspecs=(*.rockspec)
[ ${#rockspecs[@]} -eq 1 ] || fail "expected one rockspec, found ${#rockspecs[@]}: ${rockspecs[*]:-none}"
rockspec=${rockspecs[0]}
[[ $rockspec =~ ^lsock-(.+)-([0-9]+)\.rockspec$ ]] || fail "$rockspec is not named lsock-VERSION-REVISION.rockspec"
[ "${BASH_REMATCH[1]}" = "$version" ] || fail "$rockspec is named for ${BASH_REMATCH[1]}, VERSION says $version"
revision=${BASH_REMATCH[2]}
field=$(sed -n 's/^version *= *"\(.*\)".*/\1/p' "$rockspec")
[ "$field" = "$version-$revision" ] || fail "$rockspec says version = \"$field\", expected \"$version-$revision\""

grep -q "^## $version\b" CHANGELOG.md || fail "CHANGELOG.md has no '## $version' heading"

echo "version $version: VERSION, $rockspec and CHANGELOG.md agree"
