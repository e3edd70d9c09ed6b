// Hostile peers against a listening ROUTER over tcp (issue 6, "Reliability").
//
// Each case: a zmtp ROUTER bound on tcp://127.0.0.1:* with its monitor on and a short
// handshake timeout, a well-behaved DEALER ("good") exchanging numbered messages with it
// in both directions the whole time, and one raw TCP connection that sends the exact bytes
// of one attack. Each case asserts:
//   (a) the server closes the hostile connection at once, or (timeouts) after the
//       handshake timeout: never before it and not later than it plus a generous slack;
//   (b) the ROUTER's monitor reports the end of that connection once, with the expected
//       event type, the bound endpoint and the specific error;
//   (c) the good DEALER lost, duplicated or reordered nothing, kept its one connection,
//       and kept exchanging messages afterwards.
// The bytes are in hostile_inputs.hpp.
//
// Where zmtp is stricter than libzmq 4.3.4 this is deliberate and noted at the case; the
// libzmq behaviour was observed black-box (pyzmq 24 on libzmq 4.3.4, a raw socket peer).
#include "zmtp/socket.hpp"

#include "hostile_inputs.hpp"
#include "hostile_support.hpp"

#include <asio/error.hpp>
#include <doctest/doctest.h>

#include <memory>

using namespace hostile;
namespace in = hostile::inputs;
using zmtp::errc;
using event = zmtp::monitor_event_type;

