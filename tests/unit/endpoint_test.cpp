// Unit tests for zmtp::parse_endpoint and zmtp::endpoint::to_string.
#include "zmtp/endpoint.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

using namespace zmtp_test;
using zmtp::endpoint;
using zmtp::parse_endpoint;
using zmtp::transport;

namespace {

const char* transport_name(transport t)
{
    switch (t) {
    case transport::tcp: return "tcp";
    case transport::ipc: return "ipc";
    case transport::inproc: return "inproc";
    }
    return "?";
}

/// All the fields of an endpoint in one printable string, for comparisons.
/// Long host names and paths are shortened (with their length) to keep messages readable.
std::string describe(const endpoint& e)
{
    auto shorten = [](const std::string& s) {
        if (s.size() <= 64)
            return "'" + s + "'";
        return "'" + s.substr(0, 64) + "...' (" + std::to_string(s.size()) + " chars)";
    };
    return std::string(transport_name(e.transport)) + " host=" + shorten(e.host) +
           " port=" + std::to_string(e.port) + " path=" + shorten(e.path) + " source=" + shorten(e.source_host) + ":"
           + std::to_string(e.source_port);
}

/// An endpoint whose fields are all set to values no parse produces, to check that a failed
/// parse leaves `out` untouched.
endpoint sentinel()
{
    endpoint e;
    e.transport = transport::inproc;
    e.host = "sentinel-host";
    e.port = 4242;
    e.path = "sentinel-path";
    e.source_host = "sentinel-source";
    e.source_port = 4343;
    return e;
}

/// Parses `text` into a fresh sentinel endpoint; `ec` receives the result.
endpoint parse(std::string_view text, std::error_code& ec)
{
    endpoint e = sentinel();
    ec = parse_endpoint(text, e);
    return e;
}

/// Checks that `text` is refused with errc::invalid_endpoint and `out` stays untouched.
void check_refused(std::string_view text)
{
    const std::string label = "endpoint: \"" + std::string(text.substr(0, 100)) +
                              (text.size() > 100 ? "...\"" : "\"") + " (" +
                              std::to_string(text.size()) + " chars)";
    INFO(label);
    std::error_code ec;
    const endpoint e = parse(text, ec);
    CHECK(ec == zmtp::errc::invalid_endpoint);
    CHECK(describe(e) == describe(sentinel()));
}

} // namespace

