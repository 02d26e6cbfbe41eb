#include "open_descriptors.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>

namespace lsock::alloc_sweep {

Descriptors open_descriptors() {
    Descriptors out;
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return out;
    int own = dirfd(dir);  // the listing's own descriptor is not the run's
    while (dirent* entry = readdir(dir)) {
        char* end = nullptr;
        long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == own) continue;
        char target[256];
        std::string link = std::string("/proc/self/fd/") + entry->d_name;
        ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
        out[int(fd)] = n > 0 ? std::string(target, std::size_t(n)) : std::string("?");
    }
    closedir(dir);
    return out;
}

std::string descriptors_added(const Descriptors& before, const Descriptors& after) {
    std::string out;
    for (const auto& [fd, what] : after) {
        auto found = before.find(fd);
        if (found != before.end() && found->second == what) continue;
        if (!out.empty()) out += ", ";
        out += std::to_string(fd) + " (" + what + ")";
    }
    return out;
}

}  // namespace lsock::alloc_sweep