namespace {

/// Short, so that the timeout cases run quickly; the attacks that must be refused "at
/// once" are then told apart from a timeout by their error code.
constexpr milliseconds handshake_timeout = 500ms;
/// Generous bound on top of any expected closing time: CI machines are shared and slow.
constexpr milliseconds slack = 3s;

zmtp::socket_options router_options(milliseconds timeout = handshake_timeout)
{
    return {.handshake_timeout = timeout};
}

zmtp::socket_options router_options_with_max(std::uint64_t max_message_size)
{
    return {.max_message_size = max_message_size, .handshake_timeout = handshake_timeout};
}

/// Completes a NULL handshake as a DEALER with Identity "hostile" and waits until the
/// ROUTER has attached it.
void handshake(server& s, raw_peer& peer)
{
    REQUIRE(peer.send(cat(in::greeting, in::ready_hostile)));
    const auto attached = s.events().wait_for(
        [](const zmtp::monitor_event& e) { return e.type == event::handshake_succeeded && e.routing_id == "hostile"; },
        10s);
    REQUIRE_MESSAGE(attached.has_value(), "the hostile peer's valid handshake did not succeed:" << s.events().describe_all());
}

/// (a) for the attacks refused at once: the server closed the connection. The bound is
/// the handshake timeout plus slack; that it was the attack and not the timeout that
/// closed it is shown by the monitor's error code.
void expect_closed_at_once(raw_peer& peer)
{
    const raw_peer::close_result r = peer.wait_closed(handshake_timeout + slack);
    REQUIRE_MESSAGE(r.closed, "the server did not close the hostile connection within "
                                  << (handshake_timeout + slack).count() << " ms");
    MESSAGE("closed " << r.since_send.count() << " ms after the last byte sent (" << std::string(r.reset ? "reset" : "EOF") << ")");
}

/// (a) for the handshake-timeout attacks: closed no earlier than the timeout after the
/// connection started, and not much later.
void expect_closed_by_timeout(raw_peer& peer, milliseconds timeout)
{
    const raw_peer::close_result r = peer.wait_closed(timeout + slack);
    REQUIRE_MESSAGE(r.closed, "the server did not close the connection within " << (timeout + slack).count()
                                                                                 << " ms of its start");
    CHECK_MESSAGE(r.since_start >= timeout, "closed after " << r.since_start.count() << " ms, before the "
                                                            << timeout.count() << " ms handshake timeout");
    CHECK(r.since_start <= timeout + slack);
    MESSAGE("closed " << r.since_start.count() << " ms after connecting (timeout " << timeout.count() << " ms)");
}

/// (b) The one event that ends the hostile connection (the good DEALER never disconnects,
/// so the first handshake-failed or disconnected event is the hostile one).
zmtp::monitor_event expect_verdict(server& s, event type, std::error_code error)
{
    const auto v = s.events().wait_for([](const zmtp::monitor_event& e) { return is_terminal(e.type); }, 10s);
    REQUIRE_MESSAGE(v.has_value(), "no handshake-failed or disconnected event; events:" << s.events().describe_all());
    CHECK_MESSAGE(v->type == type, "event " << describe(*v) << ", expected " << zmtp::to_string(type));
    CHECK(v->endpoint == s.endpoint());
    CHECK_MESSAGE(v->error == error, "error " << describe(v->error) << ", expected " << describe(error));
    return *v;
}

/// The ROUTER refused the handshake with an ERROR command after its greeting and READY
/// (RFC 37: "send an ERROR command and then close").
void expect_error_command(const raw_peer& peer)
{
    const bytes& got = peer.received();
    REQUIRE_MESSAGE(got.size() >= 64, "no greeting from the server: " << hex(got));
    CHECK(got[0] == 0xFF);
    CHECK(got[9] == 0x7F);
    CHECK(got[10] == 3);
    const std::vector<wire_frame> frames = frames_after_greeting(got);
    REQUIRE_MESSAGE(frames.size() >= 2, "expected READY then ERROR, got " << hex(got));
    CHECK(frames.front().command_name() == "READY");
    const wire_frame& last = frames.back();
    REQUIRE_MESSAGE(last.command_name() == "ERROR", "last frame is not ERROR: " << hex(got));
    const bytes& b = last.body; // 5 "ERROR" reason-size reason
    REQUIRE(b.size() >= 7);
    CHECK(b[6] == b.size() - 7);
    CHECK(b[6] > 0);
    MESSAGE("ERROR reason: \"" << std::string(b.begin() + 7, b.end()) << "\"");
}

/// (c) The good DEALER went on exchanging messages, lost nothing, kept its connection;
/// the hostile connection was the only one to end; the ROUTER's application saw exactly
/// `foreign` from the hostile peer.
void expect_unharmed(server& s, bool hostile_handshake, const std::vector<std::vector<std::string>>& foreign = {})
{
    good_peer& good = s.good();
    const std::size_t at_verdict = good.rounds();
    CHECK_MESSAGE(good.wait_rounds(at_verdict + 3, 10s), "the good DEALER stalled after the attack: " << good.failure());
    good.stop();
    CHECK_MESSAGE(good.failure().empty(), "good DEALER: " << good.failure());

    const event_log& ev = s.events();
    CHECK_MESSAGE(ev.count(event::accepted) == 2, "accepted: the good DEALER once, the hostile peer once:"
                                                      << ev.describe_all());
    CHECK_MESSAGE(ev.terminal_count() == 1, "only the hostile connection may end:" << ev.describe_all());
    std::size_t good_handshakes = 0;
    std::size_t other_handshakes = 0;
    for (const zmtp::monitor_event& e : ev.events())
        if (e.type == event::handshake_succeeded)
            ++(e.routing_id == "good" ? good_handshakes : other_handshakes);
    CHECK_MESSAGE(good_handshakes == 1, ev.describe_all());
    CHECK_MESSAGE(other_handshakes == (hostile_handshake ? 1u : 0u), ev.describe_all());

    std::vector<std::vector<std::string>> got;
    for (const zmtp::message& m : good.foreign()) {
        got.emplace_back();
        for (const zmtp::frame& f : m)
            got.back().push_back(f.to_string());
    }
    CHECK(got == foreign);
    MESSAGE("good DEALER: " << good.messages() << " messages in " << good.rounds() << " rounds, in order, none lost");
}

/// An attack refused during the greeting or handshake, at once.
void refused_at_once(const bytes& attack, errc expected, bool error_command = false)
{
    server s(router_options());
    raw_peer peer(s.port());
    REQUIRE(peer.send(attack));
    expect_closed_at_once(peer);
    expect_verdict(s, event::handshake_failed_protocol, expected);
    if (error_command)
        expect_error_command(peer);
    expect_unharmed(s, false);
}

/// An attack after a completed handshake: the connection ends at once, as a disconnect.
void dropped_after_handshake(zmtp::socket_options options, const bytes& attack, std::error_code expected)
{
    server s(std::move(options));
    raw_peer peer(s.port());
    handshake(s, peer);
    peer.send(attack); // may fail midway: the server may close before reading it all
    expect_closed_at_once(peer);
    expect_verdict(s, event::disconnected, expected);
    expect_unharmed(s, true);
}

/// A connection that never completes its handshake: closed by the handshake timeout.
/// libzmq 4.3.4 reports this as HANDSHAKE_FAILED_NO_DETAIL (then DISCONNECTED); zmtp's
/// monitor.hpp documents handshake_failed_no_detail as "I/O error or timeout", and the
/// error names the cause.
void expect_timeout_verdict(server& s)
{
    expect_verdict(s, event::handshake_failed_no_detail, errc::handshake_timeout);
}

} // namespace

