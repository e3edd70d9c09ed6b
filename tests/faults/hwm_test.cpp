// High-water marks, per socket type, as `man zmq_socket` documents them ("action in mute
// state"): DEALER and REQ block (try_send: would_block; send with dontwait: would_block;
// blocking send: waits, here up to send_timeout; async_send: completes once there is room),
// messages are not discarded. ROUTER drops messages for a peer whose queue is full, or with
// ROUTER_MANDATORY blocks / says would_block (EAGAIN). REP has no mute state in the man page;
// libzmq's REP (by experiment: 100 replies with SNDHWM 2 to a peer that does not read all
// succeed, 5 to 10 arrive) and RFC 28 drop a reply that cannot be queued: REP never blocks.
//
// Counting. With no connection yet (a DEALER's connect() endpoint, immediate off) exactly
// send_hwm messages queue per endpoint, then the socket blocks: libzmq 4.3.4 does the same
// (SNDHWM 1, 5, 1000 -> 1, 5, 1000 messages; two endpoints with SNDHWM 3 -> 6). With a
// connected peer that does not read, the socket buffers of both kernels absorb messages too,
// so the exact count is not deterministic: the tests assert at least send_hwm and at most a
// bound made of the kernel's buffers, and that what was accepted all arrives, in order, once
// the peer reads (ROUTER drops being the only loss).
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

using namespace faults;

namespace {

std::shared_ptr<completion> start_async_send(zmtp::socket& s, message m)
{
    auto c = std::make_shared<completion>();
    s.async_send(std::move(m), [c](std::error_code ec) {
        c->ec = ec;
        c->done = true;
    });
    return c;
}

/// Messages of `size` bytes a socket can have taken, beyond the kernel's share, for a peer
/// that does not read, before it blocks or drops: send_hwm in its queue, and (generously) as
/// many again plus 1 MiB being written by the connection when it blocked.
std::size_t accepted_bound(std::size_t hwm, std::size_t size)
{
    return 2 * hwm + (kernel_bytes() + mib) / size + 4;
}

/// Sends with try_send until it says would_block 10 times in a row, 30 ms apart (so the
/// connection has long written everything the kernel would take: the peer never reads, so
/// that state is final); returns how many were accepted. Each message is
/// [prefix..., index, body].
int fill(zmtp::socket& s, const strings& prefix, const std::string& body, int limit)
{
    int accepted = 0;
    for (int in_a_row = 0; in_a_row < 10 && accepted < limit;) {
        message m;
        for (const std::string& p : prefix)
            m.push_back(std::string_view(p));
        m.push_back(std::to_string(accepted));
        m.push_back(std::string_view(body));
        const std::error_code ec = s.try_send(m);
        if (ec == errc::would_block) {
            CHECK(m.size() == prefix.size() + 2); // left untouched
            ++in_a_row;
            std::this_thread::sleep_for(30ms);
            continue;
        }
        REQUIRE_MESSAGE(!ec, ec.message());
        in_a_row = 0;
        ++accepted;
    }
    return accepted;
}

/// Reads messages [prefix..., index, body] from a raw peer until none comes for 500 ms;
/// returns the indexes (checking every body).
std::vector<int> drain(raw_peer& peer, std::size_t prefix, std::size_t body_size)
{
    std::vector<int> indexes;
    while (auto m = peer.read_message(500ms)) {
        REQUIRE(m->size() == prefix + 2);
        CHECK((*m)[prefix + 1].size() == body_size);
        indexes.push_back(std::stoi((*m)[prefix]));
    }
    return indexes;
}

std::vector<int> iota(int from, int to)
{
    std::vector<int> v;
    for (int i = from; i < to; ++i)
        v.push_back(i);
    return v;
}

bool strictly_increasing(const std::vector<int>& v)
{
    return std::adjacent_find(v.begin(), v.end(), [](int a, int b) { return a >= b; }) == v.end();
}

/// With `accepted` messages [prefix..., index, body] queued for a peer that does not read
/// (`prefix` is a ROUTER's routing id, so the peer gets [index, body]):
/// the next one fails with would_block (dontwait, then the send_timeout), an async_send of
/// it waits; once the peer reads, all of them arrive once, in order, the waiting one last.
void expect_blocked_until_read(zmtp::socket& s, raw_peer& peer, const strings& prefix, const std::string& body,
                               int accepted)
{
    message next;
    for (const std::string& p : prefix)
        next.push_back(std::string_view(p));
    next.push_back(std::to_string(accepted));
    next.push_back(std::string_view(body));
    std::error_code ec;
    s.send(next, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::would_block);
    s.send(next, zmtp::send_flags::none, ec); // send_timeout
    CHECK(ec == errc::would_block);
    const auto async = start_async_send(s, next);
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(async->done);

    const std::vector<int> got = drain(peer, 0, body.size());
    CHECK(got == iota(0, accepted + 1));
    CHECK(async->done);
    CHECK_FALSE(async->ec);
}

} // namespace

