#include "lua/common/step_wait.hpp"

namespace lsock::lua {

int wait_or_error(Os& os, Fd fd, const Step& step, double deadline, Wait* wait) {
    if (!step.is_blocked()) return step.error;
    if (step.events == 0) {
        double now = os.now();
        if (now >= deadline) return kErrorTimeout;
        wait->pause_until(now + kRetryPause < deadline ? now + kRetryPause : deadline);
        return 0;
    }
    if (deadline != kNoDeadline && os.now() >= deadline) return kErrorTimeout;
    wait->on(fd, step.events, deadline);
    return 0;
}

}  // namespace lsock::lua
