// ReceiveBuffer: the prepare/commit/consume cycle, when it compacts and when
// it grows, and the delimiter search that `readuntil` resumes across waits.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/receive_buffer.hpp"

using lsock::ReceiveBuffer;

namespace {

void append(ReceiveBuffer& buffer, std::string_view bytes) {
    if (bytes.empty()) return;  // nothing to append
    char* at = buffer.prepare(bytes.size());
    REQUIRE(at != nullptr);
    REQUIRE(buffer.free_space() >= bytes.size());
    std::memcpy(at, bytes.data(), bytes.size());
    buffer.commit(bytes.size());
}

// What readuntil does: search, remember the resume point, take the next
// piece, search again from there. Returns the position found, or npos.
std::size_t find_across_pieces(const std::vector<std::string>& pieces, std::string_view pattern) {
    ReceiveBuffer buffer;
    std::size_t scan_from = 0;
    for (const std::string& piece : pieces) {
        append(buffer, piece);
        std::size_t at = buffer.find(pattern, scan_from);
        if (at != ReceiveBuffer::npos) return at;
        scan_from = buffer.resume_point(pattern.size());
    }
    return ReceiveBuffer::npos;
}

}  // namespace

// --- prepare / commit / consume ----------------------------------------------

TEST_CASE("a new receive buffer is empty and owns no memory", "[receive_buffer]") {
    ReceiveBuffer buffer;
    CHECK(buffer.empty());
    CHECK(buffer.size() == 0);
    CHECK(buffer.free_space() == 0);
    CHECK(buffer.view().empty());
}

TEST_CASE("committed bytes become visible in order", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, "hello ");
    append(buffer, "world");
    CHECK(buffer.size() == 11);
    CHECK_FALSE(buffer.empty());
    CHECK(buffer.view() == "hello world");
}

TEST_CASE("prepare without commit receives nothing", "[receive_buffer]") {
    ReceiveBuffer buffer;
    char* at = buffer.prepare(16);
    REQUIRE(at != nullptr);
    std::memcpy(at, "ignored", 7);
    CHECK(buffer.empty());
    CHECK(buffer.free_space() >= 16);
}

TEST_CASE("a partial commit keeps only the bytes committed", "[receive_buffer]") {
    ReceiveBuffer buffer;
    char* at = buffer.prepare(8);
    std::memcpy(at, "abcdefgh", 8);
    buffer.commit(3);
    CHECK(buffer.view() == "abc");
}

TEST_CASE("prepare with room to spare writes right after the last commit", "[receive_buffer]") {
    ReceiveBuffer buffer;
    char* first = buffer.prepare(100);
    std::memcpy(first, "abc", 3);
    buffer.commit(3);
    std::size_t free_before = buffer.free_space();
    char* second = buffer.prepare(10);
    CHECK(second == first + 3);
    CHECK(buffer.free_space() == free_before);
}

TEST_CASE("prepare grows the buffer to fit a request larger than its capacity", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, "keep");
    REQUIRE(buffer.prepare(100000) != nullptr);
    CHECK(buffer.free_space() >= 100000);
    CHECK(buffer.view() == "keep");
}

TEST_CASE("consume drops bytes from the front", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, "hello world");
    buffer.consume(6);
    CHECK(buffer.view() == "world");
    buffer.consume(0);
    CHECK(buffer.view() == "world");
}

TEST_CASE("consume of more than is held empties the buffer", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, "abc");
    buffer.consume(1000);
    CHECK(buffer.empty());
    CHECK(buffer.size() == 0);
}

TEST_CASE("consuming everything makes the whole capacity free again", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(1) != nullptr);
    std::size_t capacity = buffer.free_space();
    append(buffer, std::string(100, 'x'));
    CHECK(buffer.free_space() == capacity - 100);
    buffer.consume(100);
    CHECK(buffer.free_space() == capacity);
}

