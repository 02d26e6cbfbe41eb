// name_lookup: "unix:" targets, the numeric fast path that never asks the
// resolver, and what reaches the resolver (hints, null host/service) and
// comes back (family filter, one entry per address, order kept).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/name_lookup.hpp"
#include "fake_os.hpp"

using lsock::Address;
using lsock::Family;
using lsock::LookupRequest;
using lsock::ResolveError;
using lsock::ResolvedAddress;
using lsock::SocketType;
using lsock::test::FakeOs;

namespace {

ResolvedAddress entry(const char* ip, std::uint16_t port, SocketType type = SocketType::Stream) {
    ResolvedAddress resolved;
    resolved.address = *Address::parse_ip(ip, port);
    resolved.family = resolved.address.family;
    resolved.type = type;
    return resolved;
}

std::vector<std::string> texts(const std::vector<Address>& addresses) {
    std::vector<std::string> out;
    for (const Address& address : addresses) out.push_back(address.to_string());
    return out;
}

LookupRequest request(const char* host, const char* service, Family family = Family::Unspec, bool passive = false,
                      SocketType type = SocketType::Stream) {
    LookupRequest r;
    r.host = host;
    r.service = service;
    r.family = family;
    r.passive = passive;
    r.type = type;
    return r;
}

using Texts = std::vector<std::string>;

}  // namespace

// --- parse_unix_target ---------------------------------------------------------

TEST_CASE("parse_unix_target takes the path after unix:", "[name_lookup][unix]") {
    std::string path;
    CHECK(lsock::parse_unix_target("unix:/tmp/lsock.sock", &path));
    CHECK(path == "/tmp/lsock.sock");
    CHECK(lsock::parse_unix_target("unix:relative/sock", &path));
    CHECK(path == "relative/sock");
}

TEST_CASE("parse_unix_target accepts unix: with an empty path", "[name_lookup][unix]") {
    std::string path = "before";
    CHECK(lsock::parse_unix_target("unix:", &path));
    CHECK(path.empty());
}

TEST_CASE("parse_unix_target refuses anything else and leaves the path alone", "[name_lookup][unix]") {
    for (const char* text : {"/tmp/lsock.sock", "UNIX:/tmp/x", "unix", "unix/tmp/x", " unix:/tmp/x", "tcp:unix:/x",
                             "", "localhost"}) {
        INFO('"' << text << '"');
        std::string path = "untouched";
        CHECK_FALSE(lsock::parse_unix_target(text, &path));
        CHECK(path == "untouched");
    }
}

// --- the numeric fast path -------------------------------------------------------

TEST_CASE("lookup_addresses answers a numeric IPv4 host without the resolver", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "80"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"10.0.0.1:80"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses answers a numeric IPv6 host with a zone without the resolver", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("fe80::1%2", "443"), &out) == ResolveError::None);
    REQUIRE(out.size() == 1);
    CHECK(out[0].family == Family::Inet6);
    CHECK(out[0].scope_id == 2);
    CHECK(out[0].port == 443);
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses reads the port numbers 0 and 65535", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("::1", "0"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"[::1]:0"});
    CHECK(lsock::lookup_addresses(os, request("::1", "65535"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"[::1]:65535"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses refuses a numeric host of the wrong family", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "80", Family::Inet6), &out) == ResolveError::BadFamily);
    CHECK(out.empty());
    CHECK(lsock::lookup_addresses(os, request("::1", "80", Family::Inet), &out) == ResolveError::BadFamily);
    CHECK(out.empty());
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses accepts a numeric host of the requested family", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "80", Family::Inet), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"10.0.0.1:80"});
    CHECK(lsock::lookup_addresses(os, request("::1", "80", Family::Inet6), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"[::1]:80"});
}

TEST_CASE("lookup_addresses answers * with the IPv4 any address", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("*", "8080", Family::Unspec, true), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"0.0.0.0:8080"});
    CHECK(lsock::lookup_addresses(os, request("*", "8080", Family::Inet, true), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"0.0.0.0:8080"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses answers * on an IPv6 socket with ::", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("*", "8080", Family::Inet6, true), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"[::]:8080"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses answers a passive empty host with the any address", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("", "0", Family::Unspec, true), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"0.0.0.0:0"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup_addresses empties the output before answering", "[name_lookup]") {
    FakeOs os;
    std::vector<Address> out = {Address::inet({9, 9, 9, 9}, 9)};
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "80"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"10.0.0.1:80"});
    out = {Address::inet({9, 9, 9, 9}, 9)};
    os.resolve_error = ResolveError::NotFound;
    CHECK(lsock::lookup_addresses(os, request("nowhere.invalid", "80"), &out) == ResolveError::NotFound);
    CHECK(out.empty());
}

// --- the resolver path -------------------------------------------------------------

TEST_CASE("lookup_addresses sends a name to the resolver with the request's hints", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("10.0.0.7", 80), entry("10.0.0.8", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("www.example", "http", Family::Unspec, false, SocketType::Datagram),
                                  &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    const FakeOs::ResolveCall& call = os.resolves[0];
    CHECK(call.host == std::optional<std::string>("www.example"));
    CHECK(call.service == std::optional<std::string>("http"));
    CHECK(call.hints.family == Family::Unspec);
    CHECK(call.hints.type == SocketType::Datagram);
    CHECK((call.hints.flags & lsock::kResolvePassive) == 0);
    CHECK(texts(out) == Texts{"10.0.0.7:80", "10.0.0.8:80"});
}

TEST_CASE("lookup_addresses sends a name with a numeric port to the resolver", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("127.0.0.1", 8080)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("localhost", "8080"), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK(os.resolves[0].host == std::optional<std::string>("localhost"));
    CHECK(os.resolves[0].service == std::optional<std::string>("8080"));
    CHECK(texts(out) == Texts{"127.0.0.1:8080"});
}

TEST_CASE("lookup_addresses sends a numeric host with a named service to the resolver", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("10.0.0.1", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "http"), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK(os.resolves[0].host == std::optional<std::string>("10.0.0.1"));
    CHECK(texts(out) == Texts{"10.0.0.1:80"});
}

// A resolver may cut a number to 16 bits (glibc: "65617" is port 81), so
// the core refuses it, the same on every kernel, before asking one.
TEST_CASE("lookup refuses a numeric service above 65535 without asking the resolver", "[name_lookup][resolver]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "65536"), &out) == ResolveError::BadService);
    CHECK(lsock::lookup_addresses(os, request("somehost", "65617"), &out) == ResolveError::BadService);
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "99999999999999999999"), &out) == ResolveError::BadService);
    CHECK(os.resolves.empty());
    CHECK(lsock::lookup_addresses(os, request("10.0.0.1", "000080"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"10.0.0.1:80"});
}