TEST_CASE("faults: HWM: a DEALER with no connection yet queues exactly send_hwm messages per endpoint, then blocks")
{
    for (const std::size_t hwm : {1u, 7u, 1000u}) {
        CAPTURE(hwm);
        zmtp::context ctx;
        zmtp::socket dealer(ctx, socket_type::dealer, test_options({.send_hwm = hwm, .send_timeout = 100ms}));
        const std::string endpoint = unique_ipc();
        dealer.connect(endpoint); // nobody listens: the endpoint's queue holds them

        for (std::size_t i = 0; i < hwm; ++i) {
            message m{std::to_string(i)};
            REQUIRE_MESSAGE(!dealer.try_send(m), "message " << i << " refused");
        }
        message next{std::to_string(hwm)};
        CHECK(dealer.try_send(next) == errc::would_block);
        CHECK(parts(next) == strings{std::to_string(hwm)}); // untouched
        std::error_code ec;
        dealer.send(message{"dontwait"}, zmtp::send_flags::dontwait, ec);
        CHECK(ec == errc::would_block);
        dealer.send(message{"timeout"}, zmtp::send_flags::none, ec); // waits send_timeout
        CHECK(ec == errc::would_block);
        const auto async = start_async_send(dealer, std::move(next));
        std::this_thread::sleep_for(100ms);
        CHECK_FALSE(async->done); // waits for room

        zmtp::socket router(ctx, socket_type::router, test_options());
        router.bind(endpoint);
        CHECK(eventually([&] { return async->done.load(); }));
        CHECK_FALSE(async->ec);
        // All that was accepted, in order, and nothing that was refused.
        for (std::size_t i = 0; i <= hwm; ++i)
            REQUIRE(router.receive()[1] == std::to_string(i));
        CHECK(nothing_more(router));
    }

    // The limit is per endpoint: two of them take twice as many.
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.send_hwm = 3, .linger = 0ms}));
    dealer.connect(unique_ipc());
    dealer.connect(unique_ipc());
    int accepted = 0;
    for (;; ++accepted) {
        message m{"x"};
        if (dealer.try_send(m))
            break;
        REQUIRE(accepted < 100);
    }
    CHECK(accepted == 6);
}

TEST_CASE("faults: HWM: REQ blocks while no peer can take a request, and queues send_hwm when relaxed")
{
    zmtp::context ctx;
    {
        // immediate: no connection, no queue; the request waits for a REP.
        zmtp::socket req(ctx, socket_type::req, test_options({.immediate = true, .send_timeout = 100ms}));
        const std::string endpoint = unique_ipc();
        req.connect(endpoint);
        message m{"request"};
        CHECK(req.try_send(m) == errc::would_block);
        std::error_code ec;
        req.send(message{"request"}, zmtp::send_flags::dontwait, ec);
        CHECK(ec == errc::would_block);
        req.send(message{"request"}, zmtp::send_flags::none, ec);
        CHECK(ec == errc::would_block);
        const auto async = start_async_send(req, std::move(m));
        std::this_thread::sleep_for(100ms);
        CHECK_FALSE(async->done);

        zmtp::socket rep(ctx, socket_type::rep, test_options());
        rep.bind(endpoint);
        CHECK(eventually([&] { return async->done.load(); }));
        CHECK_FALSE(async->ec);
        CHECK(parts(rep.receive()) == strings{"request"}); // once: the refused ones were not queued
        rep.send(message{"reply"});
        CHECK(parts(req.receive()) == strings{"reply"});
    }
    {
        // req_relaxed lets a REQ send again without a reply: then send_hwm is the limit,
        // exactly as for a DEALER (libzmq: the same counts).
        zmtp::socket req(ctx, socket_type::req, test_options({.send_hwm = 5, .req_relaxed = true}));
        const std::string endpoint = unique_ipc();
        req.connect(endpoint);
        for (int i = 0; i < 5; ++i) {
            message m{std::to_string(i)};
            REQUIRE(!req.try_send(m));
        }
        message m{"5"};
        CHECK(req.try_send(m) == errc::would_block);
        zmtp::socket rep(ctx, socket_type::rep, test_options());
        rep.bind(endpoint);
        for (int i = 0; i < 5; ++i) {
            REQUIRE(parts(rep.receive()) == strings{std::to_string(i)});
            rep.send(message{"ok"});
        }
        CHECK(nothing_more(rep));
    }
}

TEST_CASE("faults: HWM: a DEALER whose peer stops reading blocks, and everything it accepted arrives")
{
    constexpr std::size_t hwm = 8;
    const std::string body(256 * 1024, 'd');
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.send_hwm = hwm, .send_timeout = 100ms}));
    dealer.bind("tcp://127.0.0.1:*");
    event_log log(dealer);
    raw_peer peer;
    peer.connect(port_of(dealer.last_endpoint()), 4096);
    peer.handshake("ROUTER", std::nullopt);
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 1));

    const int limit = static_cast<int>(accepted_bound(hwm, body.size())) + 40;
    const int accepted = fill(dealer, {}, body, limit);
    MESSAGE("DEALER, send_hwm " << hwm << ", 256 KiB messages, peer not reading: " << accepted
                                << " accepted before blocking (bound " << accepted_bound(hwm, body.size()) << ")");
    CHECK(accepted >= static_cast<int>(hwm));
    CHECK(accepted <= static_cast<int>(accepted_bound(hwm, body.size())));

    expect_blocked_until_read(dealer, peer, {}, body, accepted);
}

