#include "zmtp/wire/connection.hpp"

#include "connection_time.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/command.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using zmtp::wire::connection;
using zmtp::wire::connection_options;
using event = connection::event;
using namespace zmtp_test;

namespace {

connection_options options_for(socket_type type, std::string routing_id = {})
{
    connection_options o;
    o.type = type;
    o.routing_id = std::move(routing_id);
    return o;
}

/// Everything a connection wants to write, as one byte string (a full write).
std::vector<std::byte> drain(connection& c)
{
    std::vector<std::byte> out;
    while (c.wants_write()) {
        std::size_t n = 0;
        for (std::span<const std::byte> piece : c.start_write()) {
            out.insert(out.end(), piece.begin(), piece.end());
            n += piece.size();
        }
        c.finish_write(n);
    }
    return out;
}

/// What one side saw: the events in order and the messages it received.
struct observed {
    std::vector<event> events;
    std::vector<message> messages;
};

/// Feeds `input` to `c` in the given pieces, collecting events and messages.
observed feed(connection& c, std::span<const std::byte> input, const std::vector<std::size_t>& plan,
              connection::time_point now = t0)
{
    observed seen;
    if (c.current_state() == connection::state::closed)
        return seen; // closed was reported already
    std::size_t pos = 0;
    for (std::size_t len : plan) {
        std::span<const std::byte> piece = input.subspan(pos, len);
        pos += len;
        do {
            const connection::receive_result r = c.receive(piece, now);
            piece = piece.subspan(r.consumed);
            if (r.what != event::none)
                seen.events.push_back(r.what);
            if (r.what == event::message || r.what == event::subscribe || r.what == event::cancel)
                seen.messages.push_back(c.take_message());
            if (r.what == event::closed)
                return seen;
        } while (!piece.empty());
    }
    return seen;
}

observed feed(connection& c, std::span<const std::byte> input, connection::time_point now = t0)
{
    return feed(c, input, {input.size()}, now);
}

/// Moves bytes both ways until neither side has anything to write.
void pump(connection& a, connection& b, observed& seen_a, observed& seen_b,
          connection::time_point now = t0)
{
    while (a.wants_write() || b.wants_write()) {
        const std::vector<std::byte> a_to_b = drain(a);
        const std::vector<std::byte> b_to_a = drain(b);
        observed got_b = feed(b, a_to_b, now);
        observed got_a = feed(a, b_to_a, now);
        seen_b.events.insert(seen_b.events.end(), got_b.events.begin(), got_b.events.end());
        seen_b.messages.insert(seen_b.messages.end(), got_b.messages.begin(), got_b.messages.end());
        seen_a.events.insert(seen_a.events.end(), got_a.events.begin(), got_a.events.end());
        seen_a.messages.insert(seen_a.messages.end(), got_a.messages.begin(), got_a.messages.end());
    }
}

std::vector<std::byte> greeting_bytes(std::uint8_t major = 3, std::uint8_t minor = 1,
                                      std::string mechanism = "NULL")
{
    const auto g = zmtp::wire::encode_greeting({major, minor, std::move(mechanism), false});
    return {g.begin(), g.end()};
}

std::vector<std::byte> ready_bytes(std::string_view type, std::optional<std::string_view> identity = {})
{
    zmtp::wire::metadata m;
    m.set("Socket-Type", type);
    if (identity)
        m.set("Identity", *identity);
    return zmtp::wire::encode_ready(m);
}

/// A connection of `type` that has completed its handshake with a peer of `peer_type`.
connection ready_connection(socket_type type, std::string_view peer_type, connection_options o = {})
{
    o.type = type;
    connection c(o, t0);
    drain(c);
    const observed seen = feed(c, concat({greeting_bytes(), ready_bytes(peer_type)}));
    REQUIRE(seen.events == std::vector<event>{event::handshake_succeeded});
    drain(c);
    return c;
}

} // namespace

TEST_CASE("connection: first bytes out are the 64-byte NULL greeting advertising 3.1")
{
    connection c(options_for(socket_type::dealer), t0);
    CHECK(drain(c)
          == concat({bytes("ff 00 00 00 00 00 00 00 00 7f 03 01 'NULL'"), repeat(16), bytes("00"),
                     repeat(31)}));
    CHECK(c.current_state() == connection::state::greeting);
}

TEST_CASE("connection: after the peer greeting a DEALER sends the RFC's 43-byte READY")
{
    connection c(options_for(socket_type::dealer), t0);
    drain(c);
    const observed seen = feed(c, greeting_bytes());
    CHECK(seen.events.empty());
    CHECK(drain(c)
          == bytes("04 29 05 'READY' 0b 'Socket-Type' 00 00 00 06 'DEALER' 08 'Identity' 00 00 00 00"));
    CHECK(c.current_state() == connection::state::handshake);
}

