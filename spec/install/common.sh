# Shared by the install checks (sourced): counting, the Lua paths of an
# install, a local HTTP server, a clean copy of the source tree.

passed=0
failed=0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/spec/install

# shell_check NAME COMMAND...: one check, passed when COMMAND succeeds.
shell_check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "ok - $name"
  else
    failed=$((failed + 1)); echo "FAIL - $name"; sed 's/^/    /' <<<"$out" | tail -20
  fi
}

# lua_path DIR...: the LUA_PATH entries for modules in DIR... (in order).
lua_path() {
  local d entries=()
  for d in "$@"; do entries+=("$d/?.lua" "$d/?/init.lua"); done
  (IFS=';'; echo "${entries[*]}")
}

# lua_checks LUA_PATH_ENTRIES CMOD_DIR SCRIPT ARGS...: runs one of the Lua
# check scripts with only the install (and the system's own folders, after
# it) on Lua's paths, from a directory with no modules in it, and adds its
# "N passed, M failed" to the counts.
lua_checks() {
  local lpath=$1 cmod=$2 script=$3; shift 3
  local out line
  out=$(cd "$scratch" && LUA_PATH="$lpath;;" LUA_CPATH="$cmod/?.so;;" \
        timeout 60 lua5.2 "$here/$script" "$@" 2>&1)
  echo "$out" | grep -v -E "^[0-9]+ passed, [0-9]+ failed$"
  line=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" <<<"$out" | tail -1)
  if [ -z "$line" ]; then
    failed=$((failed + 1)); echo "FAIL - $script ended without its summary"
    return
  fi
  passed=$((passed + ${line%% passed*}))
  line=${line#* passed, }
  failed=$((failed + ${line%% failed}))
}

# start_http_server DIR: python3's http.server for DIR on 127.0.0.1, on a
# free port; sets http_pid and http_port. It ends by itself after 120 s and
# is stopped by PID in finish.
start_http_server() {
  : >"$scratch/http.log"   # before the background job opens it itself
  timeout 120 python3 -u -m http.server --bind 127.0.0.1 0 --directory "$1" >"$scratch/http.log" 2>&1 &
  http_pid=$!
  http_port=
  for _ in $(seq 100); do
    http_port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$scratch/http.log")
    [ -n "$http_port" ] && return 0
    sleep 0.05
  done
  echo "the HTTP server did not start:"; cat "$scratch/http.log"
  return 1
}

# copy_source DEST: the repository's files (tracked and untracked, not
# ignored: no build folders) copied to DEST, as a fresh clone would have them.
copy_source() {
  mkdir -p "$1"
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files -z --cached --others --exclude-standard |
      tar -C "$root" --null -T - --no-recursion --ignore-failed-read -cf - 2>/dev/null | tar -C "$1" -xf -
  else
    tar -C "$root" --exclude='./build*' -cf - . | tar -C "$1" -xf -
  fi
}

# no_debug_sections FILE: true when FILE carries no DWARF sections.
no_debug_sections() {
  local sections
  sections=$(readelf -S --wide "$1") || return 1
  ! grep -E '\.z?debug_' <<<"$sections"
}

scratch=$(mktemp -d)
http_pid=
cleanup() {
  [ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null && wait "$http_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
