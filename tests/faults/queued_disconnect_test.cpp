// A ROUTER peer that stops reading, so the ROUTER's queue for it fills (send_hwm messages of
// 1 MiB, tens of MiB in all), then disconnects. The queue must be dropped and its memory
// freed, the routing id forgotten (router_mandatory: host_unreachable), a send that was
// waiting for room must not wait forever, other peers must not notice, and a new peer with
// the same routing id starts with an empty queue.
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

using namespace faults;

namespace {

constexpr std::size_t queue_hwm = 32;

/// Exchanges `n` messages between `dealer` and `router`.
void exchange(zmtp::socket& router, zmtp::socket& dealer, const std::string& id, int n = 10)
{
    static int rounds = 0;
    const std::string tag = std::to_string(rounds++);
    for (int i = 0; i < n; ++i)
        dealer.send(message{tag + "/" + std::to_string(i)});
    for (int i = 0; i < n; ++i) {
        const message m = router.receive();
        REQUIRE(parts(m) == strings{id, tag + "/" + std::to_string(i)});
        router.send(message{id, "re " + tag + "/" + std::to_string(i)});
    }
    for (int i = 0; i < n; ++i)
        REQUIRE(parts(dealer.receive()) == strings{"re " + tag + "/" + std::to_string(i)});
}

void full_peer_disconnects(bool mandatory)
{
    CAPTURE(mandatory);
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options({.send_hwm = queue_hwm, .router_mandatory = mandatory}));
    event_log log(router);
    router.bind("tcp://127.0.0.1:*");
    const int port = port_of(router.last_endpoint());
    zmtp::socket bystander(ctx, socket_type::dealer, test_options({.routing_id = "bystander"}));
    bystander.connect(router.last_endpoint());
    exchange(router, bystander, "bystander");

    const std::size_t base_heap = heap_in_use();
    const int base_fds = open_fds();

    // --- a peer that never reads: the kernel buffers fill, then the ROUTER's queue ----------
    raw_peer slow;
    slow.connect(port, 4096);
    slow.handshake("DEALER", "slow");
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::handshake_succeeded, 1, 5s, "slow"), log.describe());

    const std::string big(mib, 'q');
    int accepted = 0;
    int would_block_in_a_row = 0;
    for (int i = 0; i < 400 && would_block_in_a_row < 5; ++i) {
        message m{"slow", big};
        const std::error_code ec = router.try_send(m);
        if (ec == errc::would_block) { // router_mandatory: full; give the writer a chance
            ++would_block_in_a_row;
            std::this_thread::sleep_for(20ms);
            continue;
        }
        REQUIRE_MESSAGE(!ec, ec.message());
        would_block_in_a_row = 0;
        ++accepted;
    }
    if (mandatory)
        CHECK(would_block_in_a_row == 5);
    CHECK(accepted >= static_cast<int>(queue_hwm));
    // The queue is full: send_hwm messages of 1 MiB wait for the peer.
    REQUIRE_MESSAGE(heap_in_use() >= base_heap + (queue_hwm - 4) * mib,
                    "queued only " << (heap_in_use() - base_heap) / mib << " MiB");
    exchange(router, bystander, "bystander"); // a full peer holds up nobody

    // With router_mandatory a send for the full peer waits...
    // (Its result lives on the heap: the handler may run late, when the socket closes.)
    struct waiting_send {
        std::atomic<bool> done{false};
        std::error_code result;
    };
    const auto waiting = std::make_shared<waiting_send>();
    if (mandatory) {
        message m{"slow", "waiting"};
        router.async_send(std::move(m), [waiting](std::error_code ec) {
            waiting->result = ec;
            waiting->done = true;
        });
        std::this_thread::sleep_for(100ms);
        CHECK_FALSE(waiting->done);
    }

    // --- the peer goes away ------------------------------------------------------------
    slow.reset();
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::disconnected, 1), log.describe());

    if (mandatory) {
        // ...and must not wait forever for a peer that is gone: libzmq's man page has the
        // send fail (EHOSTUNREACH for a peer that does not exist any more).
        CHECK_MESSAGE(eventually([&] { return waiting->done.load(); }, 5s),
                      "a send waiting for the full peer still waits after the peer disconnected");
        if (waiting->done)
            CHECK(waiting->result == errc::host_unreachable);
        message m{"slow", "after"};
        CHECK(router.try_send(m) == errc::host_unreachable); // forgotten
    }
    CHECK_MESSAGE(eventually([&] { return heap_in_use() <= base_heap + 2 * mib; }),
                  "the dropped queue was not freed: " << (static_cast<long long>(heap_in_use()) - static_cast<long long>(base_heap)) / 1024
                                                      << " KiB more than before");
    CHECK_MESSAGE(eventually([&] { return open_fds() == base_fds; }), open_fds() << " fds open, " << base_fds << " before");
    exchange(router, bystander, "bystander");

    // --- a new peer with the same routing id: accepted, and its queue starts empty ------------
    raw_peer again;
    again.connect(port);
    again.handshake("DEALER", "slow");
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::handshake_succeeded, 2, 5s, "slow"), log.describe());
    router.send(message{"slow", "fresh"});
    CHECK(again.read_message(5s) == std::optional<strings>(strings{"fresh"})); // not a stale 1 MiB message
    CHECK_FALSE(again.read_message(200ms)); // and nothing else
    again.send_message({"hello again"});
    CHECK(parts(router.receive()) == strings{"slow", "hello again"});
    exchange(router, bystander, "bystander");
    CHECK(log.count(monitor_event_type::handshake_failed_protocol) == 0);
}

} // namespace

TEST_CASE("faults: a ROUTER peer disconnecting with a full queue: the queue is dropped and freed, others unaffected")
{
    full_peer_disconnects(false);
}

TEST_CASE("faults: same with router_mandatory: a send waiting for the gone peer fails, the id is unreachable")
{
    full_peer_disconnects(true);
}
