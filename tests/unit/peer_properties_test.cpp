// Unit tests for zmtp::peer_properties: what a received message says about its sender,
// and how long that lives (as long as the last message or connection holding it).
#include "zmtp/peer_properties.hpp"

#include <doctest/doctest.h>

#include "support/heap_in_use.hpp"
#include "zmtp/message.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using zmtp::peer_properties;
using zmtp::detail::peer_properties_ref;
using zmtp::detail::peer_properties_source;
using zmtp::wire::metadata;

namespace {

metadata make_metadata(std::initializer_list<std::pair<std::string_view, std::string_view>> properties)
{
    metadata m;
    for (const auto& [name, value] : properties)
        m.set(name, value);
    return m;
}

std::vector<std::string> listed(const peer_properties& p)
{
    std::vector<std::string> out;
    p.for_each([&](zmtp::wire::property x) { out.push_back(std::string(x.name) + "=" + std::string(x.value)); });
    return out;
}

using opt = std::optional<std::string_view>;

} // namespace

TEST_CASE("peer properties: the peer's, then the handler's, User-Id and Peer-Address, looked up in any case")
{
    const peer_properties p(make_metadata({{"Socket-Type", "DEALER"}, {"Identity", "w1"}, {"X-Color", "blue"}}),
                            make_metadata({{"Hello", "World"}}), std::string("alice"), "127.0.0.1");
    CHECK(listed(p)
          == std::vector<std::string>{"Socket-Type=DEALER", "Identity=w1", "X-Color=blue", "Hello=World",
                                      "User-Id=alice", "Peer-Address=127.0.0.1"});
    CHECK(p.get("X-Color") == opt("blue"));
    CHECK(p.get("x-color") == opt("blue"));
    CHECK(p.get("SOCKET-TYPE") == opt("DEALER"));
    CHECK(p.get("Hello") == opt("World"));
    CHECK(p.get("X-Missing") == std::nullopt);
    CHECK(p.get("") == std::nullopt);
    CHECK(p.socket_type() == opt("DEALER"));
    CHECK(p.user_id() == opt("alice"));
    CHECK(p.peer_address() == opt("127.0.0.1"));
    CHECK(p.routing_id() == opt("w1"));
    CHECK(p.get("Routing-Id") == opt("w1")); // zmq_msg_gets(3): Identity is its alias
    CHECK(p.get("routing-id") == opt("w1"));
    CHECK(p.get("Identity") == opt("w1"));
}

TEST_CASE("peer properties: every value is followed by a NUL, for C callers (zmq_msg_gets)")
{
    const peer_properties p(make_metadata({{"Socket-Type", "DEALER"}, {"Identity", "w1"}, {"X-Empty", ""}}),
                            make_metadata({{"Hello", "World"}}), std::string("alice"), "127.0.0.1");
    for (const char* name : {"Socket-Type", "Identity", "Routing-Id", "X-Empty", "Hello", "User-Id", "Peer-Address"}) {
        CAPTURE(name);
        const std::optional<std::string_view> value = p.get(name);
        REQUIRE(value);
        CHECK(value->data()[value->size()] == '\0');
        CHECK(std::strlen(value->data()) == value->size());
    }
    CHECK(std::string_view(p.get("X-Empty")->data()).empty());
    CHECK(std::string(p.get("Peer-Address")->data()) == "127.0.0.1");
}

TEST_CASE("peer properties: no handler asked means no User-Id, inproc has no Peer-Address, no Identity no Routing-Id")
{
    const peer_properties p(make_metadata({{"Socket-Type", "PUSH"}}), {}, std::nullopt, "");
    CHECK(listed(p) == std::vector<std::string>{"Socket-Type=PUSH"});
    CHECK(p.user_id() == std::nullopt);
    CHECK(p.peer_address() == std::nullopt);
    CHECK(p.routing_id() == std::nullopt);

    // A handler's empty User-Id is still a User-Id.
    const peer_properties empty_id({}, {}, std::string(), "");
    CHECK(empty_id.user_id() == opt(""));
}