TEST_CASE("connection: a REP announces only its Socket-Type")
{
    connection c(options_for(socket_type::rep), t0);
    drain(c);
    feed(c, greeting_bytes());
    CHECK(drain(c) == bytes("04 19 05 'READY' 0b 'Socket-Type' 00 00 00 03 'REP'"));
}

TEST_CASE("connection: DEALER and ROUTER complete a NULL handshake in memory")
{
    connection dealer(options_for(socket_type::dealer, "worker-1"), t0);
    connection router(options_for(socket_type::router), t0);
    observed seen_dealer, seen_router;
    pump(dealer, router, seen_dealer, seen_router);

    CHECK(seen_dealer.events == std::vector<event>{event::handshake_succeeded});
    CHECK(seen_router.events == std::vector<event>{event::handshake_succeeded});
    CHECK(dealer.current_state() == connection::state::ready);
    CHECK(router.peer_type() == socket_type::dealer);
    CHECK(dealer.peer_type() == socket_type::router);
    CHECK(router.peer_metadata().get("identity") == std::optional<std::string_view>("worker-1"));
    CHECK(dealer.peer_metadata().get("Identity") == std::optional<std::string_view>(""));
    CHECK(dealer.minor_version() == 1);
    CHECK(dealer.next_deadline() == std::nullopt); // handshake timer cancelled, no heartbeat
}

TEST_CASE("connection: multipart messages flow both ways, sizes across the short/long boundary")
{
    connection dealer(options_for(socket_type::dealer), t0);
    connection router(options_for(socket_type::router), t0);
    observed seen_dealer, seen_router;
    pump(dealer, router, seen_dealer, seen_router);

    message request{"", "hello"};
    request.push_back(zmtp::frame(std::string(255, 'a')));
    request.push_back(zmtp::frame(std::string(256, 'b')));
    request.push_back(zmtp::frame(std::string(1 << 20, 'c')));
    request.push_back(zmtp::frame());
    const message reply{"id", "", "world"};

    REQUIRE_FALSE(dealer.send(request));
    REQUIRE_FALSE(dealer.send(message{"second"}));
    REQUIRE_FALSE(router.send(reply));
    pump(dealer, router, seen_dealer, seen_router);

    REQUIRE(seen_router.messages.size() == 2);
    CHECK(seen_router.messages[0] == request);
    CHECK(seen_router.messages[1] == message{"second"});
    REQUIRE(seen_dealer.messages.size() == 1);
    CHECK(seen_dealer.messages[0] == reply);
}

TEST_CASE("connection: messages are framed with exact bytes")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    REQUIRE_FALSE(c.send(message{"", "xyz"}));
    CHECK(drain(c) == bytes("01 00 00 03 'xyz'"));
    REQUIRE_FALSE(c.send(message{std::string(256, 'x')}));
    CHECK(drain(c) == concat({bytes("02 00 00 00 00 00 00 01 00"), text_bytes(std::string(256, 'x'))}));
}

TEST_CASE("connection: the peer's whole stream gives the same events in every chunking")
{
    const std::vector<std::byte> stream = concat({
        greeting_bytes(), ready_bytes("ROUTER", "peer"),
        bytes("04 0b 04 'PING' 00 0a 'abcd'"),        // answered with PONG
        bytes("01 00 00 03 'xyz'"),                   // delimiter + body
        bytes("02 00 00 00 00 00 00 01 00"), repeat(256, std::byte{'L'}), // long frame
        bytes("04 06 05 'HELLO'"),                    // unknown command: ignored
        bytes("00 00"),                               // empty message
    });
    const std::vector<message> expected{message{"", "xyz"}, message{std::string(256, 'L')}, message{""}};

    for_each_chunking(stream, [&](const std::string& plan, const auto& pieces) {
        CAPTURE(plan);
        connection c(options_for(socket_type::dealer), t0);
        observed seen;
        for (std::span<const std::byte> piece : pieces) {
            observed got = feed(c, piece);
            seen.events.insert(seen.events.end(), got.events.begin(), got.events.end());
            seen.messages.insert(seen.messages.end(), got.messages.begin(), got.messages.end());
        }
        CHECK(seen.events
              == std::vector<event>{event::handshake_succeeded, event::message, event::message, event::message});
        CHECK(seen.messages == expected);
        const std::vector<std::byte> out = drain(c);
        const std::vector<std::byte> pong = bytes("04 09 04 'PONG' 'abcd'");
        REQUIRE(out.size() >= pong.size());
        CHECK(std::vector<std::byte>(out.end() - static_cast<std::ptrdiff_t>(pong.size()), out.end()) == pong);
    });
}