TEST_CASE("faults: HWM: a ROUTER drops messages for a full peer and never blocks")
{
    constexpr std::size_t hwm = 8;
    const std::string body(256 * 1024, 'r');
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options({.send_hwm = hwm}));
    event_log log(router);
    router.bind("tcp://127.0.0.1:*");
    raw_peer peer;
    peer.connect(port_of(router.last_endpoint()), 4096);
    peer.handshake("DEALER", "slow");
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 1));

    const int bound = static_cast<int>(accepted_bound(hwm, body.size()));
    const int sent = bound + 40;
    for (int i = 0; i < sent; ++i) {
        std::error_code ec;
        // The blocking send with no dontwait: it never waits (send_timeout would fail it).
        router.send(message{"slow", std::to_string(i), body}, zmtp::send_flags::none, ec);
        REQUIRE_MESSAGE(!ec, "send " << i << ": " << ec.message());
    }
    // No "one more send once everything has settled is dropped" check: the kernel keeps
    // taking bytes from a peer's socket for a while (buffer autotuning, window probes), so
    // whether the queue has room at a given moment is timing, not semantics.
    const std::vector<int> got = drain(peer, 0, body.size());
    MESSAGE("ROUTER, send_hwm " << hwm << ", 256 KiB messages, peer not reading: " << got.size() << " of " << sent
                                << " delivered (bound " << bound << "), the rest dropped");
    CHECK(strictly_increasing(got)); // once each, in order
    REQUIRE(got.size() >= hwm);
    CHECK(std::vector<int>(got.begin(), got.begin() + hwm) == iota(0, static_cast<int>(hwm))); // the first send_hwm always fit
    CHECK(static_cast<int>(got.size()) <= bound);
    CHECK(static_cast<int>(got.size()) < sent); // the rest were dropped, and no send waited

    // Once the peer has read, it gets messages again (and only new ones).
    router.send(message{"slow", "after", "x"});
    CHECK(peer.read_message(5s) == std::optional<strings>(strings{"after", "x"}));
}

TEST_CASE("faults: HWM: a ROUTER with router_mandatory says would_block and waits for a full peer, losing nothing")
{
    constexpr std::size_t hwm = 8;
    const std::string body(256 * 1024, 'm');
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options({.send_hwm = hwm, .router_mandatory = true, .send_timeout = 100ms}));
    event_log log(router);
    router.bind("tcp://127.0.0.1:*");
    raw_peer peer;
    peer.connect(port_of(router.last_endpoint()), 4096);
    peer.handshake("DEALER", "slow");
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 1));

    const int bound = static_cast<int>(accepted_bound(hwm, body.size()));
    const int accepted = fill(router, {"slow"}, body, bound + 40);
    MESSAGE("ROUTER (mandatory), send_hwm " << hwm << ", 256 KiB messages, peer not reading: " << accepted
                                            << " accepted before would_block (bound " << bound << ")");
    CHECK(accepted >= static_cast<int>(hwm));
    CHECK(accepted <= bound);

    expect_blocked_until_read(router, peer, {"slow"}, body, accepted); // nothing lost
    // An unknown peer is still an error, not a wait.
    message m{"nobody", "x"};
    CHECK(router.try_send(m) == errc::host_unreachable);
}

TEST_CASE("faults: HWM: REP never blocks: replies to a peer that does not read are dropped")
{
    constexpr std::size_t hwm = 2;
    const std::string body(256 * 1024, 'p');
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options({.send_hwm = hwm}));
    event_log log(rep);
    rep.bind("tcp://127.0.0.1:*");
    raw_peer peer; // a DEALER speaking REQ's envelope: empty delimiter, then the body
    peer.connect(port_of(rep.last_endpoint()), 4096);
    peer.handshake("DEALER", std::nullopt);
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 1));

    const int bound = static_cast<int>(accepted_bound(hwm, body.size()));
    const int requests = bound + 40;
    for (int i = 0; i < requests; ++i)
        peer.send_message({"", std::to_string(i)});
    for (int i = 0; i < requests; ++i) {
        REQUIRE(parts(rep.receive()) == strings{std::to_string(i)});
        std::error_code ec;
        rep.send(message{std::to_string(i), body}, zmtp::send_flags::none, ec); // never waits
        REQUIRE_MESSAGE(!ec, "reply " << i << ": " << ec.message());
    }
    const std::vector<int> got = drain(peer, 1, body.size()); // [delimiter, index, body]
    MESSAGE("REP, send_hwm " << hwm << ", 256 KiB replies, peer not reading: " << got.size() << " of " << requests
                             << " delivered (bound " << bound << ")");
    CHECK(strictly_increasing(got));
    REQUIRE(got.size() >= hwm);
    CHECK(std::vector<int>(got.begin(), got.begin() + hwm) == iota(0, static_cast<int>(hwm)));
    CHECK(static_cast<int>(got.size()) <= bound);
    CHECK(static_cast<int>(got.size()) < requests);
}
