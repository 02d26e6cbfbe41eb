// libFuzzer target: the delimiter search of `readuntil` (ReceiveBuffer::find
// and resume_point), against a naive reference.
//
// The input is a pattern and a script: chunks arriving, searches the way
// StreamSocket::read_until makes them (resuming where the last one stopped,
// so a pattern that spans two chunks must still be found), reads that take
// bytes off the front, and direct searches from any offset. After every
// step the buffer must hold exactly the bytes of the model, and every
// search must answer what a byte-by-byte comparison answers.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/receive_buffer.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

using lsock::ReceiveBuffer;
using lsock::fuzz::FuzzInput;

namespace {

std::size_t naive_find(std::string_view text, std::string_view pattern, std::size_t from) {
    if (pattern.empty()) return from <= text.size() ? from : ReceiveBuffer::npos;
    for (std::size_t i = from; i + pattern.size() <= text.size(); ++i) {
        std::size_t k = 0;
        while (k < pattern.size() && text[i + k] == pattern[k]) ++k;
        if (k == pattern.size()) return i;
    }
    return ReceiveBuffer::npos;
}

// Few distinct bytes make repeated prefixes ("aab" in "aaaa..."), the case
// that sends find() from memchr to memmem; raw bytes cover the rest.
char letter(std::uint8_t raw, unsigned alphabet) { return alphabet == 0 ? char(raw) : char('a' + raw % alphabet); }

std::string text_of(const std::string& raw, unsigned alphabet) {
    std::string out(raw.size(), '\0');
    for (std::size_t i = 0; i < raw.size(); ++i) out[i] = letter(std::uint8_t(raw[i]), alphabet);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const unsigned alphabet = in.byte() % 4;  // 0: any byte; 1..3 letters
    const std::size_t pattern_size = 1 + in.byte() % 24;
    const std::string pattern = text_of(in.bytes(pattern_size), alphabet);
    if (pattern.empty()) return 0;

    ReceiveBuffer buffer;
    std::string model;          // the bytes the buffer must hold
    std::size_t scan_from = 0;  // the read_until cursor
    while (!in.empty()) {
        const std::uint8_t op = in.byte();
        switch (op % 5) {
            case 0:
            case 1: {  // a chunk arrives (sometimes a long run, to pass the false-start allowance)
                std::size_t n = 1 + (op >> 3);
                std::string chunk = text_of(in.bytes(n), alphabet);
                if (op & 4) chunk = std::string(300 + in.below(700), chunk.empty() ? 'a' : chunk[0]) + chunk;
                char* at = buffer.prepare(chunk.size());
                FUZZ_CHECK(at != nullptr, "prepare(%zu) failed", chunk.size());
                FUZZ_CHECK(buffer.free_space() >= chunk.size(), "prepare left %zu bytes of room, not %zu",
                           buffer.free_space(), chunk.size());
                std::memcpy(at, chunk.data(), chunk.size());
                buffer.commit(chunk.size());
                model += chunk;
                break;
            }
            case 2: {  // a readuntil step: search from the cursor, as read_until does
                std::size_t found = buffer.find(pattern, scan_from);
                std::size_t expected = naive_find(model, pattern, 0);
                FUZZ_CHECK(found == expected, "resumed search from %zu found %zu, the first match is at %zu",
                           scan_from, found, expected);
                if (found == ReceiveBuffer::npos) {
                    scan_from = buffer.resume_point(pattern.size());
                    FUZZ_CHECK(scan_from <= model.size(), "resume point %zu past the end %zu", scan_from,
                               model.size());
                } else {
                    buffer.consume(found + pattern.size());
                    model.erase(0, found + pattern.size());
                    scan_from = 0;
                }
                break;
            }
            case 3: {  // a read(n) takes bytes off the front; the next readuntil starts afresh
                std::size_t n = in.below(model.size() + 2);
                buffer.consume(n);
                model.erase(0, n);
                scan_from = 0;
                if (op & 8) buffer.shrink_if_idle(op & 16 ? 0 : 4096);
                break;
            }
            case 4: {  // a search from any offset, as it stands
                std::size_t from = in.below(model.size() + 3);
                std::size_t found = buffer.find(pattern, from);
                std::size_t expected = naive_find(model, pattern, from);
                FUZZ_CHECK(found == expected, "find from %zu gave %zu, the reference %zu", from, found, expected);
                break;
            }
        }
        FUZZ_CHECK(buffer.size() == model.size() && buffer.view() == model, "the buffer holds %zu bytes, the model %zu",
                   buffer.size(), model.size());
    }
    return 0;
}
