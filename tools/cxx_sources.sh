# Sourced by the source checks (check_os_calls.sh, check_include_direction.sh):
# the C/C++ files they read, found the same way by both.
#
# cxx_sources DIR...  fills the array `files` with every C/C++ source and
# header under the DIRs that exist, sorted (LC_ALL=C) so that findings come
# out in the same order on every machine. Missing DIRs are skipped.
cxx_sources() {
    local dirs=() dir file
    for dir in "$@"; do
        [[ -d "$dir" ]] && dirs+=("$dir")
    done
    files=()
    [[ ${#dirs[@]} -eq 0 ]] && return 0
    while IFS= read -r -d '' file; do
        files+=("$file")
    done < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.cxx' \
        -o -name '*.h' -o -name '*.hh' -o -name '*.hpp' -o -name '*.hxx' -o -name '*.inl' -o -name '*.ipp' \
        -o -name '*.tcc' \) -print0 | LC_ALL=C sort -z)
}
