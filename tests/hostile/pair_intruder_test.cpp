// PAIR with a second peer knocking (issue 12, section 4, case 7): while two zmtp PAIRs
// exchange numbered messages both ways in lock step, raw peers (greeting, READY as PAIR and
// a message, all in one write) and a reconnecting zmtp PAIR keep trying to join the bound
// one. Each is refused (errc::peer_already_connected), nothing of theirs is delivered, the
// first pair loses nothing, and the heap returns to its baseline once they have gone. Once
// the first peer leaves, the next one is accepted.
#include "zmtp/socket.hpp"

#include "subscription_support.hpp"

#include <doctest/doctest.h>

#include <cstdio>

using namespace hostile;
using namespace hostile::subs;
using zmtp::errc;
using zmtp::socket_type;
using event = zmtp::monitor_event_type;

namespace {

/// Two PAIRs exchanging numbered messages in lock step on their own thread: round r, the
/// bound one sends per_round messages "a<r>.<i>" which the other must receive exactly, in
/// order; then the other way ("b<r>.<i>"). Anything else (an intruder's message) or a
/// receive timeout (5 s) is the failure.
class pair_exchange final : public round_loop {
public:
    static constexpr int per_round = 10;

    pair_exchange(zmtp::socket& a, zmtp::socket& b) : round_loop(1ms), a_(a), b_(b) { start_rounds(); }
    ~pair_exchange() override { stop(); }

private:
    bool round(std::size_t r) override
    {
        return one_way(a_, b_, "a" + std::to_string(r) + ".") && one_way(b_, a_, "b" + std::to_string(r) + ".");
    }

    bool one_way(zmtp::socket& from, zmtp::socket& to, const std::string& prefix)
    {
        std::error_code ec;
        for (int i = 0; i < per_round; ++i) {
            from.send(zmtp::message{prefix + std::to_string(i)}, zmtp::send_flags::none, ec);
            if (ec)
                return fail("send of " + prefix + std::to_string(i) + ": " + describe(ec));
        }
        for (int i = 0; i < per_round; ++i) {
            const zmtp::message m = to.receive(zmtp::recv_flags::none, ec);
            const std::string expected = prefix + std::to_string(i);
            if (ec)
                return fail("receive of " + expected + ": " + describe(ec));
            if (m.size() != 1 || m[0] != expected)
                return fail("expected " + expected + ", got " + (m.empty() ? std::string("nothing") : m[0].to_string()));
        }
        return true;
    }

    zmtp::socket& a_;
    zmtp::socket& b_;
};
zmtp::socket_options pair_options(milliseconds reconnect = 100ms)
{
    return {.linger = 0ms, .reconnect_interval = reconnect, .send_timeout = 5s, .receive_timeout = 5s};
}

std::size_t measure(pair_exchange& x)
{
    REQUIRE_MESSAGE(x.wait_rounds(x.rounds() + 2, 10s), "the first pair: " << x.failure());
    x.pause();
    std::this_thread::sleep_for(100ms);
    const std::size_t heap = heap_in_use();
    x.resume();
    return heap;
}

} // namespace