TEST_CASE("connection: an incompatible socket type gets an ERROR and a close")
{
    connection a(options_for(socket_type::req), t0);
    connection b(options_for(socket_type::req), t0);
    observed seen_a, seen_b;
    pump(a, b, seen_a, seen_b);
    CHECK(seen_a.events == std::vector<event>{event::closed});
    CHECK(a.error() == errc::incompatible_socket_type);
    CHECK(b.error() == errc::incompatible_socket_type);

    connection c(options_for(socket_type::rep), t0);
    drain(c);
    feed(c, concat({greeting_bytes(), ready_bytes("PUB")}));
    CHECK(c.error() == errc::incompatible_socket_type);
    const std::string reason = zmtp::make_error_code(errc::incompatible_socket_type).message();
    // Our READY was still queued: it goes first, then the ERROR.
    CHECK(drain(c) == concat({bytes("04 19 05 'READY' 0b 'Socket-Type' 00 00 00 03 'REP'"),
                              bytes("04"), std::vector<std::byte>{std::byte(7 + reason.size())},
                              bytes("05 'ERROR'"), std::vector<std::byte>{std::byte(reason.size())},
                              text_bytes(reason)}));
}

TEST_CASE("connection: peer metadata is validated")
{
    const auto handshake_error = [](std::vector<std::byte> ready) {
        connection c(options_for(socket_type::router), t0);
        drain(c);
        const observed seen = feed(c, concat({greeting_bytes(), ready}));
        CHECK(seen.events == std::vector<event>{event::closed});
        CHECK_FALSE(drain(c).empty()); // the peer is told with an ERROR
        return c.error();
    };
    zmtp::wire::metadata no_type;
    no_type.set("Identity", "x");
    CHECK(handshake_error(zmtp::wire::encode_ready(no_type)) == errc::missing_socket_type);
    CHECK(handshake_error(ready_bytes("dealer")) == errc::unknown_socket_type);
    CHECK(handshake_error(ready_bytes("DEALER", std::string("\0abc", 4))) == errc::invalid_identity);
    CHECK(handshake_error(ready_bytes("DEALER", std::string(256, 'i'))) == errc::invalid_identity);
    CHECK(handshake_error(zmtp::wire::encode_command("HELLO", {})) == errc::unexpected_command);
    // A name twice, in any case: refused, not kept twice.
    CHECK(handshake_error(bytes("04 2c 05 'READY' 0B 'Socket-Type' 00 00 00 06 'DEALER' 0B 'socket-TYPE' 00 00 00 00"))
          == errc::duplicate_property);

    connection ok(options_for(socket_type::router), t0);
    feed(ok, concat({greeting_bytes(), ready_bytes("DEALER", std::string(255, 'i'))}));
    CHECK(ok.current_state() == connection::state::ready);
}

TEST_CASE("connection: greeting failures close without a reply")
{
    const auto greeting_error = [](std::vector<std::byte> input) {
        connection c(options_for(socket_type::router), t0);
        drain(c);
        const observed seen = feed(c, input);
        CHECK(seen.events == std::vector<event>{event::closed});
        CHECK(drain(c).empty());
        return c.error();
    };
    CHECK(greeting_error(greeting_bytes(3, 0, "PLAIN")) == errc::mechanism_mismatch);
    CHECK(greeting_error(bytes("01 00")) == errc::unsupported_zmtp_1_0);
    CHECK(greeting_error(bytes("ff 00 00 00 00 00 00 00 01 7f 01 05")) == errc::unsupported_zmtp_2_0);
    CHECK(greeting_error(text_bytes("GET / HTTP/1.1\r\n")) == errc::bad_signature);
}

TEST_CASE("connection: a 3.0 peer is spoken to in 3.0 and gets no PINGs")
{
    connection_options o;
    o.heartbeat_interval = 1s;
    o.type = socket_type::dealer;
    connection c(o, t0);
    drain(c);
    feed(c, concat({greeting_bytes(3, 0), ready_bytes("ROUTER")}));
    REQUIRE(c.current_state() == connection::state::ready);
    CHECK(c.minor_version() == 0);
    CHECK(c.next_deadline() == std::nullopt);

    connection future(o, t0);
    feed(future, concat({greeting_bytes(4, 7), ready_bytes("ROUTER")}));
    CHECK(future.minor_version() == 1);
}

TEST_CASE("connection: data before the handshake is a protocol error, detected at the header")
{
    connection c(options_for(socket_type::router), t0);
    drain(c);
    // A data frame announcing 1 GiB: refused before any body byte is read.
    const observed seen = feed(c, concat({greeting_bytes(), bytes("02 00 00 00 00 40 00 00 00")}));
    CHECK(seen.events == std::vector<event>{event::closed});
    CHECK(c.error() == errc::message_before_handshake);
}

