// Unit tests for ZMQ_TCP_ACCEPT_FILTER's parsing and matching (runtime/accept_filter.hpp).
#include "runtime/accept_filter.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using zmtp::detail::admitted;
using zmtp::detail::parse_accept_filter;

namespace {

asio::ip::address ip(const char* text)
{
    return asio::ip::make_address(text);
}

} // namespace

TEST_CASE("accept filter: an address alone or a CIDR block, IPv4 or IPv6")
{
    const auto v4 = parse_accept_filter("10.1.2.3");
    REQUIRE(v4);
    CHECK(v4->address == ip("10.1.2.3"));
    CHECK(v4->prefix_bits == 32);
    const auto block = parse_accept_filter("10.0.0.0/8");
    REQUIRE(block);
    CHECK(block->prefix_bits == 8);
    const auto v6 = parse_accept_filter("fe80::/10");
    REQUIRE(v6);
    CHECK(v6->address == ip("fe80::"));
    CHECK(v6->prefix_bits == 10);
    CHECK(parse_accept_filter("::1")->prefix_bits == 128);
    CHECK(parse_accept_filter("0.0.0.0/0")->prefix_bits == 0);
    CHECK(parse_accept_filter("::/128"));

    for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x",
                            "10.0.0", "localhost", "10.0.0.0 /8", "fe80::1%1", "[::1]", "10.0.0.0/8/8"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_accept_filter(bad));
    }
}

TEST_CASE("accept filter: a peer matches on the prefix bits, across a byte boundary too")
{
    const auto block = parse_accept_filter("192.168.64.0/18");
    REQUIRE(block);
    CHECK(block->matches(ip("192.168.64.0")));
    CHECK(block->matches(ip("192.168.127.255")));
    CHECK_FALSE(block->matches(ip("192.168.128.0")));
    CHECK_FALSE(block->matches(ip("192.168.63.255")));
    CHECK_FALSE(block->matches(ip("::ffff:192.168.0.1")));

    const auto single = parse_accept_filter("127.0.0.2");
    REQUIRE(single);
    CHECK(single->matches(ip("127.0.0.2")));
    CHECK_FALSE(single->matches(ip("127.0.0.3")));
    CHECK(single->matches(ip("::ffff:127.0.0.2"))); // an IPv4 peer on an IPv6 socket
    CHECK_FALSE(single->matches(ip("::1")));

    const auto v6 = parse_accept_filter("fe80::/10");
    REQUIRE(v6);
    CHECK(v6->matches(ip("fe80::1")));
    CHECK(v6->matches(ip("febf::1")));
    CHECK_FALSE(v6->matches(ip("fec0::1")));
    CHECK_FALSE(v6->matches(ip("127.0.0.1")));

    CHECK(parse_accept_filter("0.0.0.0/0")->matches(ip("203.0.113.9")));
    CHECK_FALSE(parse_accept_filter("0.0.0.0/0")->matches(ip("2001:db8::1")));
}

TEST_CASE("accept filter: no filters admit every peer, else one must match")
{
    CHECK(admitted({}, ip("203.0.113.9")));
    CHECK(admitted({}, ip("::1")));
    const std::vector<std::string> filters{"10.0.0.0/8", "::1"};
    CHECK(admitted(filters, ip("10.200.0.1")));
    CHECK(admitted(filters, ip("::1")));
    CHECK_FALSE(admitted(filters, ip("11.0.0.1")));
    CHECK_FALSE(admitted(filters, ip("::2")));
}