TEST_CASE("peer properties: the peer cannot say who it is authenticated as, or where it is")
{
    const metadata forged = make_metadata({{"Socket-Type", "DEALER"}, {"user-id", "root"}, {"PEER-ADDRESS", "10.0.0.1"}});
    const peer_properties without_zap(forged, {}, std::nullopt, "192.168.1.7");
    CHECK(without_zap.user_id() == std::nullopt);
    CHECK(without_zap.peer_address() == opt("192.168.1.7"));
    CHECK(listed(without_zap) == std::vector<std::string>{"Socket-Type=DEALER", "Peer-Address=192.168.1.7"});

    const peer_properties with_zap(forged, {}, std::string("bob"), "");
    CHECK(with_zap.user_id() == opt("bob"));
    CHECK(with_zap.peer_address() == std::nullopt);

    // Nor does the handler's metadata stand in for its User-Id frame.
    const peer_properties handler_metadata({}, make_metadata({{"User-Id", "mallory"}}), std::nullopt, "");
    CHECK(handler_metadata.user_id() == std::nullopt);
    const peer_properties both({}, make_metadata({{"User-Id", "mallory"}}), std::string("carol"), "");
    CHECK(both.user_id() == opt("carol"));
}

TEST_CASE("peer properties: a message carries them through copies and moves, a built message has none")
{
    zmtp::message built{"a"};
    CHECK(built.properties() == nullptr);
    CHECK(built.property("Socket-Type") == std::nullopt);

    peer_properties_source source;
    source.reset(new peer_properties(make_metadata({{"Socket-Type", "REQ"}}), {}, std::nullopt, ""));
    zmtp::message received{"b"};
    received.set_properties(source.issue());
    const peer_properties* p = received.properties();
    REQUIRE(p != nullptr);
    CHECK(received.property("Socket-Type") == opt("REQ"));

    const zmtp::message copy = received;
    CHECK(copy.properties() == p);
    zmtp::message moved = std::move(received);
    CHECK(moved.properties() == p);
    moved.clear();
    CHECK(moved.properties() == p); // clear() drops the frames only
    zmtp::message assigned;
    assigned = copy;
    CHECK(assigned.properties() == p);
    CHECK(copy == zmtp::message{"b"}); // equality is of the frames
}

TEST_CASE("peer properties: freed when the last holder goes, connection or message, whichever is last")
{
    // A megabyte of metadata makes the object's lifetime visible in the heap.
    const std::string big(1 << 20, 'x');
    const auto make = [&] { return new peer_properties(make_metadata({{"X-Big", big}}), {}, std::nullopt, ""); };
    const auto heap_grew = [](std::size_t since) { return zmtp_test::heap_in_use() > since + (1 << 20); };

    SUBCASE("the connection goes first, then its messages and their copies")
    {
        const std::size_t before = zmtp_test::heap_in_use();
        auto source = std::make_unique<peer_properties_source>();
        source->reset(make());
        std::vector<zmtp::message> held(3);
        for (zmtp::message& m : held)
            m.set_properties(source->issue());
        {
            zmtp::message dropped; // a message the application destroyed at once
            dropped.set_properties(source->issue());
        }
        zmtp::message copy = held[1];
        source.reset();
        CHECK(heap_grew(before));
        held.clear();
        CHECK(heap_grew(before));
        CHECK(copy.property("X-Big")->size() == big.size()); // still readable
        copy = zmtp::message{};
        CHECK_FALSE(heap_grew(before));
    }
    SUBCASE("the messages go first, then the connection")
    {
        const std::size_t before = zmtp_test::heap_in_use();
        peer_properties_source source;
        source.reset(make());
        {
            zmtp::message m;
            m.set_properties(source.issue());
            const zmtp::message copy = m;
        }
        CHECK(heap_grew(before));
        source.reset();
        CHECK_FALSE(heap_grew(before));
    }
    SUBCASE("a connection that never delivered anything")
    {
        const std::size_t before = zmtp_test::heap_in_use();
        peer_properties_source source;
        source.reset(make());
        CHECK(heap_grew(before));
        source.reset(make()); // a new handshake replaces the old properties
        CHECK(heap_grew(before));
        source.reset();
        CHECK_FALSE(heap_grew(before));
    }
}
