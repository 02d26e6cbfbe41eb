// Winsock's error codes in the errno values the OS interface speaks.
//
// The core and the bindings compare errors with <cerrno> names (EAGAIN,
// EINPROGRESS, ECONNREFUSED, ...), and scripts see the texts and `sock`
// error names those values map to. Winsock reports WSA* codes instead
// (WSAGetLastError), and the C runtime's strerror knows no text for the
// socket errno values: both are translated here, to the values and the
// texts a Linux build gives (lsock/error_text.hpp), so that a script reads
// the same on either.
#pragma once

namespace lsock::windows {

// A WSA* code (or a Win32 error from an overlapped call) as an errno value.
int errno_of_wsa(int wsa_error);
// WSAGetLastError(), translated.
int last_socket_error();

}  // namespace lsock::windows