TEST_CASE("clear empties the buffer and keeps its capacity", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, "abc");
    std::size_t capacity = buffer.size() + buffer.free_space();
    buffer.clear();
    CHECK(buffer.empty());
    CHECK(buffer.free_space() == capacity);
}

// --- compaction vs growth ------------------------------------------------------

TEST_CASE("prepare compacts instead of growing when consumed space makes room", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(1) != nullptr);
    const std::size_t capacity = buffer.free_space();
    const char* base = buffer.data();
    std::string fill(capacity, 'a');
    fill.replace(capacity - 10, 10, "0123456789");
    append(buffer, fill);
    REQUIRE(buffer.free_space() == 0);

    buffer.consume(capacity - 10);  // ten live bytes at the very end
    char* at = buffer.prepare(100);

    CHECK(buffer.data() == base);               // slid to the front of the same block
    CHECK(at == base + 10);                     // writing continues after them
    CHECK(buffer.free_space() == capacity - 10);  // and the block did not grow
    CHECK(buffer.view() == "0123456789");
}

TEST_CASE("prepare grows when compaction alone cannot make the room", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(1) != nullptr);
    const std::size_t capacity = buffer.free_space();
    std::string fill;
    for (std::size_t i = 0; i < capacity; ++i) fill += char('a' + i % 26);
    append(buffer, fill);
    buffer.consume(10);

    REQUIRE(buffer.prepare(capacity) != nullptr);

    CHECK(buffer.free_space() >= capacity);
    CHECK(buffer.size() + buffer.free_space() > capacity);
    CHECK(buffer.view() == std::string_view(fill).substr(10));
}

TEST_CASE("a buffer read as fast as it fills does not grow", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(1000) != nullptr);
    const std::size_t capacity = buffer.free_space();
    for (int round = 0; round < 1000; ++round) {
        const char letter = char('a' + round % 26);
        append(buffer, std::string(1000, letter));
        CHECK(buffer.view().back() == letter);
        buffer.consume(buffer.size() - 1);  // one byte lingers into the next round
        CHECK(buffer.size() + buffer.free_space() <= capacity);
    }
    buffer.consume(1);
    CHECK(buffer.free_space() == capacity);
}

TEST_CASE("prepare of zero bytes on a new buffer is not mistaken for running out of memory",
          "[receive_buffer]") {
    // Regression, fixed (was src/core/receive_buffer.cpp:11): with no storage yet, `capacity_ - end_ >=
    // min_free` holds for 0 and prepare returns storage_ + end_, a null
    // pointer, which the contract reserves for "memory runs out".
    ReceiveBuffer buffer;
    CHECK(buffer.prepare(0) != nullptr);
}

// Found by the soak (tools/soak): every socket that had read a message
// larger than a receive chunk kept twice that for life; 2,000 idle
// connections held ~180 MB and the RSS crept for minutes.
TEST_CASE("a buffer that read a large message gives its memory back once a read empties it", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, std::string(1 << 20, 'x'));
    CHECK(buffer.size() + buffer.free_space() >= (1u << 20));
    buffer.consume(1000);
    CHECK(buffer.size() == (1u << 20) - 1000);  // not while it holds data
    CHECK(buffer.view() == std::string((1u << 20) - 1000, 'x'));
    buffer.consume(buffer.size());
    CHECK(buffer.empty());
    CHECK(buffer.free_space() == 0);  // the storage went back
    append(buffer, "abc");            // and comes again when needed
    CHECK(buffer.view() == "abc");
}

TEST_CASE("a buffer of a receive chunk or less keeps its memory when emptied", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(ReceiveBuffer::kIdleCapacity) != nullptr);
    const std::size_t capacity = buffer.free_space();
    REQUIRE(capacity <= ReceiveBuffer::kIdleCapacity);
    append(buffer, std::string(100, 'x'));
    buffer.consume(100);
    CHECK(buffer.free_space() == capacity);  // read after read, no malloc and free each time
}

// --- shrink_if_idle --------------------------------------------------------------

