// A peer that dies in the middle of a message: a DEALER that completed a real ZMTP handshake
// with a ROUTER sends part of a multipart message or part of a large frame, then is
// SIGKILLed (a child process: the kernel closes its socket) or resets its connection (RST,
// SO_LINGER 0). The ROUTER must deliver nothing of it, report the disconnection, keep no
// state (the same routing id may come back and starts clean) and no memory (the 32 MiB body
// it allocated for the unfinished frame is freed), while another peer keeps talking.
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

using namespace faults;

namespace {

enum class death { sigkill, reset };

/// A ROUTER with a well-behaved DEALER ("bystander") that exchanges messages with it.
struct router_with_bystander {
    zmtp::context ctx;
    zmtp::socket router{ctx, socket_type::router, test_options()};
    event_log log{router};
    zmtp::socket bystander{ctx, socket_type::dealer, test_options({.routing_id = "bystander"})};
    int rounds = 0;

    router_with_bystander()
    {
        router.bind("tcp://127.0.0.1:*");
        bystander.connect(router.last_endpoint());
    }

    int port() { return port_of(router.last_endpoint()); }

    /// `n` messages from the bystander, each answered by the ROUTER: all arrive, whole, in
    /// order, from the bystander (and from nobody else).
    void exchange(int n = 10)
    {
        const std::string tag = std::to_string(rounds++);
        for (int i = 0; i < n; ++i) {
            message ping{"ping " + tag + " " + std::to_string(i)};
            bystander.send(std::move(ping));
        }
        for (int i = 0; i < n; ++i) {
            const message got = router.receive();
            REQUIRE(parts(got) == strings{"bystander", "ping " + tag + " " + std::to_string(i)});
            router.send(message{"bystander", "pong " + tag + " " + std::to_string(i)});
        }
        for (int i = 0; i < n; ++i)
            REQUIRE(parts(bystander.receive()) == strings{"pong " + tag + " " + std::to_string(i)});
    }
};

void peer_dies_mid_message(death how)
{
    router_with_bystander r;
    r.exchange(); // everything is up and warm
    const int base_fds = open_fds();
    const char* variants[] = {"more", "header", "body", "more-body"};
    std::size_t victims = 0;
    for (const char* variant : variants) {
        CAPTURE(variant);
        const std::size_t base_heap = heap_in_use();
        {
            // --- the victim: handshake, part of a message, then death -------------------
            std::optional<child_process> child;
            raw_peer raw;
            if (how == death::sigkill) {
                child.emplace(strings{"partial", std::to_string(r.port()), variant, "victim"});
                const auto line = child->read_line(10s);
                REQUIRE_MESSAGE(line == std::optional<std::string>("ready"), "child said: " << line.value_or("(nothing)"));
            } else {
                raw.connect(r.port());
                raw.handshake("DEALER", "victim");
                raw.send_bytes(partial_message(variant));
            }
            REQUIRE_MESSAGE(r.log.wait_count(monitor_event_type::handshake_succeeded, victims + 1, 5s, "victim"),
                            r.log.describe());
            if (const std::size_t body = partial_body_bytes(variant); body > 0) {
                // The ROUTER is inside the 32 MiB frame: it holds what arrived of the body,
                // in a block that doubles as bytes arrive, not the 32 MiB announced.
                REQUIRE_MESSAGE(eventually([&] { return heap_in_use() >= base_heap + body; }),
                                "heap grew by only " << (heap_in_use() - base_heap) << " bytes");
                const std::size_t grown = heap_in_use() - base_heap;
                CHECK_MESSAGE(grown <= 2 * body + mib, "holds " << grown << " bytes for " << body << " received");
            }
            r.exchange(); // a peer stuck mid-message holds up nobody

            if (how == death::sigkill) {
                child->kill(SIGKILL);
                const int status = child->wait();
                CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
            } else {
                raw.reset();
            }
        }
        ++victims;

        // --- the ROUTER noticed, delivered nothing, and forgot it -------------------------
        REQUIRE_MESSAGE(r.log.wait_count(monitor_event_type::disconnected, victims), r.log.describe());
        const zmtp::monitor_event last = r.log.events().back();
        CHECK(last.type == monitor_event_type::disconnected);
        CHECK(last.error); // why: end of stream or reset
        CHECK(last.endpoint == r.router.last_endpoint());
        r.exchange(); // the bystander's messages still come, and only those

        std::error_code ec;
        CHECK_FALSE(r.router.try_receive(ec)); // no partial message, ever
        CHECK(ec == errc::would_block);

        CHECK_MESSAGE(eventually([&] { return heap_in_use() <= base_heap + 2 * mib; }),
                      "the dead peer's memory was not freed: " << (static_cast<long long>(heap_in_use()) - static_cast<long long>(base_heap))
                                                               << " bytes more than before it came");
        CHECK_MESSAGE(eventually([&] { return open_fds() == base_fds; }), open_fds() << " fds open, " << base_fds << " before");

        // --- the same routing id comes back: accepted (not a duplicate), starts clean ------
        raw_peer again;
        again.connect(r.port());
        again.handshake("DEALER", "victim");
        REQUIRE_MESSAGE(r.log.wait_count(monitor_event_type::handshake_succeeded, victims + 1, 5s, "victim"),
                        r.log.describe());
        again.send_message({"whole", "message"});
        // Not glued to the dead peer's first frame.
        CHECK(parts(r.router.receive()) == strings{"victim", "whole", "message"});
        r.router.send(message{"victim", "welcome back"});
        CHECK(again.read_message(5s) == std::optional<strings>(strings{"welcome back"}));
        again.close();
        ++victims;
        REQUIRE_MESSAGE(r.log.wait_count(monitor_event_type::disconnected, victims), r.log.describe());
        r.exchange();
    }
    CHECK(r.log.count(monitor_event_type::handshake_failed_protocol) == 0);
    CHECK(r.log.count(monitor_event_type::handshake_failed_no_detail) == 0);
}

} // namespace

TEST_CASE("faults: a peer SIGKILLed mid-message: nothing delivered, disconnect reported, no state or memory kept")
{
    peer_dies_mid_message(death::sigkill);
}

TEST_CASE("faults: a peer resetting (RST) mid-message: nothing delivered, disconnect reported, no state or memory kept")
{
    peer_dies_mid_message(death::reset);
}
