// The descriptors this process has open, from /proc/self/fd (Linux), so a
// run can be checked for descriptors it left behind.
#pragma once

#include <map>
#include <string>

namespace lsock::alloc_sweep {

// Descriptor number -> what it is (the /proc link: "socket:[123]", a path).
using Descriptors = std::map<int, std::string>;

Descriptors open_descriptors();

// What `after` has open that `before` had not, as "5 (socket:[123])" items.
std::string descriptors_added(const Descriptors& before, const Descriptors& after);

}  // namespace lsock::alloc_sweep