TEST_CASE("shrink_if_idle gives back the memory of an empty buffer above keep", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, std::string(100000, 'x'));
    buffer.consume(100000);
    buffer.shrink_if_idle(4096);
    CHECK(buffer.free_space() == 0);
    CHECK(buffer.empty());
    // and the buffer is usable afterwards
    append(buffer, "again");
    CHECK(buffer.view() == "again");
}

TEST_CASE("shrink_if_idle keeps a buffer that holds data", "[receive_buffer]") {
    ReceiveBuffer buffer;
    append(buffer, std::string(100000, 'x'));
    buffer.consume(99999);
    std::size_t free_before = buffer.free_space();
    buffer.shrink_if_idle(0);
    CHECK(buffer.view() == "x");
    CHECK(buffer.free_space() == free_before);
}

TEST_CASE("shrink_if_idle keeps a capacity at or below keep", "[receive_buffer]") {
    ReceiveBuffer buffer;
    REQUIRE(buffer.prepare(1) != nullptr);
    std::size_t capacity = buffer.free_space();
    buffer.shrink_if_idle(capacity);
    CHECK(buffer.free_space() == capacity);
    buffer.shrink_if_idle(capacity + 1);
    CHECK(buffer.free_space() == capacity);
}

TEST_CASE("shrink_if_idle on a buffer that never allocated is harmless", "[receive_buffer]") {
    ReceiveBuffer buffer;
    buffer.shrink_if_idle(0);
    CHECK(buffer.empty());
    CHECK(buffer.free_space() == 0);
}

// --- find ------------------------------------------------------------------------

TEST_CASE("find_delimiter in an empty buffer finds nothing", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    CHECK(buffer.find("\n") == ReceiveBuffer::npos);
    CHECK(buffer.find("\r\n") == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter with an empty pattern matches where the search starts", "[receive_buffer][find]") {
    ReceiveBuffer empty;
    CHECK(empty.find("") == 0);
    CHECK(empty.find("", 1) == ReceiveBuffer::npos);
    ReceiveBuffer buffer;
    append(buffer, "abc");
    CHECK(buffer.find("", 0) == 0);
    CHECK(buffer.find("", 2) == 2);
    CHECK(buffer.find("", 3) == 3);
    CHECK(buffer.find("", 4) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter finds a pattern at the start", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "\r\nabc");
    CHECK(buffer.find("\r\n") == 0);
}

TEST_CASE("find_delimiter finds a pattern at the very end", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "abc\r\n");
    CHECK(buffer.find("\r\n") == 3);
}

TEST_CASE("find_delimiter finds a pattern that is the whole buffer", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "--boundary--");
    CHECK(buffer.find("--boundary--") == 0);
}

