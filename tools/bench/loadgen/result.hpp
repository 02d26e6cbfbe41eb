// The one line a run prints for the harness: "result key=value ...".
// Plain text keeps the harness free of any JSON library on the C++ side.
#pragma once

#include <sstream>
#include <string>

namespace bench {

class Result {
public:
    template <typename T>
    Result& set(const std::string& key, const T& value) {
        line_ << ' ' << key << '=' << value;
        return *this;
    }
    void print() const;

private:
    std::ostringstream line_;
};

}  // namespace bench