TEST_CASE("connection: oversized handshake metadata is refused before allocation (CVE-2019-13132)")
{
    connection c(options_for(socket_type::router), t0);
    drain(c);
    // A READY claiming 1 GiB of metadata.
    feed(c, concat({greeting_bytes(), bytes("06 00 00 00 00 40 00 00 00 05 'READY'")}));
    CHECK(c.error() == errc::handshake_too_large);

    // Just under the limit is fine; the limit is an option.
    connection_options o = options_for(socket_type::router);
    o.max_handshake_size = 1024;
    zmtp::wire::metadata big;
    big.set("Socket-Type", "DEALER");
    big.set("X-Pad", std::string(1024 - 64 - 9 - 6 - 12 - 10 - 10, 'p'));
    const std::vector<std::byte> ready = zmtp::wire::encode_ready(big);
    connection fits(o, t0);
    feed(fits, concat({greeting_bytes(), ready}));
    CHECK(fits.current_state() == connection::state::ready);

    big.set("X-Pad", std::string(2000, 'p'));
    connection too_big(o, t0);
    feed(too_big, concat({greeting_bytes(), zmtp::wire::encode_ready(big)}));
    CHECK(too_big.error() == errc::handshake_too_large);
}

TEST_CASE("connection: max_message_size disconnects before allocating the body")
{
    connection_options o;
    o.limits.max_message_size = 100;
    connection c = ready_connection(socket_type::dealer, "ROUTER", o);
    feed(c, bytes("01 32 ") /* 50-byte frame header */);
    observed seen = feed(c, concat({repeat(50), bytes("00 33")})); // 50 + 51 > 100
    CHECK(seen.events == std::vector<event>{event::closed});
    CHECK(c.error() == errc::message_too_large);
}

TEST_CASE("connection: a whole short message in one piece meets the same limits as any other")
{
    connection_options o;
    o.limits.max_message_size = 100;
    connection c = ready_connection(socket_type::dealer, "ROUTER", o);
    observed seen = feed(c, concat({bytes("00 64"), repeat(100)})); // exactly the limit
    REQUIRE(seen.messages.size() == 1);
    CHECK(seen.messages[0][0].size() == 100);
    seen = feed(c, concat({bytes("00 65"), repeat(101)}));
    CHECK(seen.events == std::vector<event>{event::closed});
    CHECK(c.error() == errc::message_too_large);
}

TEST_CASE("connection: whole short messages behind the last frame of a multipart one stay separate")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    const observed seen = feed(c, bytes("01 01 'a' 00 01 'b' 00 01 'c' 00 00"));
    CHECK(seen.messages == std::vector<message>{message{"a", "b"}, message{"c"}, message{""}});
}

TEST_CASE("connection: a message taken but not moved from is gone before the next one, direct input too")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    REQUIRE(c.receive(bytes("00 01 'a'"), t0).what == event::message);
    CHECK(c.take_message() == message{"a"}); // compared, not moved out
    const std::string body(50'000, 'z');
    std::vector<std::byte> header = bytes("02 00 00 00 00 00 00 c3 50"); // 50,000 bytes follow
    header.push_back(std::byte{'z'});
    REQUIRE(c.receive(header, t0).what == event::none);
    std::span<std::byte> space = c.direct_input();
    REQUIRE(space.size() == body.size() - 1);
    std::memset(space.data(), 'z', space.size());
    REQUIRE(c.receive_direct(space.size(), t0).what == event::message);
    CHECK(c.take_message() == message{body});
}

TEST_CASE("connection: the handshake times out on the simulated clock")
{
    connection c(options_for(socket_type::router), t0);
    CHECK(c.next_deadline() == t0 + 30s);
    feed(c, bytes("ff 00 00"), t0 + 10s); // a trickle of bytes does not extend it
    c.on_timer(t0 + 30s - 1ms);
    CHECK(c.current_state() == connection::state::greeting);
    c.on_timer(t0 + 30s);
    CHECK(c.current_state() == connection::state::closed);
    CHECK(c.error() == errc::handshake_timeout);
    CHECK(c.next_deadline() == std::nullopt);
}

TEST_CASE("connection: heartbeats send PING, and silence after it times out")
{
    connection_options o;
    o.heartbeat_interval = 1s;
    o.heartbeat_timeout = 500ms;
    o.heartbeat_ttl = 3s;
    connection c = ready_connection(socket_type::dealer, "ROUTER", o);
    CHECK(c.next_deadline() == t0 + 1s);

    c.on_timer(t0 + 1s);
    CHECK(drain(c) == bytes("04 07 04 'PING' 00 1e")); // TTL 30 deciseconds, empty context
    CHECK(c.next_deadline() == t0 + 1500ms);

    // Any traffic (here a PONG) counts as liveness.
    feed(c, bytes("04 05 04 'PONG'"), t0 + 1200ms);
    CHECK(c.next_deadline() == t0 + 2s);
    c.on_timer(t0 + 2s);
    CHECK(drain(c) == bytes("04 07 04 'PING' 00 1e"));

    c.on_timer(t0 + 2500ms - 1ms);
    CHECK(c.current_state() == connection::state::ready);
    c.on_timer(t0 + 2500ms);
    CHECK(c.error() == errc::heartbeat_timeout);
}