TEST_CASE("find_delimiter returns the first of several matches", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "one\ntwo\nthree\n");
    CHECK(buffer.find("\n") == 3);
    CHECK(buffer.find("\n", 4) == 7);
    CHECK(buffer.find("\n", 8) == 13);
    CHECK(buffer.find("\n", 14) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter from a position after a match's start skips that match", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "xxab");
    CHECK(buffer.find("ab", 2) == 2);
    CHECK(buffer.find("ab", 3) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter from at or past the end finds nothing", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "abc");
    CHECK(buffer.find("c", 3) == ReceiveBuffer::npos);
    CHECK(buffer.find("c", 1000) == ReceiveBuffer::npos);
    CHECK(buffer.find("c", ReceiveBuffer::npos) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter finds aab in aaab", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "aaab");
    CHECK(buffer.find("aab") == 1);
}

TEST_CASE("find_delimiter finds abab after a false start in abaabab", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "abaabab");
    CHECK(buffer.find("abab") == 3);
}

TEST_CASE("find_delimiter finds overlapping abab matches one after another", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "ababab");
    CHECK(buffer.find("abab") == 0);
    CHECK(buffer.find("abab", 1) == 2);
    CHECK(buffer.find("abab", 3) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter with a one-byte pattern", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "hello\n");
    CHECK(buffer.find("h") == 0);
    CHECK(buffer.find("\n") == 5);
    CHECK(buffer.find("z") == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter with a pattern longer than the buffer finds nothing", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "abc");
    CHECK(buffer.find("abcd") == ReceiveBuffer::npos);
    CHECK(buffer.find("bc", 2) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter with a long pattern and near misses before it", "[receive_buffer][find]") {
    std::string pattern;
    for (int i = 0; i < 300; ++i) pattern += char('a' + i % 7);
    std::string near_miss = pattern;
    near_miss.back() = 'z';
    std::string data = std::string(1000, 'a') + near_miss + near_miss.substr(0, 150) + pattern + "tail";
    ReceiveBuffer buffer;
    append(buffer, data);
    CHECK(buffer.find(pattern) == data.find(pattern));
    CHECK(buffer.find(pattern) == 1000 + 300 + 150);
}

TEST_CASE("find_delimiter works on binary data with NULs", "[receive_buffer][find]") {
    const std::string data("a\0b\0\0c\0", 7);
    ReceiveBuffer buffer;
    append(buffer, data);
    CHECK(buffer.size() == 7);
    CHECK(buffer.find(std::string_view("\0", 1)) == 1);
    CHECK(buffer.find(std::string_view("\0\0", 2)) == 3);
    CHECK(buffer.find(std::string_view("\0c\0", 3)) == 4);
    CHECK(buffer.find("c") == 5);
    CHECK(buffer.find(std::string_view("\0\0\0", 3)) == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter sees the buffer from its current front after consume", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "line1\nline2\n");
    buffer.consume(6);
    CHECK(buffer.find("\n") == 5);
}

// --- resuming a search across waits ---------------------------------------------

TEST_CASE("resume_point is where a pattern could first span old and new data", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    CHECK(buffer.resume_point(2) == 0);
    append(buffer, "line one\r");
    CHECK(buffer.resume_point(1) == 9);
    CHECK(buffer.resume_point(2) == 8);  // the '\r' may start "\r\n"
    CHECK(buffer.resume_point(9) == 1);
    CHECK(buffer.resume_point(10) == 0);  // longer than what is held: start over
}

TEST_CASE("find_delimiter finds a pattern spanning the old end from the resume point", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "line one\r");
    REQUIRE(buffer.find("\r\n") == ReceiveBuffer::npos);
    std::size_t resume = buffer.resume_point(2);
    append(buffer, "\nline two");
    CHECK(buffer.find("\r\n", resume) == 8);
}

TEST_CASE("find_delimiter finds aab arriving as aa then ab", "[receive_buffer][find]") {
    CHECK(find_across_pieces({"aa", "ab"}, "aab") == 1);
    CHECK(find_across_pieces({"xaa", "b"}, "aab") == 1);
    CHECK(find_across_pieces({"a", "a", "a", "b"}, "aab") == 1);
}

TEST_CASE("find_delimiter finds a long pattern arriving one byte at a time", "[receive_buffer][find]") {
    const std::string pattern = "--0123456789abcdef--";
    const std::string data = "preamble-" + pattern + "-epilogue";
    std::vector<std::string> bytes;
    for (char c : data) bytes.emplace_back(1, c);
    CHECK(find_across_pieces(bytes, pattern) == 9);
}

TEST_CASE("a resumed search agrees with a search of the whole text at every split", "[receive_buffer][find]") {
    const std::vector<std::string> patterns = {"\n", "\r\n", "aab", "abab", "aaaa", std::string("\0\0", 2), "ab\r\nab"};
    const std::vector<std::string> texts = {
        "aaab", "abaabab", "xx\r\r\nyy", "aaaaaaaaab", std::string("a\0\0b\0", 5), "ab\r\nac ab\r\nab", "no match here",
    };
    for (const std::string& text : texts) {
        for (const std::string& pattern : patterns) {
            for (std::size_t split = 0; split <= text.size(); ++split) {
                for (std::size_t second = split; second <= text.size(); ++second) {
                    std::vector<std::string> pieces = {text.substr(0, split), text.substr(split, second - split),
                                                       text.substr(second)};
                    INFO("text of " << text.size() << " bytes, pattern of " << pattern.size()
                                    << " bytes, pieces end at " << split << " and " << second);
                    std::size_t expected = text.find(pattern);
                    CHECK(find_across_pieces(pieces, pattern) ==
                          (expected == std::string::npos ? ReceiveBuffer::npos : expected));
                }
            }
        }
    }
}

TEST_CASE("find_delimiter finds the end of a 1 MiB line received in 64 KiB pieces", "[receive_buffer][find]") {
    const std::size_t line = 1 << 20;
    std::vector<std::string> pieces(line / 65536, std::string(65536, 'x'));
    pieces.push_back("\r\nnext");
    ReceiveBuffer buffer;
    std::size_t scan_from = 0;
    std::size_t found = ReceiveBuffer::npos;
    for (const std::string& piece : pieces) {
        append(buffer, piece);
        found = buffer.find("\r\n", scan_from);
        if (found != ReceiveBuffer::npos) break;
        std::size_t resume = buffer.resume_point(2);
        CHECK(resume == buffer.size() - 1);  // never rescans what it cleared
        scan_from = resume;
    }
    CHECK(found == line);
    CHECK(buffer.size() == line + 6);
    CHECK(buffer.view().substr(line - 2, 4) == "xx\r\n");
}

// --- the search's policy: memchr for the first byte, memmem after false starts ---

TEST_CASE("find_delimiter agrees with std::string::find on many texts, patterns and starts",
          "[receive_buffer][find]") {
    // Small alphabets make false starts (the first byte matches, the rest
    // does not) common, so both the memchr scan and the memmem hand-over run.
    std::uint32_t x = 7;
    auto next = [&x] {
        x = x * 1103515245u + 12345u;
        return x >> 16;
    };
    for (int round = 0; round < 400; ++round) {
        std::string text, pattern;
        std::size_t text_size = next() % 2000, pattern_size = 1 + next() % 12;
        const char alphabet = char(1 + next() % 3);
        for (std::size_t i = 0; i < text_size; ++i) text += char('a' + next() % alphabet);
        for (std::size_t i = 0; i < pattern_size; ++i) pattern += char('a' + next() % alphabet);
        ReceiveBuffer buffer;
        append(buffer, text);
        for (std::size_t from : {std::size_t(0), std::size_t(1), text_size / 2, text_size}) {
            std::size_t expected = from <= text.size() ? text.find(pattern, from) : std::string::npos;
            INFO("text size " << text_size << ", pattern " << pattern << ", from " << from);
            CHECK(buffer.find(pattern, from) == (expected == std::string::npos ? ReceiveBuffer::npos : expected));
        }
    }
}

TEST_CASE("find_delimiter finds a pattern past more false starts than it allows", "[receive_buffer][find]") {
    // Every 'a' starts "aaaaaaaab" and fails at the last byte: far more than
    // kFalseStartAllowance bytes of comparisons before the match.
    const std::string pattern = "aaaaaaaab";
    const std::string text = std::string(100000, 'a') + "b tail";
    ReceiveBuffer buffer;
    append(buffer, text);
    CHECK(buffer.find(pattern) == 100000 + 1 - pattern.size());
    CHECK(buffer.find(pattern, 50000) == 100000 + 1 - pattern.size());
    CHECK(buffer.find("aaaaaaaac") == ReceiveBuffer::npos);
}

TEST_CASE("find_delimiter finds CRLF after lone CRs", "[receive_buffer][find]") {
    ReceiveBuffer buffer;
    append(buffer, "a\rb\r\rc\r\nd");
    CHECK(buffer.find("\r\n") == 6);
    CHECK(buffer.find("\r\n", 7) == ReceiveBuffer::npos);
}