TEST_CASE("endpoint: tcp with IPv4 address and port")
{
    std::error_code ec;
    const endpoint e = parse("tcp://127.0.0.1:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.host == "127.0.0.1");
    CHECK(e.port == 5555);
    CHECK(e.path.empty());
    CHECK(e.to_string() == "tcp://127.0.0.1:5555");
}

TEST_CASE("endpoint: tcp with any interface (*) as host")
{
    std::error_code ec;
    const endpoint e = parse("tcp://*:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.host == "*");
    CHECK(e.port == 5555);
    CHECK(e.to_string() == "tcp://*:5555");
}

TEST_CASE("endpoint: tcp with * as port is port 0, printed back as *")
{
    std::error_code ec;
    const endpoint e = parse("tcp://127.0.0.1:*", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.host == "127.0.0.1");
    CHECK(e.port == 0);
    CHECK(e.to_string() == "tcp://127.0.0.1:*");

    const endpoint any = parse("tcp://*:*", ec);
    REQUIRE_FALSE(ec);
    CHECK(any.host == "*");
    CHECK(any.port == 0);
    CHECK(any.to_string() == "tcp://*:*");
}

TEST_CASE("endpoint: tcp with bracketed IPv6 address")
{
    std::error_code ec;
    const endpoint e = parse("tcp://[::1]:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.host == "::1");
    CHECK(e.port == 5555);
    CHECK(e.to_string() == "tcp://[::1]:5555");

    const endpoint full = parse("tcp://[2001:db8::42:1]:65535", ec);
    REQUIRE_FALSE(ec);
    CHECK(full.host == "2001:db8::42:1");
    CHECK(full.port == 65535);
    CHECK(full.to_string() == "tcp://[2001:db8::42:1]:65535");

    const endpoint eph = parse("tcp://[::]:*", ec);
    REQUIRE_FALSE(ec);
    CHECK(eph.host == "::");
    CHECK(eph.port == 0);
    CHECK(eph.to_string() == "tcp://[::]:*");
}

TEST_CASE("endpoint: tcp with a host name")
{
    std::error_code ec;
    const endpoint e = parse("tcp://localhost:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.host == "localhost");
    CHECK(e.port == 5555);
    CHECK(e.to_string() == "tcp://localhost:5555");
}

TEST_CASE("endpoint: tcp port bounds 1 and 65535 are accepted")
{
    std::error_code ec;
    const endpoint low = parse("tcp://10.0.0.1:1", ec);
    REQUIRE_FALSE(ec);
    CHECK(low.port == 1);
    const endpoint high = parse("tcp://10.0.0.1:65535", ec);
    REQUIRE_FALSE(ec);
    CHECK(high.port == 65535);
}

TEST_CASE("endpoint: ipc with absolute and relative paths")
{
    std::error_code ec;
    const endpoint abs = parse("ipc:///tmp/a.ipc", ec);
    REQUIRE_FALSE(ec);
    CHECK(abs.transport == transport::ipc);
    CHECK(abs.path == "/tmp/a.ipc");
    CHECK(abs.to_string() == "ipc:///tmp/a.ipc");

    const endpoint rel = parse("ipc://relative.ipc", ec);
    REQUIRE_FALSE(ec);
    CHECK(rel.transport == transport::ipc);
    CHECK(rel.path == "relative.ipc");
    CHECK(rel.to_string() == "ipc://relative.ipc");
}

TEST_CASE("endpoint: tcp with a source before the destination (connect from an address or interface)")
{
    std::error_code ec;
    const endpoint e = parse("tcp://127.0.0.2:0;127.0.0.1:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::tcp);
    CHECK(e.source_host == "127.0.0.2");
    CHECK(e.source_port == 0);
    CHECK(e.host == "127.0.0.1");
    CHECK(e.port == 5555);
    CHECK(e.to_string() == "tcp://127.0.0.2:*;127.0.0.1:5555");

    const endpoint named = parse("tcp://eth1:6000;server1:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(named.source_host == "eth1");
    CHECK(named.source_port == 6000);
    CHECK(named.host == "server1");

    const endpoint v6 = parse("tcp://[::1]:*;[fe80::1]:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(v6.source_host == "::1");
    CHECK(v6.host == "fe80::1");

    const endpoint plain = parse("tcp://127.0.0.1:5555", ec);
    REQUIRE_FALSE(ec);
    CHECK(plain.source_host.empty());
    CHECK(plain.source_port == 0);
}

TEST_CASE("endpoint: ipc in the abstract namespace (@name)")
{
    std::error_code ec;
    const endpoint e = parse("ipc://@zmtp-abstract", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::ipc);
    CHECK(e.path == "@zmtp-abstract");
    CHECK(e.abstract_ipc());
    CHECK(e.to_string() == "ipc://@zmtp-abstract");
    CHECK_FALSE(parse("ipc:///tmp/@x", ec).abstract_ipc());
    CHECK_FALSE(parse("inproc://@x", ec).abstract_ipc());
}

TEST_CASE("endpoint: inproc name")
{
    std::error_code ec;
    const endpoint e = parse("inproc://name", ec);
    REQUIRE_FALSE(ec);
    CHECK(e.transport == transport::inproc);
    CHECK(e.path == "name");
    CHECK(e.to_string() == "inproc://name");
}

TEST_CASE("endpoint: to_string round trips through parse_endpoint")
{
    const char* const texts[] = {
        "tcp://127.0.0.1:5555", "tcp://*:5555",       "tcp://127.0.0.1:*", "tcp://[::1]:5555",
        "tcp://[::]:*",         "tcp://localhost:80", "ipc:///tmp/a.ipc",  "ipc://relative.ipc",
        "inproc://name",        "inproc://a:b/c",     "ipc://@abstract",   "tcp://127.0.0.2:*;127.0.0.1:5555",
        "tcp://eth1:6000;server1:5555", "tcp://[::1]:*;[::1]:5555",
    };
    for (const char* text : texts) {
        CAPTURE(text);
        std::error_code ec;
        const endpoint first = parse(text, ec);
        REQUIRE_FALSE(ec);
        CHECK(first.to_string() == text);
        const endpoint second = parse(first.to_string(), ec);
        REQUIRE_FALSE(ec);
        CHECK(describe(second) == describe(first));
    }
}

TEST_CASE("endpoint: to_string of hand-built endpoints")
{
    endpoint v6;
    v6.transport = transport::tcp;
    v6.host = "fe80::1";
    v6.port = 0;
    CHECK(v6.to_string() == "tcp://[fe80::1]:*");

    endpoint v4;
    v4.transport = transport::tcp;
    v4.host = "192.168.1.2";
    v4.port = 65535;
    CHECK(v4.to_string() == "tcp://192.168.1.2:65535");

    endpoint ipc;
    ipc.transport = transport::ipc;
    ipc.path = "/run/x";
    CHECK(ipc.to_string() == "ipc:///run/x");

    endpoint inproc;
    inproc.transport = transport::inproc;
    inproc.path = "q";
    CHECK(inproc.to_string() == "inproc://q");
}

TEST_CASE("endpoint: missing or unknown scheme is refused")
{
    check_refused("");
    check_refused("127.0.0.1:5555");
    check_refused("tcp:/127.0.0.1:5555");
    check_refused("tcp:127.0.0.1:5555");
    check_refused("://127.0.0.1:5555");
    check_refused("udp://127.0.0.1:5555");
    check_refused("pgm://eth0;239.192.1.1:5555");
    check_refused("tcpx://127.0.0.1:5555");
    check_refused(" tcp://127.0.0.1:5555");
}

TEST_CASE("endpoint: tcp without a port is refused")
{
    check_refused("tcp://127.0.0.1");
    check_refused("tcp://127.0.0.1:");
    check_refused("tcp://localhost");
    check_refused("tcp://[::1]");
    check_refused("tcp://[::1]:");
    check_refused("tcp://");
}

TEST_CASE("endpoint: malformed or out-of-range tcp port is refused")
{
    check_refused("tcp://127.0.0.1:65536");
    check_refused("tcp://127.0.0.1:0x10000");
    check_refused("tcp://127.0.0.1:99999");
    check_refused("tcp://127.0.0.1:4294967296");           // overflows 32 bits
    check_refused("tcp://127.0.0.1:18446744073709551617"); // overflows 64 bits
    check_refused("tcp://127.0.0.1:abc");
    check_refused("tcp://127.0.0.1:5555x");
    check_refused("tcp://127.0.0.1:x5555");
    check_refused("tcp://127.0.0.1:-1");
    check_refused("tcp://127.0.0.1:+5555");
    check_refused("tcp://127.0.0.1: 5555");
    check_refused("tcp://127.0.0.1:5555 ");
    check_refused("tcp://127.0.0.1:5555/");
    check_refused("tcp://127.0.0.1:**");
    check_refused("tcp://[::1]:65536");
}

TEST_CASE("endpoint: empty tcp host is refused")
{
    check_refused("tcp://:5555");
    check_refused("tcp://[]:5555");
    check_refused("tcp://:*");
}

TEST_CASE("endpoint: unbracketed or badly bracketed IPv6 is refused")
{
    check_refused("tcp://::1:5555");
    check_refused("tcp://::1");
    check_refused("tcp://2001:db8::1:80");
    check_refused("tcp://[::1:5555");
    check_refused("tcp://::1]:5555");
}

TEST_CASE("endpoint: tcp host with an unbalanced bracket is refused")
{
    // A host that opens a bracket and never closes it (or the reverse) is malformed.
    check_refused("tcp://[localhost:5555");
    check_refused("tcp://localhost]:5555");
    check_refused("tcp://[:5555");
    check_refused("tcp://]:5555");
    check_refused("tcp://[" + std::string(1 << 20, 'a') + ":5555");
}

TEST_CASE("endpoint: ipc path length limit (107 accepted, 108 refused) and empty path")
{
    check_refused("ipc://");

    const std::string path107(107, 'p');
    std::error_code ec;
    const endpoint ok = parse("ipc://" + path107, ec);
    REQUIRE_FALSE(ec);
    CHECK(ok.transport == transport::ipc);
    CHECK(ok.path == path107);
    CHECK(ok.to_string() == "ipc://" + path107);

    const std::string abs107 = "/" + std::string(106, 'a');
    const endpoint ok_abs = parse("ipc://" + abs107, ec);
    REQUIRE_FALSE(ec);
    CHECK(ok_abs.path == abs107);

    check_refused("ipc://" + std::string(108, 'p'));
    check_refused("ipc://" + std::string(200, 'p'));
    check_refused("ipc:///" + std::string(107, 'a'));
}

TEST_CASE("endpoint: empty inproc name is refused")
{
    check_refused("inproc://");
}

TEST_CASE("endpoint: huge inputs never crash")
{
    const std::string big(1 << 20, 'a');
    const std::string big_digits(1 << 20, '9');
    const std::string big_colons(1 << 20, ':');

    // Clearly malformed, whatever the length.
    check_refused(big);
    check_refused("udp://" + big);
    check_refused("tcp://" + big);                            // no port
    check_refused("tcp://127.0.0.1:" + big_digits);           // port far out of range
    check_refused("tcp://" + big_colons);                     // colons, empty host
    check_refused("tcp://" + big_colons + "5555");            // unbracketed
    check_refused("ipc://" + big);                            // path too long
    check_refused(std::string(1 << 20, '/') + "://x");        // unknown scheme
    check_refused(big_colons + "//" + big);                   // a scheme of colons

    // Long but possibly acceptable: either result is fine, but no crash and, on error, the
    // right code and `out` untouched.
    const std::string maybe[] = {"tcp://" + big + ":5555", "inproc://" + big,
                                 "tcp://[" + big_colons + "]:5555"};
    for (const std::string& text : maybe) {
        std::error_code ec;
        const endpoint e = parse(text, ec);
        if (ec) {
            CHECK(ec == zmtp::errc::invalid_endpoint);
            CHECK(describe(e) == describe(sentinel()));
        } else {
            CHECK_FALSE(e.to_string().empty());
        }
    }
}

TEST_CASE("endpoint: every byte value in every position never crashes")
{
    // Each single-byte mutation of a valid endpoint: parse must return either success or
    // invalid_endpoint, and leave `out` untouched on failure.
    const std::string bases[] = {"tcp://127.0.0.1:5555", "tcp://[::1]:5555", "ipc:///tmp/a.ipc",
                                 "inproc://name"};
    for (const std::string& base : bases) {
        for (std::size_t i = 0; i < base.size(); ++i) {
            for (int b = 0; b < 256; ++b) {
                std::string text = base;
                text[i] = static_cast<char>(b);
                std::error_code ec;
                const endpoint e = parse(text, ec);
                if (ec) {
                    CHECK(ec == zmtp::errc::invalid_endpoint);
                    CHECK(describe(e) == describe(sentinel()));
                }
            }
            // Truncation at i.
            std::error_code ec;
            const endpoint e = parse(std::string_view(base).substr(0, i), ec);
            if (ec)
                CHECK(describe(e) == describe(sentinel()));
        }
    }
}

TEST_CASE("endpoint: a failed parse leaves a previously parsed endpoint untouched")
{
    endpoint e;
    REQUIRE_FALSE(parse_endpoint("tcp://[::1]:5555", e));
    const std::string before = describe(e);
    CHECK(parse_endpoint("tcp://127.0.0.1:abc", e) == zmtp::errc::invalid_endpoint);
    CHECK(parse_endpoint("inproc://", e) == zmtp::errc::invalid_endpoint);
    CHECK(parse_endpoint("ipc://", e) == zmtp::errc::invalid_endpoint);
    CHECK(describe(e) == before);

    // A successful parse replaces every field (no leftovers from the previous value).
    REQUIRE_FALSE(parse_endpoint("inproc://x", e));
    CHECK(e.transport == transport::inproc);
    CHECK(e.path == "x");
    CHECK(e.host.empty());
    CHECK(e.port == 0);
}

// --- reasons and describe_endpoint_error --------------------------------------------

namespace {

/// The reason parse_endpoint gives for `text` (which it must refuse).
std::string reason(std::string_view text)
{
    endpoint e = sentinel();
    std::string why;
    CHECK(parse_endpoint(text, e, why) == zmtp::errc::invalid_endpoint);
    CHECK(describe(e) == describe(sentinel()));
    return why;
}

} // namespace

TEST_CASE("endpoint: the reason overload leaves why untouched on success")
{
    endpoint e;
    std::string why = "untouched";
    CHECK_FALSE(parse_endpoint("tcp://127.0.0.1:5555", e, why));
    CHECK(why == "untouched");
    CHECK(e.port == 5555);
}

TEST_CASE("endpoint: each refusal has its reason")
{
    CHECK(reason("") == "missing transport (tcp://, ipc:// or inproc://)");
    CHECK(reason("127.0.0.1:5555") == "missing transport (tcp://, ipc:// or inproc://)");
    CHECK(reason("://x") == "missing transport (tcp://, ipc:// or inproc://)");
    CHECK(reason("foo://x") == "unknown transport 'foo' (tcp, ipc, inproc)");
    CHECK(reason("tcp://127.0.0.1") == "missing port");
    CHECK(reason("tcp://127.0.0.1:") == "missing port");
    CHECK(reason("tcp://[::1]:") == "missing port");
    CHECK(reason("tcp://127.0.0.1:99999") == "port must be 1..65535, * or 0");
    CHECK(reason("tcp://127.0.0.1:abc") == "port must be 1..65535, * or 0");
    CHECK(reason("tcp://127.0.0.1:-1") == "port must be 1..65535, * or 0");
    CHECK(reason("tcp://:5555") == "missing host");
    CHECK(reason("tcp://[]:5555") == "missing host");
    CHECK(reason("tcp://::1:5555") == "an IPv6 address needs brackets, e.g. tcp://[::1]:5555");
    CHECK(reason("tcp://[localhost:5555") == "unbalanced '[' or ']' in host");
    CHECK(reason("tcp://" + std::string(254, 'h') + ":5555") == "host longer than 253 characters");
    CHECK(reason("ipc://") == "missing ipc path");
    CHECK(reason("ipc://" + std::string(108, 'p')) == "ipc path longer than 107 bytes");
    CHECK(reason("inproc://") == "missing inproc name");
    CHECK(reason("tcp://127.0.0.1;127.0.0.1:5555") == "source: missing port");
    CHECK(reason("tcp://;127.0.0.1:5555") == "source: missing port");
    CHECK(reason("tcp://:0;127.0.0.1:5555") == "source: missing host");
    CHECK(reason("tcp://127.0.0.1:99999;127.0.0.1:5555") == "source: port must be 1..65535, * or 0");
    CHECK(reason("tcp://127.0.0.1:0;127.0.0.1") == "missing port");
    CHECK(reason("tcp://127.0.0.1:0;127.0.0.1:*") == "a source is for connect, which needs a destination port 1..65535");
    CHECK(reason("tcp://a:1;b:2;c:3") == "an IPv6 address needs brackets, e.g. tcp://[::1]:5555");
}

TEST_CASE("endpoint: describe_endpoint_error names the endpoint and the precise reason")
{
    using zmtp::describe_endpoint_error;
    const std::error_code invalid = zmtp::errc::invalid_endpoint;
    CHECK(describe_endpoint_error("tcp://127.0.0.1:99999", invalid)
          == "tcp://127.0.0.1:99999: port must be 1..65535, * or 0");
    CHECK(describe_endpoint_error("foo://x", invalid) == "foo://x: unknown transport 'foo' (tcp, ipc, inproc)");
    CHECK(describe_endpoint_error("tcp://localhost", invalid) == "tcp://localhost: missing port");
    CHECK(describe_endpoint_error("ipc://" + std::string(108, 'p'), invalid)
          == "ipc://" + std::string(108, 'p') + ": ipc path longer than 107 bytes");
    CHECK(describe_endpoint_error("", invalid) == "(empty endpoint): missing transport (tcp://, ipc:// or inproc://)");

    // A valid endpoint refused as invalid: connect to an ephemeral port.
    CHECK(describe_endpoint_error("tcp://127.0.0.1:*", invalid)
          == "tcp://127.0.0.1:*: connect needs a port 1..65535 (* and 0 are for bind)");
    CHECK(describe_endpoint_error("inproc://x", invalid) == "inproc://x: invalid endpoint");
    // A valid endpoint refused as invalid: bind with a source.
    CHECK(describe_endpoint_error("tcp://127.0.0.2:0;127.0.0.1:5555", invalid)
          == "tcp://127.0.0.2:0;127.0.0.1:5555: bind takes no source (source;destination is for connect)");

    // Errors other than parsing: the endpoint and the error's own message.
    CHECK(describe_endpoint_error("tcp://127.0.0.1:5555", std::make_error_code(std::errc::address_in_use))
          == "tcp://127.0.0.1:5555: " + std::make_error_code(std::errc::address_in_use).message());
    CHECK(describe_endpoint_error("ipc:///root/x", std::make_error_code(std::errc::permission_denied))
          == "ipc:///root/x: " + std::make_error_code(std::errc::permission_denied).message());
    CHECK(describe_endpoint_error("inproc://x", zmtp::errc::address_in_use)
          == "inproc://x: " + std::error_code(zmtp::errc::address_in_use).message());
    CHECK(describe_endpoint_error("tcp://eth9:5555", std::make_error_code(std::errc::no_such_device))
          == "tcp://eth9:5555: no interface or host named 'eth9'");
    CHECK(describe_endpoint_error("tcp://[::1]:5555", std::make_error_code(std::errc::no_such_device))
          == "tcp://[::1]:5555: no interface or host named '::1'");
    CHECK(describe_endpoint_error("ipc:///x", std::make_error_code(std::errc::no_such_device))
          == "ipc:///x: " + std::make_error_code(std::errc::no_such_device).message());

    // No error: just the endpoint.
    CHECK(describe_endpoint_error("tcp://127.0.0.1:5555", {}) == "tcp://127.0.0.1:5555");
}

TEST_CASE("endpoint: describe_endpoint_error keeps to one short line")
{
    using zmtp::describe_endpoint_error;
    const std::error_code invalid = zmtp::errc::invalid_endpoint;
    CHECK(describe_endpoint_error("tcp://a\nb:5555", std::make_error_code(std::errc::no_such_device))
          == "tcp://a\\x0ab:5555: no interface or host named 'a\\x0ab'");
    CHECK(describe_endpoint_error("x\x7f://y", invalid) == "x\\x7f://y: unknown transport 'x\\x7f' (tcp, ipc, inproc)");

    const std::string big = "tcp://" + std::string(1 << 20, 'a');
    const std::string message = describe_endpoint_error(big, invalid);
    CHECK(message == big.substr(0, 200) + "... (1048582 bytes): missing port");

    const std::string scheme(1000, 's');
    CHECK(describe_endpoint_error(scheme + "://x", invalid)
          == std::string(200, 's') + "... (1004 bytes): unknown transport '" + std::string(200, 's')
                 + "... (1000 bytes)' (tcp, ipc, inproc)");
}
