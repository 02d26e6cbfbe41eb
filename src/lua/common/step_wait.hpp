// From a core Step that did not finish to what the call does next: wait for
// the descriptor, pause and try again (Step::retry_soon: nothing a
// descriptor can signal), or report. The one mapping every face uses; the
// faces differ only in how they report (errors.hpp).
#pragma once

#include "core/step.hpp"
#include "lua/common/blocking_call.hpp"

namespace lsock::lua {

// How long a call pauses before it retries a step that is blocked on
// nothing a descriptor can signal (a unix listener's full backlog).
constexpr double kRetryPause = 0.01;

// For a step that is not done: returns 0 when the call should wait (`wait`
// is filled), else the error to report: the step's own, or kErrorTimeout for
// a step still blocked at `deadline`. Reads the clock only when it must (a
// deadline to check, or a pause to time).
int wait_or_error(Os& os, Fd fd, const Step& step, double deadline, Wait* wait);

}  // namespace lsock::lua
