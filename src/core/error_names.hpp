// The `sock` module's portable error names (SPEC "Module sock"): scripts
// compare against "timeout" or "connection_refused" on every kernel, and
// still get the OS code beside it.
#pragma once

#include "lsock/os.hpp"

namespace lsock {

// "timeout", "closed", "connection_refused", ... for the errors that have a
// portable name (errno values and the kError* codes of core/step.hpp);
// null for the rest, which callers describe with Os::error_message.
const char* portable_error_name(int error);

// The OS code to report beside the name: the errno value itself, ETIMEDOUT
// for kErrorTimeout, 0 when there is none (kErrorClosed: the peer's FIN or a
// closed socket is not an OS error).
int os_error_code(int error);

// "not_found" for a name that does not resolve; null for other failures.
const char* portable_resolve_error_name(ResolveError error);

}  // namespace lsock