TEST_CASE("connection: a peer's PING TTL closes a connection that hears nothing")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    feed(c, bytes("04 07 04 'PING' 00 1e"), t0 + 1s); // TTL 3 s
    CHECK(drain(c) == bytes("04 05 04 'PONG'"));
    CHECK(c.next_deadline() == t0 + 4s);
    feed(c, bytes("00 01 'x'"), t0 + 2s);
    CHECK(c.next_deadline() == t0 + 5s);
    c.on_timer(t0 + 5s);
    CHECK(c.error() == errc::heartbeat_timeout);
}

TEST_CASE("connection: a peer that PINGs without reading gets one PONG waiting, not one per PING")
{
    connection c = ready_connection(socket_type::router, "DEALER");
    // A write is in flight and never finishes (the peer does not read): 100,000 PINGs,
    // 1.8 MB, leave exactly one 7-byte PONG queued behind it.
    c.send(message{"x"});
    const auto& stuck = c.start_write();
    REQUIRE(stuck.size() == 1);
    std::vector<std::byte> pings;
    for (int i = 0; i < 100000; ++i) {
        const auto ping = bytes("04 0b 04 'PING' 00 00 'ab' 00 00");
        pings.insert(pings.end(), ping.begin(), ping.end());
        pings[pings.size() - 2] = static_cast<std::byte>(i >> 8);
        pings[pings.size() - 1] = static_cast<std::byte>(i);
    }
    const observed seen = feed(c, pings);
    CHECK(seen.events.empty());
    CHECK(c.current_state() == connection::state::ready);
    c.finish_write(3); // the peer finally reads: our message, then the first PING's PONG
    CHECK(drain(c) == bytes("04 09 04 'PONG' 'ab' 00 00"));
    // Once that PONG has been handed to a write, the next PING is answered again.
    feed(c, bytes("04 0b 04 'PING' 00 00 'cd' 01 02"));
    CHECK(drain(c) == bytes("04 09 04 'PONG' 'cd' 01 02"));
}

TEST_CASE("connection: a PING context over 16 bytes is refused")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    const observed seen = feed(c, concat({bytes("04 18 04 'PING' 00 00"), repeat(17, std::byte{'c'})}));
    CHECK(seen.events == std::vector<event>{event::closed});
    CHECK(c.error() == errc::malformed_ping);
}

TEST_CASE("connection: a peer ERROR closes with its reason")
{
    connection c(options_for(socket_type::dealer), t0);
    feed(c, concat({greeting_bytes(), bytes("04 0e 05 'ERROR' 07 'go away'")}));
    CHECK(c.error() == errc::peer_error);
    CHECK(c.peer_error_reason() == "go away");

    connection d = ready_connection(socket_type::dealer, "ROUTER");
    feed(d, bytes("04 0a 05 'ERROR' 09 'bad'")); // reason length does not match
    CHECK(d.error() == errc::malformed_error_command);
}

TEST_CASE("connection: READY after the handshake and commands inside a message are errors")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    feed(c, ready_bytes("ROUTER"));
    CHECK(c.error() == errc::unexpected_command);

    connection d = ready_connection(socket_type::dealer, "ROUTER");
    feed(d, bytes("01 01 'a' 04 05 04 'PONG'"));
    CHECK(d.error() == errc::command_inside_message);
}

TEST_CASE("connection: SUBSCRIBE and CANCEL reach a PUB, and are ignored elsewhere")
{
    connection pub = ready_connection(socket_type::pub, "SUB");
    const observed seen = feed(pub, bytes("04 0f 09 'SUBSCRIBE' 'topic' 04 09 06 'CANCEL' 'ab'"));
    CHECK(seen.events == std::vector<event>{event::subscribe, event::cancel});
    REQUIRE(seen.messages.size() == 2);
    CHECK(seen.messages[0] == message{"topic"});
    CHECK(seen.messages[1] == message{"ab"});

    connection dealer = ready_connection(socket_type::dealer, "ROUTER");
    CHECK(feed(dealer, bytes("04 0f 09 'SUBSCRIBE' 'topic'")).events.empty());
    CHECK(dealer.current_state() == connection::state::ready);
}

TEST_CASE("connection: a waiting message blocks input until it is taken")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    const std::vector<std::byte> two = bytes("00 01 'a' 00 01 'b'");
    connection::receive_result r = c.receive(two, t0);
    CHECK(r.consumed == 3);
    CHECK(r.what == event::message);
    r = c.receive(std::span(two).subspan(3), t0);
    CHECK(r.consumed == 0);
    CHECK(r.what == event::message);
    CHECK(c.take_message() == message{"a"});
    r = c.receive(std::span(two).subspan(3), t0);
    CHECK(r.consumed == 3);
    CHECK(c.take_message() == message{"b"});
}

TEST_CASE("connection: sends queue behind a write in flight (double buffering)")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    REQUIRE_FALSE(c.send(message{"one"}));
    CHECK(c.wants_write());
    const auto& first = c.start_write();
    REQUIRE(first.size() == 1);
    const std::span<const std::byte> in_flight = first[0];
    const std::vector<std::byte> before(in_flight.begin(), in_flight.end());

    REQUIRE_FALSE(c.send(message{"two"}));
    CHECK_FALSE(c.wants_write()); // one write at a time
    CHECK(std::vector<std::byte>(in_flight.begin(), in_flight.end()) == before); // not moved
    c.finish_write(2); // a partial write: the rest of the batch goes first
    CHECK(drain(c) == bytes("'one' 00 03 'two'"));
}

