#include "result.hpp"

#include <cstdio>

namespace bench {

void Result::print() const {
    std::printf("result%s\n", line_.str().c_str());
    std::fflush(stdout);
}

}  // namespace bench