TEST_CASE("lookup_addresses passes the passive flag and a null host for *", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("::", 80), entry("0.0.0.0", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("*", "http", Family::Unspec, true), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK_FALSE(os.resolves[0].host.has_value());
    CHECK(os.resolves[0].service == std::optional<std::string>("http"));
    CHECK((os.resolves[0].hints.flags & lsock::kResolvePassive) != 0);
    CHECK(texts(out) == Texts{"[::]:80", "0.0.0.0:80"});
}

TEST_CASE("lookup_addresses sends an empty active host as null for the loopback", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("::1", 80), entry("127.0.0.1", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("", "80"), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK_FALSE(os.resolves[0].host.has_value());
    CHECK(os.resolves[0].service == std::optional<std::string>("80"));
    CHECK((os.resolves[0].hints.flags & lsock::kResolvePassive) == 0);
    CHECK(texts(out) == Texts{"[::1]:80", "127.0.0.1:80"});
}

TEST_CASE("lookup_addresses sends an empty service as null", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("10.0.0.1", 0)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("host.example", ""), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK_FALSE(os.resolves[0].service.has_value());
}

TEST_CASE("lookup_addresses keeps only the requested family", "[name_lookup][resolver]") {
    FakeOs os;
    // A resolver may ignore the family hint (or map addresses); the core filters anyway.
    os.resolve_answer = {entry("2001:db8::1", 80), entry("10.0.0.1", 80), entry("2001:db8::2", 80),
                         entry("10.0.0.2", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("dual.example", "80", Family::Inet), &out) == ResolveError::None);
    CHECK(os.resolves.at(0).hints.family == Family::Inet);
    CHECK(texts(out) == Texts{"10.0.0.1:80", "10.0.0.2:80"});
    CHECK(lsock::lookup_addresses(os, request("dual.example", "80", Family::Inet6), &out) == ResolveError::None);
    CHECK(os.resolves.at(1).hints.family == Family::Inet6);
    CHECK(texts(out) == Texts{"[2001:db8::1]:80", "[2001:db8::2]:80"});
}

TEST_CASE("lookup_addresses keeps the resolver's order across families", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("2001:db8::1", 80), entry("10.0.0.1", 80), entry("2001:db8::2", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("dual.example", "80"), &out) == ResolveError::None);
    CHECK(texts(out) == Texts{"[2001:db8::1]:80", "10.0.0.1:80", "[2001:db8::2]:80"});
}

TEST_CASE("lookup_addresses lists each address once when the resolver repeats it per socket type",
          "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("10.0.0.1", 80, SocketType::Stream), entry("10.0.0.1", 80, SocketType::Datagram),
                         entry("10.0.0.1", 80, SocketType::Raw), entry("10.0.0.2", 80, SocketType::Stream),
                         entry("10.0.0.1", 80, SocketType::Stream)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("multi.example", "80", Family::Unspec, false, SocketType::Any), &out) ==
          ResolveError::None);
    CHECK(texts(out) == Texts{"10.0.0.1:80", "10.0.0.2:80"});
}

