# Shared by the source checks (check_os_calls.sh, check_include_direction.sh):
# reading C/C++ text so that comments and string literals cannot fool them.
# POSIX awk (mawk, gawk, BSD awk): no gensub, no match() arrays.
#
# The caller sets `state = "code"` at the first line of every file and
# passes each line through strip() in order.

function blanks(n,    s) { s = ""; while (n-- > 0) s = s " "; return s }

# Blanks comments and the insides of string and character literals, keeping
# every remaining character in its column; `state` carries block comments
# and raw strings across lines.
function strip(line,    out, i, n, c, j, k, start, tok) {
    out = ""; n = length(line); i = 1
    while (i <= n) {
        c = substr(line, i, 1)
        if (state == "block") {
            j = index(substr(line, i), "*/")
            if (j == 0) return out blanks(n - i + 1)
            out = out blanks(j + 1); i += j + 1; state = "code"; continue
        }
        if (state == "raw") {
            j = index(substr(line, i), ")" raw_delim "\"")
            if (j == 0) return out blanks(n - i + 1)
            k = j + length(raw_delim) + 1
            out = out blanks(k); i += k; state = "code"; continue
        }
        if (substr(line, i, 2) == "//") return out
        if (substr(line, i, 2) == "/*") { out = out "  "; i += 2; state = "block"; continue }
        if (c == "\"") {
            # R"delim( ... )delim", also LR, uR, UR, u8R
            if (i > 1 && substr(line, i - 1, 1) == "R" && (i == 2 || substr(line, i - 2, 1) !~ /[A-Za-z0-9_]/ || substr(line, i - 2, 1) ~ /[LuU8]/)) {
                j = index(substr(line, i + 1), "(")
                if (j > 0) {
                    raw_delim = substr(line, i + 1, j - 1)
                    out = out blanks(j + 1); i += j + 1; state = "raw"; continue
                }
            }
            for (j = i + 1; j <= n; j++) {
                c = substr(line, j, 1)
                if (c == "\\") { j++; continue }
                if (c == "\"") break
            }
            out = out "\"" blanks(j - i - 1) "\""; i = j + 1; continue
        }
        if (c == "'") {
            # A digit separator (1'000'000) is not a character literal.
            start = i - 1
            while (start >= 1 && substr(line, start, 1) ~ /[A-Za-z0-9_.']/) start--
            tok = substr(line, start + 1, 1)
            if (start + 1 < i && tok ~ /[0-9]/) { out = out c; i++; continue }
            for (j = i + 1; j <= n; j++) {
                c = substr(line, j, 1)
                if (c == "\\") { j++; continue }
                if (c == "'") break
            }
            out = out "'" blanks(j - i - 1) "'"; i = j + 1; continue
        }
        out = out c; i++
    }
    return out
}

# What an #include directive names, with its opening delimiter ("\"lua/x.hpp"
# or "<vector"), or "" when the line is not one. The directive is found in
# the stripped line (so one inside a comment or a raw string does not count,
# and one after a /* comment */ does) and the name read from the raw line at
# the same column, since strip() blanked it.
function include_target(raw_line, stripped_line,    at, name) {
    if (!match(stripped_line, /^[ \t]*#[ \t]*include(_next)?[ \t]*[<"]/)) return ""
    at = RSTART + RLENGTH - 1
    name = substr(raw_line, at)
    if (!match(name, /^(<[^>]+>|"[^"]+")/)) return ""
    return substr(name, 1, RLENGTH - 1)
}