TEST_CASE("connection: local misuse is reported, and errors are sticky")
{
    connection c(options_for(socket_type::dealer), t0);
    CHECK(c.send(message{"early"}) == errc::not_ready);
    connection r = ready_connection(socket_type::dealer, "ROUTER");
    CHECK(r.send(message{}) == errc::empty_message);
    r.close();
    CHECK(r.send(message{"late"}) == errc::connection_closed);
    CHECK(r.receive(bytes("00 01 'x'"), t0).consumed == 0);

    connection bad = ready_connection(socket_type::dealer, "ROUTER");
    feed(bad, bytes("08 00")); // reserved flag bit
    CHECK(bad.error() == errc::reserved_flags_set);
    CHECK(bad.send(message{"x"}) == errc::reserved_flags_set);
    const connection::receive_result again = bad.receive(bytes("00 00"), t0);
    CHECK(again.consumed == 0);
    CHECK(again.what == event::closed);
}

TEST_CASE("connection: an unfinished multipart message is freed on close (CVE-2021-20234)")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    feed(c, concat({bytes("03 00 00 00 00 00 00 10 00"), repeat(4096, std::byte{'m'})}));
    c.close(); // LeakSanitizer in the sanitizer build checks that nothing is left behind
    CHECK(c.current_state() == connection::state::closed);
}

TEST_CASE("connection: a refusal before our greeting went out still sends the greeting first (fuzz regression)")
{
    connection c(options_for(socket_type::rep), t0); // nothing written yet
    feed(c, concat({greeting_bytes(), ready_bytes("PUB")}));
    CHECK(c.error() == errc::incompatible_socket_type);
    const std::vector<std::byte> out = drain(c);
    REQUIRE(out.size() > 64);
    CHECK(std::vector<std::byte>(out.begin(), out.begin() + 64)
          == concat({bytes("ff 00 00 00 00 00 00 00 00 7f 03 01 'NULL'"), repeat(16), bytes("00"), repeat(31)}));
    CHECK(std::vector<std::byte>(out.begin() + 64, out.begin() + 64 + 27)
          == bytes("04 19 05 'READY' 0b 'Socket-Type' 00 00 00 03 'REP'"));
    CHECK(out[64 + 27] == std::byte{0x04}); // then the ERROR command
}

TEST_CASE("connection: a timeout while a message waits reports closed, not an empty message (fuzz regression)")
{
    connection_options o;
    o.heartbeat_interval = 1s;
    connection c = ready_connection(socket_type::dealer, "ROUTER", o);
    CHECK(c.receive(bytes("00 00"), t0).what == event::message); // not taken
    c.on_timer(t0 + 1s);  // PING
    c.on_timer(t0 + 2s);  // no answer: heartbeat timeout
    CHECK(c.error() == errc::heartbeat_timeout);
    CHECK(c.receive({}, t0 + 2s).what == event::closed);
}