TEST_CASE("lookup_addresses reports NotFound when the family filter leaves nothing", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("2001:db8::1", 80)};
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("v6only.example", "80", Family::Inet), &out) == ResolveError::NotFound);
    CHECK(out.empty());
}

TEST_CASE("lookup_addresses reports NotFound for an empty answer", "[name_lookup][resolver]") {
    FakeOs os;
    std::vector<Address> out;
    CHECK(lsock::lookup_addresses(os, request("empty.example", "80"), &out) == ResolveError::NotFound);
    CHECK(out.empty());
}

TEST_CASE("lookup_addresses passes the resolver's error through", "[name_lookup][resolver]") {
    for (ResolveError error : {ResolveError::NotFound, ResolveError::TryAgain, ResolveError::BadFamily,
                               ResolveError::Memory, ResolveError::Failed}) {
        FakeOs os;
        os.resolve_error = error;
        os.resolve_answer = {entry("10.0.0.1", 80)};  // ignored on error
        std::vector<Address> out;
        CHECK(lsock::lookup_addresses(os, request("broken.example", "80"), &out) == error);
        CHECK(out.empty());
    }
}

// --- lookup: the one function every face goes through --------------------------

namespace {

lsock::LookupQuery endpoint(const char* host, std::uint16_t port, Family family = Family::Inet) {
    lsock::LookupQuery q;
    q.host_kind = lsock::LookupHost::Named;
    q.host = host;
    q.port_given = true;
    q.port = port;
    q.family = family;
    q.type = SocketType::Stream;
    return q;
}

}  // namespace

TEST_CASE("lookup names a numeric host after itself when asked for the canonical name", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<ResolvedAddress> out;
    lsock::LookupQuery q = endpoint("123.124.125.126", 1234);
    q.flags = lsock::kResolveCanonName;
    CHECK(lsock::lookup(os, q, &out) == ResolveError::None);
    CHECK(os.resolves.empty());
    REQUIRE(out.size() == 1);
    CHECK(out[0].canonical_name == "123.124.125.126");
    CHECK(out[0].address.to_string() == "123.124.125.126:1234");
    CHECK(out[0].protocol == 6);
    q.flags = 0;
    CHECK(lsock::lookup(os, q, &out) == ResolveError::None);
    CHECK(out[0].canonical_name.empty());
}

TEST_CASE("lookup answers Any and Loopback without the resolver", "[name_lookup][numeric]") {
    FakeOs os;
    std::vector<ResolvedAddress> out;
    lsock::LookupQuery q = endpoint("", 80, Family::Inet6);
    q.host_kind = lsock::LookupHost::Any;
    CHECK(lsock::lookup(os, q, &out) == ResolveError::None);
    CHECK(texts({out[0].address}) == Texts{"[::]:80"});
    q.host_kind = lsock::LookupHost::Loopback;
    CHECK(lsock::lookup(os, q, &out) == ResolveError::None);
    CHECK(texts({out[0].address}) == Texts{"[::1]:80"});
    CHECK(os.resolves.empty());
}

TEST_CASE("lookup sets a port it was given on the resolver's answers and asks no service", "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("10.0.0.7", 0)};
    std::vector<ResolvedAddress> out;
    CHECK(lsock::lookup(os, endpoint("host.example", 8080), &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK_FALSE(os.resolves[0].service.has_value());
    CHECK(out[0].address.port == 8080);
}

TEST_CASE("lookup in Resolver mode hands a numeric host to the resolver and keeps its answers as they are",
          "[name_lookup][resolver]") {
    FakeOs os;
    os.resolve_answer = {entry("127.0.0.1", 80, SocketType::Stream), entry("127.0.0.1", 80, SocketType::Datagram)};
    os.resolve_answer[0].protocol = 0;
    lsock::LookupQuery q;
    q.mode = lsock::LookupMode::Resolver;
    q.host = "127.0.0.1";
    q.service = "80";
    std::vector<ResolvedAddress> out;
    CHECK(lsock::lookup(os, q, &out) == ResolveError::None);
    REQUIRE(os.resolves.size() == 1);
    CHECK(os.resolves[0].service == std::optional<std::string>("80"));
    REQUIRE(out.size() == 2);
    CHECK(out[0].protocol == 0);  // not filled in: getaddrinfo shows the resolver's answer
}