TEST_SUITE("hostile")
{

TEST_CASE("pair: a second peer knocking again and again is refused each time while the first pair loses nothing")
{
    constexpr std::size_t raw_knocks = 200;
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::pair, pair_options());
    event_log events(a, true);
    a.bind("tcp://127.0.0.1:*");
    const std::string endpoint = a.last_endpoint();
    const auto port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    zmtp::socket b(ctx, socket_type::pair, pair_options());
    b.connect(endpoint);
    REQUIRE(wait_until([&] { return events.count(event::handshake_succeeded) == 1; }, 10s));

    auto exchange = std::make_unique<pair_exchange>(a, b);
    REQUIRE_MESSAGE(exchange->wait_rounds(3, 10s), exchange->failure());
    const std::size_t baseline = measure(*exchange);
    const std::size_t rounds_before = exchange->rounds();
    heap_sampler heap;

    // Raw peers: a whole handshake and a message in one write, then wait to be closed.
    const bytes knock = cat(in::greeting, ready("PAIR"), frame(0, cat("intruder")));
    std::size_t closed = 0;
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < raw_knocks; ++i) {
        raw_peer intruder(port);
        (void)intruder.send(knock);
        closed += intruder.wait_closed(5s).closed;
    }
    const auto raw_ms = std::chrono::duration_cast<milliseconds>(clock::now() - t0).count();
    CHECK(closed == raw_knocks);
    CHECK(wait_until([&] { return events.count(event::handshake_failed_protocol) >= raw_knocks; }, 10s));

    // A zmtp PAIR that reconnects every 10 ms, with messages queued for whoever takes it.
    std::size_t zmtp_knocks = 0;
    {
        zmtp::socket c(ctx, socket_type::pair, pair_options(10ms));
        const std::size_t before = events.count(event::handshake_failed_protocol);
        c.connect(endpoint);
        for (int i = 0; i < 5; ++i) { // queued for the connect() endpoint
            zmtp::message m{"intruder " + std::to_string(i)};
            CHECK_FALSE(c.try_send(m));
        }
        CHECK(wait_until([&] { return events.count(event::handshake_failed_protocol) >= before + 20; }, 10s));
        zmtp_knocks = events.count(event::handshake_failed_protocol) - before;
    }
    heap.stop();
    CHECK(exchange->wait_rounds(exchange->rounds() + 3, 10s));
    CHECK_MESSAGE(exchange->failure().empty(), exchange->failure());
    const std::size_t rounds_during = exchange->rounds() - rounds_before;

    // Every refusal said why; the first peer was never dropped.
    std::size_t refusals = 0;
    for (const zmtp::monitor_event& e : events.events())
        if (e.type == event::handshake_failed_protocol) {
            ++refusals;
            CHECK_MESSAGE(e.error == errc::peer_already_connected, describe(e));
        }
    CHECK(refusals >= raw_knocks + 20);
    CHECK(events.count(event::disconnected) == 0);
    CHECK(events.count(event::handshake_succeeded) == 1);

    std::this_thread::sleep_for(100ms); // the last knock's session ends
    std::size_t after = measure(*exchange);
    for (int i = 0; i < 20 && after > baseline + 1024 * 1024; ++i)
        after = measure(*exchange);
    std::printf("pair: %zu raw knocks in %lld ms and %zu by a reconnecting zmtp PAIR, all refused; the first pair "
                "completed %zu rounds meanwhile, nothing lost | heap baseline %zu B | peak %zu B (+%lld) | after %zu B "
                "(%+lld) | %s\n",
                raw_knocks, static_cast<long long>(raw_ms), zmtp_knocks, rounds_during, baseline, heap.peak(),
                signed_diff(heap.peak(), baseline), after, signed_diff(after, baseline), heap_probe_name().c_str());
    // The recorded monitor events (a few hundred, kept by this test) are the only growth
    // allowed besides noise.
    CHECK(after <= baseline + 1024 * 1024);
    CHECK(heap.peak() <= baseline + 4 * 1024 * 1024);

    // Once the first peer has gone, the next is accepted.
    exchange->stop();
    CHECK(exchange->failure().empty());
    exchange.reset();
    b.close();
    REQUIRE(wait_until([&] { return events.count(event::disconnected) == 1; }, 10s));
    zmtp::socket d(ctx, socket_type::pair, pair_options());
    d.connect(endpoint);
    REQUIRE(wait_until([&] { return events.count(event::handshake_succeeded) == 2; }, 10s));
    a.send(zmtp::message{"to d"});
    CHECK(d.receive()[0] == "to d");
    d.send(zmtp::message{"from d"});
    CHECK(a.receive()[0] == "from d");
    events.detach();
}

} // TEST_SUITE