TEST_SUITE("hostile")
{

TEST_CASE("hostile: the raw byte fixtures are what their comments say")
{
    CHECK(in::greeting.size() == 64);
    CHECK(in::bad_signature.size() == 64);
    CHECK(in::greeting_plain.size() == 64);
    // Short frames: the size byte counts the rest.
    for (const bytes* b : {&in::ready_hostile, &in::ready_anonymous, &in::ready_pub, &in::ready_rep,
                           &in::ready_unknown_type, &in::ready_with_more, &in::ready_reserved_flag,
                           &in::ready_truncated_metadata, &in::ready_identity_zero, &in::ping_context_16,
                           &in::pong_context_16, &in::ping_context_17, &in::ping_with_more}) {
        CAPTURE(hex(*b));
        CHECK(b->at(1) == b->size() - 2);
    }
    CHECK(in::ready_identity_256.size() == 9 + 297);
    const bytes big = in::ready_megabytes();
    CHECK(big.size() == 9 + 4'195'164);
    CHECK(bytes(big.begin(), big.begin() + 9) == cat(0x06, 0, 0, 0, 0, 0, 0x40, 0x03, 0x5C));
}

// --- refused during the greeting ----------------------------------------------------------

TEST_CASE("hostile: a bad signature is refused at once")
{
    refused_at_once(in::bad_signature, errc::bad_signature);
}

TEST_CASE("hostile: HTTP text is refused at once")
{
    refused_at_once(in::http_request, errc::bad_signature);
}

TEST_CASE("hostile: a ZMTP 1.0 greeting is refused at once")
{
    // libzmq 4.3.4 still speaks 1.0; zmtp refuses legacy peers with their own error.
    refused_at_once(in::zmtp_1_0, errc::unsupported_zmtp_1_0);
}

TEST_CASE("hostile: a ZMTP 1.0 frame with a length near 2^64 is refused at once")
{
    refused_at_once(in::zmtp_1_0_huge_length, errc::unsupported_zmtp_1_0);
}

TEST_CASE("hostile: a ZMTP 2.0 greeting is refused at once")
{
    refused_at_once(in::zmtp_2_0, errc::unsupported_zmtp_2_0);
}

TEST_CASE("hostile: a mechanism mismatch (PLAIN against NULL) is refused at once")
{
    // libzmq 4.3.4: HANDSHAKE_FAILED_PROTOCOL with ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH.
    refused_at_once(in::greeting_plain, errc::mechanism_mismatch);
}

// --- refused during the handshake -----------------------------------------------------------

TEST_CASE("hostile: an incompatible socket type (PUB) is refused with an ERROR")
{
    // libzmq 4.3.4 closes without ERROR and reports a bare DISCONNECTED; RFC 37 asks for an
    // ERROR command, which zmtp sends.
    refused_at_once(cat(in::greeting, in::ready_pub), errc::incompatible_socket_type, true);
}

TEST_CASE("hostile: an incompatible socket type (REP) is refused with an ERROR")
{
    refused_at_once(cat(in::greeting, in::ready_rep), errc::incompatible_socket_type, true);
}

TEST_CASE("hostile: an unknown socket type is refused with an ERROR")
{
    refused_at_once(cat(in::greeting, in::ready_unknown_type), errc::unknown_socket_type, true);
}

TEST_CASE("hostile: a READY with the MORE flag is refused at once")
{
    // libzmq 4.3.4 ignores MORE on commands (it completed this handshake); RFC 37 makes
    // MORE on a command a protocol error, and zmtp treats it as one.
    refused_at_once(cat(in::greeting, in::ready_with_more), errc::command_with_more);
}

TEST_CASE("hostile: a READY with a reserved flag bit is refused at once")
{
    refused_at_once(cat(in::greeting, in::ready_reserved_flag), errc::reserved_flags_set);
}

TEST_CASE("hostile: truncated READY metadata is refused with an ERROR")
{
    refused_at_once(cat(in::greeting, in::ready_truncated_metadata), errc::malformed_metadata, true);
}

TEST_CASE("hostile: megabytes of READY properties are refused at the frame header")
{
    // 4 MiB of well-formed metadata. libzmq 4.3.4 accepts it (the handshake succeeds);
    // zmtp bounds what an unauthenticated peer may send (max_handshake_size, 64 KiB) and
    // refuses as soon as the frame header announces more, before reading the body.
    const bytes ready = in::ready_megabytes();
    server s(router_options());
    raw_peer peer(s.port());
    REQUIRE(peer.send(cat(in::greeting, bytes(ready.begin(), ready.begin() + 9))));
    peer.send(bytes(ready.begin() + 9, ready.end())); // fails once the server has gone
    expect_closed_at_once(peer);
    expect_verdict(s, event::handshake_failed_protocol, errc::handshake_too_large);
    expect_unharmed(s, false);
}

TEST_CASE("hostile: an Identity starting with a zero byte is refused with an ERROR")
{
    // Reserved for generated routing ids (RFC 23/37, zmq_setsockopt(3) ZMQ_ROUTING_ID).
    // libzmq 4.3.4 accepts it; zmtp refuses it, so that a peer cannot pose as, or collide
    // with, a generated id.
    refused_at_once(cat(in::greeting, in::ready_identity_zero), errc::invalid_identity, true);
}

TEST_CASE("hostile: an Identity of 256 bytes is refused with an ERROR")
{
    // Identities are 1..255 bytes (a routing id must fit ZMTP 2.0's short frame). libzmq
    // 4.3.4 accepts this handshake; zmtp refuses it.
    refused_at_once(cat(in::greeting, in::ready_identity_256), errc::invalid_identity, true);
}

TEST_CASE("hostile: a message frame before the handshake is refused at once")
{
    refused_at_once(cat(in::greeting, in::message_frame_hello), errc::message_before_handshake);
}

TEST_CASE("hostile: a READY cut short by a disconnect ends the handshake without detail")
{
    server s(router_options());
    raw_peer peer(s.port());
    REQUIRE(peer.send(cat(in::greeting, bytes(in::ready_hostile.begin(), in::ready_hostile.begin() + 20))));
    peer.shutdown_write();
    expect_closed_at_once(peer);
    expect_verdict(s, event::handshake_failed_no_detail, asio::error::eof);
    expect_unharmed(s, false);
}

// --- dropped after the handshake --------------------------------------------------------------

TEST_CASE("hostile: a frame size with the top bit set drops the connection at once")
{
    dropped_after_handshake(router_options(), in::frame_size_top_bit, errc::invalid_frame_size);
}

TEST_CASE("hostile: a frame size near 2^64 drops the connection at once")
{
    dropped_after_handshake(router_options(), in::frame_size_near_2_64, errc::invalid_frame_size);
}

TEST_CASE("hostile: a frame over the maximum message size drops the connection at once")
{
    dropped_after_handshake(router_options_with_max(64 * 1024), in::frame_1_mib, errc::message_too_large);
}

TEST_CASE("hostile: a multipart message over the maximum message size drops the connection")
{
    dropped_after_handshake(router_options_with_max(64 * 1024), in::multipart_80_000, errc::message_too_large);
}

TEST_CASE("hostile: the disconnected event of a dropped peer names its routing id")
{
    // monitor.hpp: routing_id is "the peer's routing id, when known (after a handshake on a
    // ROUTER ...)". Which peer was dropped for a protocol violation is what an operator
    // needs to know.
    server s(router_options());
    raw_peer peer(s.port());
    handshake(s, peer);
    peer.send(in::frame_size_top_bit);
    expect_closed_at_once(peer);
    const zmtp::monitor_event v = expect_verdict(s, event::disconnected, errc::invalid_frame_size);
    CHECK(v.routing_id == "hostile");
    expect_unharmed(s, true);
}

TEST_CASE("hostile: a command with MORE after the handshake drops the connection at once")
{
    // libzmq 4.3.4 answers this PING with a PONG (it ignores MORE on commands).
    dropped_after_handshake(router_options(), in::ping_with_more, errc::command_with_more);
}

TEST_CASE("hostile: reserved flag bits on a message frame drop the connection at once")
{
    dropped_after_handshake(router_options(), in::frame_reserved_flag, errc::reserved_flags_set);
}

TEST_CASE("hostile: a PING with a 17-byte context drops the connection at once")
{
    // libzmq 4.3.4 also closes at once. First a PING with the largest legal context, which
    // must be answered with a PONG echoing it, on a connection that stays up.
    server s(router_options());
    raw_peer peer(s.port());
    handshake(s, peer);
    REQUIRE(peer.send(in::ping_context_16));
    REQUIRE_MESSAGE(peer.read_until_contains(in::pong_context_16, 5s), "no PONG echoing the context: " << hex(peer.received()));
    CHECK_FALSE(peer.closed());
    CHECK(s.events().terminal_count() == 0);

    REQUIRE(peer.send(in::ping_context_17));
    expect_closed_at_once(peer);
    expect_verdict(s, event::disconnected, errc::malformed_ping);
    expect_unharmed(s, true);
}

TEST_CASE("hostile: an unfinished multipart message and a disconnect: whole messages only, nothing leaks")
{
    server s(router_options());
    raw_peer peer(s.port());
    handshake(s, peer);
    REQUIRE(peer.send(in::complete_then_unfinished));
    // The complete message reaches the ROUTER's application before we hang up.
    const auto delivered = [&] { return !s.good().foreign().empty(); };
    for (int i = 0; i < 500 && !delivered(); ++i)
        std::this_thread::sleep_for(10ms);
    REQUIRE(delivered());
    peer.shutdown_write();
    expect_closed_at_once(peer); // the server closes its side when it sees our FIN
    expect_verdict(s, event::disconnected, asio::error::eof);
    expect_unharmed(s, true, {{"hostile", "complete"}});
}

TEST_CASE("hostile: an unfinished multipart message and a reset: whole messages only, nothing leaks")
{
    server s(router_options());
    {
        raw_peer peer(s.port());
        handshake(s, peer);
        REQUIRE(peer.send(in::complete_then_unfinished));
        const auto delivered = [&] { return !s.good().foreign().empty(); };
        for (int i = 0; i < 500 && !delivered(); ++i)
            std::this_thread::sleep_for(10ms);
        REQUIRE(delivered());
        peer.reset(); // SO_LINGER 0: an RST instead of a FIN
    }
    expect_verdict(s, event::disconnected, asio::error::connection_reset);
    expect_unharmed(s, true, {{"hostile", "complete"}});
}

TEST_CASE("hostile: an unfinished large frame and a disconnect free the half-read body")
{
    // 100,000 of 1 MiB arrive: the body is read straight into the frame (no limit set),
    // then the peer hangs up. LSan/ASan would report a leaked or misused body.
    server s(router_options());
    raw_peer peer(s.port());
    handshake(s, peer);
    REQUIRE(peer.send(in::unfinished_large_frame));
    std::this_thread::sleep_for(50ms);
    peer.shutdown_write();
    expect_closed_at_once(peer);
    expect_verdict(s, event::disconnected, asio::error::eof);
    expect_unharmed(s, true);
}

// --- closed by the handshake timeout ------------------------------------------------------------

TEST_CASE("hostile: a connection that opens and never speaks is closed by the handshake timeout")
{
    server s(router_options());
    raw_peer peer(s.port());
    expect_closed_by_timeout(peer, handshake_timeout);
    CHECK(peer.received().size() == 64); // our greeting, nothing else
    expect_timeout_verdict(s);
    expect_unharmed(s, false);
}

TEST_CASE("hostile: a greeting and then silence is closed by the handshake timeout")
{
    server s(router_options());
    raw_peer peer(s.port());
    REQUIRE(peer.send(in::greeting));
    expect_closed_by_timeout(peer, handshake_timeout);
    expect_timeout_verdict(s);
    expect_unharmed(s, false);
}

TEST_CASE("hostile: a greeting sent one byte per second is closed by the handshake timeout")
{
    // The timeout is 1.5 s, so bytes arrive at 0 s and 1 s, inside it: an idle timer
    // would never fire (the greeting would take 64 s). libzmq 4.3.4 closes such a peer
    // after its HANDSHAKE_IVL too.
    constexpr milliseconds timeout = 1500ms;
    server s(router_options(timeout));
    raw_peer peer(s.port());
    std::size_t sent = 0;
    while (sent < in::greeting.size() && !peer.closed()
           && clock::now() - peer.started() < timeout + slack) {
        if (!peer.send(bytes{in::greeting[sent]}))
            break;
        ++sent;
        peer.wait_closed(1s);
    }
    expect_closed_by_timeout(peer, timeout);
    CHECK(sent >= 2); // the second byte, at 1 s, did not keep it alive
    CHECK(sent < in::greeting.size());
    expect_timeout_verdict(s);
    expect_unharmed(s, false);
}

TEST_CASE("hostile: a greeting trickled one byte per 100 ms is closed by the handshake timeout")
{
    // Five times as many bytes as timeouts: each arrives well within 500 ms of the last.
    server s(router_options());
    raw_peer peer(s.port());
    std::size_t sent = 0;
    while (sent < in::greeting.size() && !peer.closed()
           && clock::now() - peer.started() < handshake_timeout + slack) {
        if (!peer.send(bytes{in::greeting[sent]}))
            break;
        ++sent;
        peer.wait_closed(100ms);
    }
    expect_closed_by_timeout(peer, handshake_timeout);
    CHECK(sent >= 4);
    CHECK(sent < in::greeting.size());
    expect_timeout_verdict(s);
    expect_unharmed(s, false);
}

TEST_CASE("hostile: 300 silent connections neither starve a new client nor outlive the handshake timeout")
{
    // CVE-2020-15166 class: connections that never finish their handshake must not keep
    // real clients out, and must all go when their time is up.
    constexpr milliseconds timeout = 3s;
    constexpr std::size_t silent_count = 300;
    server s(router_options(timeout));
    std::vector<std::unique_ptr<raw_peer>> silent;
    for (std::size_t i = 0; i < silent_count; ++i)
        silent.push_back(std::make_unique<raw_peer>(s.port()));

    // A new client, while all of them are open: served at once, not after the timeout.
    zmtp::context ctx;
    zmtp::socket newcomer(ctx, zmtp::socket_type::dealer,
                          {.routing_id = "newcomer", .linger = 0ms, .send_timeout = 5s, .receive_timeout = 5s});
    newcomer.connect(s.endpoint());
    newcomer.send(zmtp::message{"hello"});
    const auto arrived = [&] {
        for (const zmtp::message& m : s.good().foreign())
            if (m.size() == 2 && m[0] == "newcomer" && m[1] == "hello")
                return true;
        return false;
    };
    for (int i = 0; i < 500 && !arrived(); ++i)
        std::this_thread::sleep_for(10ms);
    REQUIRE_MESSAGE(arrived(), "the new client's message did not arrive");
    CHECK_MESSAGE(s.events().terminal_count() == 0, "the new client was only served after silent peers were dropped:"
                                                        << s.events().describe_all());
    s.router().send(zmtp::message{"newcomer", "welcome"});
    CHECK(newcomer.receive()[0] == "welcome");

    // Then every silent connection is closed by the timeout, and reported so.
    for (const auto& peer : silent) {
        const raw_peer::close_result r = peer->wait_closed(timeout + slack - std::chrono::duration_cast<milliseconds>(clock::now() - peer->started()));
        REQUIRE_MESSAGE(r.closed, "a silent connection outlived the handshake timeout");
        CHECK(r.since_start >= timeout);
    }
    const event_log& ev = s.events();
    REQUIRE(ev.wait_counts([&] { return ev.terminal_count(); }, silent_count, 10s));
    std::size_t timed_out = 0;
    for (const zmtp::monitor_event& e : ev.events())
        if (is_terminal(e.type) && e.error == errc::handshake_timeout && e.endpoint == s.endpoint())
            ++timed_out;
    CHECK(timed_out == silent_count);
    CHECK(ev.count(event::accepted) == silent_count + 2);
    CHECK(ev.count(event::handshake_succeeded) == 2); // the good DEALER and the newcomer
    const std::size_t rounds = s.good().rounds();
    CHECK(s.good().wait_rounds(rounds + 3, 10s));
    s.good().stop();
    CHECK_MESSAGE(s.good().failure().empty(), "good DEALER: " << s.good().failure());
    CHECK(ev.terminal_count() == silent_count);
}

} // TEST_SUITE("hostile")
