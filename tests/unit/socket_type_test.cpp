// Unit tests for zmtp::socket_type: wire names and the ZMTP compatibility table.
#include "zmtp/socket_type.hpp"

#include <doctest/doctest.h>

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <utility>

using zmtp::socket_type;

namespace {

constexpr std::array<std::pair<socket_type, std::string_view>, 11> all_types{{
    {socket_type::pair, "PAIR"},
    {socket_type::pub, "PUB"},
    {socket_type::sub, "SUB"},
    {socket_type::req, "REQ"},
    {socket_type::rep, "REP"},
    {socket_type::dealer, "DEALER"},
    {socket_type::router, "ROUTER"},
    {socket_type::pull, "PULL"},
    {socket_type::push, "PUSH"},
    {socket_type::xpub, "XPUB"},
    {socket_type::xsub, "XSUB"},
}};

/// The compatible pairs of ZMTP-FACTS section 4, written out independently of the library:
/// REQ: REP, ROUTER · REP: REQ, DEALER · DEALER: REP, DEALER, ROUTER ·
/// ROUTER: REQ, DEALER, ROUTER · PUB/XPUB: SUB, XSUB · SUB/XSUB: PUB, XPUB ·
/// PUSH: PULL · PULL: PUSH · PAIR: PAIR.
const std::set<std::pair<std::string_view, std::string_view>>& compatible_pairs()
{
    static const std::set<std::pair<std::string_view, std::string_view>> pairs{
        {"REQ", "REP"},       {"REQ", "ROUTER"},
        {"REP", "REQ"},       {"REP", "DEALER"},
        {"DEALER", "REP"},    {"DEALER", "DEALER"}, {"DEALER", "ROUTER"},
        {"ROUTER", "REQ"},    {"ROUTER", "DEALER"}, {"ROUTER", "ROUTER"},
        {"PUB", "SUB"},       {"PUB", "XSUB"},
        {"XPUB", "SUB"},      {"XPUB", "XSUB"},
        {"SUB", "PUB"},       {"SUB", "XPUB"},
        {"XSUB", "PUB"},      {"XSUB", "XPUB"},
        {"PUSH", "PULL"},
        {"PULL", "PUSH"},
        {"PAIR", "PAIR"},
    };
    return pairs;
}

} // namespace

TEST_CASE("socket_type: names round trip")
{
    for (const auto& entry : all_types) {
        const socket_type type = entry.first;
        const std::string_view name = entry.second;
        CAPTURE(name);
        CHECK(zmtp::to_string(type) == name);
        const auto parsed = zmtp::parse_socket_type(name);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == type);
    }
}

TEST_CASE("socket_type: unknown or non-canonical names do not parse")
{
    for (std::string_view bad : {"", "dealer", "Dealer", "DEALER ", " DEALER", "DEALE", "DEALERS",
                                 "XREQ", "XREP", "STREAM", "SERVER", "CLIENT"}) {
        CAPTURE(std::string(bad));
        CHECK_FALSE(zmtp::parse_socket_type(bad).has_value());
    }
    CHECK_FALSE(zmtp::parse_socket_type(std::string_view("REQ\0", 4)).has_value());
}

TEST_CASE("socket_type: every pair of the compatibility table")
{
    int compatible = 0;
    for (const auto& our_entry : all_types) {
        for (const auto& peer_entry : all_types) {
            const socket_type ours = our_entry.first;
            const socket_type peer = peer_entry.first;
            const std::string_view our_name = our_entry.second;
            const std::string_view peer_name = peer_entry.second;
            const bool expected = compatible_pairs().count({our_name, peer_name}) == 1;
            CAPTURE(our_name);
            CAPTURE(peer_name);
            CHECK(zmtp::is_compatible(ours, peer) == expected);
            compatible += expected ? 1 : 0;
        }
    }
    CHECK(compatible == 21); // 21 true cases, 100 false cases
}

TEST_CASE("socket_type: compatibility is symmetric")
{
    for (const auto& a_entry : all_types)
        for (const auto& b_entry : all_types) {
            const socket_type a = a_entry.first;
            const socket_type b = b_entry.first;
            const std::string_view a_name = a_entry.second;
            const std::string_view b_name = b_entry.second;
            CAPTURE(a_name);
            CAPTURE(b_name);
            CHECK(zmtp::is_compatible(a, b) == zmtp::is_compatible(b, a));
        }
}

TEST_CASE("socket_type: selected compatibility cases")
{
    using enum socket_type;
    CHECK(zmtp::is_compatible(req, rep));
    CHECK(zmtp::is_compatible(req, router));
    CHECK_FALSE(zmtp::is_compatible(req, req));
    CHECK_FALSE(zmtp::is_compatible(req, dealer));
    CHECK_FALSE(zmtp::is_compatible(rep, rep));
    CHECK_FALSE(zmtp::is_compatible(rep, router));
    CHECK(zmtp::is_compatible(dealer, dealer));
    CHECK(zmtp::is_compatible(router, router));
    CHECK_FALSE(zmtp::is_compatible(pub, pub));
    CHECK_FALSE(zmtp::is_compatible(pub, xpub));
    CHECK_FALSE(zmtp::is_compatible(sub, sub));
    CHECK(zmtp::is_compatible(xpub, xsub));
    CHECK_FALSE(zmtp::is_compatible(push, push));
    CHECK_FALSE(zmtp::is_compatible(pull, pull));
    CHECK_FALSE(zmtp::is_compatible(pair, dealer));
    CHECK_FALSE(zmtp::is_compatible(dealer, pair));
    CHECK_FALSE(zmtp::is_compatible(push, sub));
}

TEST_CASE("socket_type: sends_identity for REQ - DEALER and ROUTER only")
{
    for (const auto& entry : all_types) {
        const socket_type type = entry.first;
        const std::string_view name = entry.second;
        CAPTURE(name);
        const bool expected = name == "REQ" || name == "DEALER" || name == "ROUTER";
        CHECK(zmtp::sends_identity(type) == expected);
    }
}

TEST_CASE("socket_type: out-of-range value")
{
    const auto bogus = static_cast<socket_type>(99);
    // Not a wire name of any type (the exact placeholder text is not part of the contract).
    CHECK_FALSE(zmtp::parse_socket_type(zmtp::to_string(bogus)).has_value());
    CHECK_FALSE(zmtp::is_compatible(bogus, socket_type::pair));
    CHECK_FALSE(zmtp::is_compatible(socket_type::pair, bogus));
    CHECK_FALSE(zmtp::sends_identity(bogus));
}

TEST_CASE("socket_type: STREAM is named but speaks no ZMTP, and is compatible with no ZMTP peer")
{
    CHECK(zmtp::to_string(socket_type::stream) == "STREAM");
    CHECK_FALSE(zmtp::speaks_zmtp(socket_type::stream));
    for (const auto& entry : all_types) {
        CAPTURE(entry.second);
        CHECK(zmtp::speaks_zmtp(entry.first));
        CHECK_FALSE(zmtp::is_compatible(socket_type::stream, entry.first));
        CHECK_FALSE(zmtp::is_compatible(entry.first, socket_type::stream));
    }
    CHECK(static_cast<int>(socket_type::stream) == 11); // libzmq's ZMQ_STREAM
}