TEST_CASE("connection: a large body can be read straight into the frame")
{
    connection c = ready_connection(socket_type::dealer, "ROUTER");
    CHECK(c.direct_input().empty()); // nothing in progress
    const std::string body(100'000, 'z');
    std::vector<std::byte> header = bytes("02 00 00 00 00 00 01 86 a0"); // 100,000
    // Header and the first bytes through receive(), the rest written directly.
    const std::vector<std::byte> start = concat({header, text_bytes(body.substr(0, 10))});
    CHECK(c.receive(start, t0).what == event::none);
    // Direct input covers the memory held so far: the first block of the body.
    const std::size_t block = zmtp::wire::frame_limits{}.first_body_block;
    std::span<std::byte> space = c.direct_input();
    REQUIRE(space.size() == block - 10);
    std::memcpy(space.data(), body.data() + 10, 50'000);
    CHECK(c.receive_direct(50'000, t0).what == event::none);
    space = c.direct_input();
    REQUIRE(space.size() == block - 50'010);
    std::memcpy(space.data(), body.data() + 50'010, space.size());
    CHECK(c.receive_direct(space.size(), t0).what == event::none);
    // The block is full: the next byte through receive() grows it, then direct input
    // covers the rest.
    CHECK(c.direct_input().empty());
    CHECK(c.receive(text_bytes(body.substr(block, 1)), t0).what == event::none);
    space = c.direct_input();
    REQUIRE(space.size() == body.size() - block - 1);
    std::memcpy(space.data(), body.data() + block + 1, space.size());
    CHECK(c.receive_direct(space.size(), t0).what == event::message);
    CHECK(c.direct_input().empty()); // a message waits
    CHECK(c.take_message() == message{body});
}

namespace {

/// A SUB's subscription (`on`) or cancel of `topic` in message form: 0x01/0x00 + topic.
message subscription_message(bool on, std::string_view topic)
{
    return message{std::string(1, on ? '\x01' : '\x00') + std::string(topic)};
}

} // namespace

TEST_CASE("connection: a SUB's subscriptions go out as commands to 3.1 peers and as 01/00 messages to 3.0")
{
    connection sub = ready_connection(socket_type::sub, "PUB");
    REQUIRE(sub.minor_version() == 1);
    CHECK_FALSE(sub.send(subscription_message(true, "topic")));
    CHECK_FALSE(sub.send(subscription_message(false, "ab")));
    CHECK_FALSE(sub.send(subscription_message(true, ""))); // everything
    CHECK(drain(sub) == bytes("04 0f 09 'SUBSCRIBE' 'topic' 04 09 06 'CANCEL' 'ab' 04 0a 09 'SUBSCRIBE'"));

    // A topic of 300 bytes: a long command frame.
    const std::string long_topic(300, 't');
    CHECK_FALSE(sub.send(subscription_message(true, long_topic)));
    CHECK(drain(sub) == concat({bytes("06 00 00 00 00 00 00 01 36 09 'SUBSCRIBE'"), text_bytes(long_topic)}));

    // Anything else a SUB might send goes as it is: other first bytes, several frames.
    CHECK_FALSE(sub.send(message{"\x02x"}));
    CHECK_FALSE(sub.send(message{"\x01" "a", "b"}));
    CHECK(drain(sub) == bytes("00 02 02 'x' 01 02 01 'a' 00 01 'b'"));

    connection_options o;
    o.type = socket_type::sub;
    connection old(o, t0);
    drain(old);
    feed(old, concat({greeting_bytes(3, 0), ready_bytes("PUB")}));
    REQUIRE(old.current_state() == connection::state::ready);
    REQUIRE(old.minor_version() == 0);
    drain(old); // our READY
    CHECK_FALSE(old.send(subscription_message(true, "abc")));
    CHECK_FALSE(old.send(subscription_message(false, "abc")));
    CHECK_FALSE(old.send(subscription_message(true, "")));
    CHECK(drain(old) == bytes("00 04 01 'abc' 00 04 00 'abc' 00 01 01"));

    // An XSUB sends the application's subscriptions as they are, even to a 3.1 peer.
    connection xsub = ready_connection(socket_type::xsub, "XPUB");
    CHECK_FALSE(xsub.send(subscription_message(true, "abc")));
    CHECK(drain(xsub) == bytes("00 04 01 'abc'"));

    // Errors as for any message: before the handshake, and once closed.
    connection early(o, t0);
    CHECK(early.send(subscription_message(true, "x")) == errc::not_ready);
    sub.close();
    CHECK(sub.send(subscription_message(true, "x")));
}

TEST_CASE("connection: a PUB or XPUB takes 01/00 messages as subscriptions, from 3.0 and 3.1 peers alike")
{
    for (const socket_type type : {socket_type::pub, socket_type::xpub}) {
        CAPTURE(to_string(type));
        connection pub = ready_connection(type, "SUB");
        const observed seen = feed(pub, bytes("00 04 01 'abc' 00 03 00 'ab' 00 01 01 00 01 00"));
        CHECK(seen.events == std::vector<event>{event::subscribe, event::cancel, event::subscribe, event::cancel});
        CHECK(seen.messages == std::vector<message>{message{"abc"}, message{"ab"}, message{""}, message{""}});

        // Other messages are messages: another first byte, empty, or several frames.
        const observed data = feed(pub, bytes("00 02 02 'x' 00 00 01 02 01 'a' 00 01 'b'"));
        CHECK(data.events == std::vector<event>{event::message, event::message, event::message});
        CHECK(data.messages == std::vector<message>{message{"\x02x"}, message{""}, message{"\x01" "a", "b"}});

        connection_options o;
        o.type = type;
        connection old(o, t0);
        drain(old);
        feed(old, concat({greeting_bytes(3, 0), ready_bytes("XSUB")}));
        REQUIRE(old.minor_version() == 0);
        const observed from_old = feed(old, bytes("00 02 01 'z'"));
        CHECK(from_old.events == std::vector<event>{event::subscribe});
        CHECK(from_old.messages == std::vector<message>{message{"z"}});
    }
    // A DEALER gets such a message as it is.
    connection dealer = ready_connection(socket_type::dealer, "ROUTER");
    CHECK(feed(dealer, bytes("00 02 01 'z'")).messages == std::vector<message>{message{"\x01" "z"}});
}

TEST_CASE("connection: a STREAM connection is raw: no greeting, ready at once, bytes in and out as they are")
{
    connection c(options_for(socket_type::stream), t0);
    CHECK(c.current_state() == connection::state::ready);
    CHECK_FALSE(c.wants_write()); // no greeting
    CHECK_FALSE(c.next_deadline()); // no handshake timeout
    const std::vector<std::byte> input = concat({greeting_bytes(), bytes("00 01 'x'")});
    const observed seen = feed(c, input);
    REQUIRE(seen.events == std::vector<event>{event::message});
    CHECK(seen.messages[0].size() == 1);
    CHECK(std::ranges::equal(seen.messages[0][0].bytes(), input));

    const std::string big(5000, 'z'); // referenced, not copied, but the same bytes
    REQUIRE_FALSE(c.send(message{"ab", "", "c", big}));
    CHECK(drain(c) == concat({bytes("'abc'"), text_bytes(big)}));
}

namespace {

/// A NULL connection that authenticates its peers, greeted by a DEALER: it waits for a
/// decision, having sent its greeting alone.
connection authenticating_connection()
{
    connection_options o = options_for(socket_type::router);
    o.security.authenticate_null = true;
    connection c(o, t0);
    CHECK(drain(c).size() == 64);
    const connection::receive_result r = c.receive(greeting_bytes(), t0);
    CHECK(r.consumed == 64);
    CHECK(r.what == event::authenticate);
    return c;
}

zmtp::wire::authentication_result decision(std::string status, std::string user_id = {})
{
    return {.status_code = std::move(status), .status_text = {}, .user_id = std::move(user_id), .properties = {}};
}

} // namespace

TEST_CASE("connection: NULL with authentication asks before its READY, and takes no input until answered")
{
    connection c = authenticating_connection();
    REQUIRE(c.authentication_wanted() != nullptr);
    CHECK(c.authentication_wanted()->mechanism == "NULL");
    CHECK(c.authentication_wanted()->credentials.empty());
    CHECK(drain(c).empty()); // no READY before the decision

    const std::vector<std::byte> peer_ready = ready_bytes("DEALER");
    connection::receive_result r = c.receive(peer_ready, t0);
    CHECK(r.consumed == 0);
    CHECK(r.what == event::authenticate);

    CHECK(c.authenticate(decision("200", "alice"), t0) == event::none); // the peer's READY is still to come
    CHECK(c.authentication_wanted() == nullptr);
    zmtp::wire::metadata ours;
    ours.set("Socket-Type", "ROUTER");
    ours.set("Identity", "");
    CHECK(drain(c) == zmtp::wire::encode_ready(ours));
    r = c.receive(peer_ready, t0);
    CHECK(r.consumed == peer_ready.size());
    CHECK(r.what == event::handshake_succeeded);
    CHECK(c.user_id() == "alice");
}

TEST_CASE("connection: a refused authentication closes with libzmq's ERROR for 400 and 500, none for 300")
{
    struct refusal {
        const char* status;
        errc error;
        std::vector<std::byte> to_peer;
    };
    for (const refusal& x : {refusal{"400", errc::authentication_denied, bytes("04 0a 05 'ERROR' 03 '400'")},
                             refusal{"500", errc::authentication_error, bytes("04 0a 05 'ERROR' 03 '500'")},
                             refusal{"300", errc::authentication_unavailable, {}},
                             refusal{"999", errc::authentication_error, {}}}) {
        CAPTURE(x.status);
        connection c = authenticating_connection();
        CHECK(c.authenticate(decision(x.status), t0) == event::closed);
        CHECK(c.error() == x.error);
        CHECK(c.error() == zmtp::error_kind::authentication);
        CHECK_FALSE(zmtp::is_protocol_error(c.error()));
        CHECK(drain(c) == x.to_peer);
        CHECK(c.receive(ready_bytes("DEALER"), t0).what == event::closed);
    }
}

TEST_CASE("connection: without authentication a NULL peer never asks")
{
    connection c = ready_connection(socket_type::router, "DEALER");
    CHECK(c.authentication_wanted() == nullptr);
    CHECK(c.authenticate(decision("400"), t0) == event::none); // nothing was asked: ignored
    CHECK(c.current_state() == connection::state::ready);
    CHECK_FALSE(c.user_id());
}

TEST_CASE("errors: error_kind classifies every zmtp error")
{
    CHECK(make_error_code(errc::bad_signature) == zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::heartbeat_timeout) == zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::subscription_limit) == zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::decryption_failed) == zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::invalid_vouch) == zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::authentication_denied) == zmtp::error_kind::authentication);
    CHECK(make_error_code(errc::authentication_denied) != zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::would_block) != zmtp::error_kind::protocol);
    CHECK(make_error_code(errc::would_block) != zmtp::error_kind::authentication);
    CHECK(make_error_code(errc::would_block) == std::errc::resource_unavailable_try_again); // twins still hold
    CHECK(make_error_code(errc::handshake_timeout) == std::errc::timed_out);
    CHECK(std::make_error_code(std::errc::timed_out) != zmtp::error_kind::protocol);
    CHECK(zmtp::make_error_condition(zmtp::error_kind::authentication).category().name() == std::string("zmtp.kind"));
}
