// A subscriber that never reads (issue 12, section 4, case 5): a raw SUB (a small receive
// buffer, subscribed to everything) stops reading while two zmtp SUBs read everything. The
// PUB never blocks; the readers get every message, in order; the silent one's queue stays
// at send_hwm (what it gets once it reads is bounded by send_hwm plus what the kernels
// held), so the publisher's heap stays flat however much is published, and comes back to
// its baseline once the silent one has gone.
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>

using namespace faults;

TEST_CASE("faults: a SUB that never reads: the PUB keeps serving the others, its queue stays at send_hwm")
{
    constexpr std::size_t hwm = 100;
    constexpr std::size_t size = 16 * 1024;
    constexpr int rounds = 100;
    constexpr int per_round = 50; // under send_hwm: a reading SUB never misses one
    zmtp::context ctx;
    zmtp::socket pub(ctx, socket_type::pub, test_options({.send_hwm = hwm, .linger = 0ms}));
    event_log log(pub);
    pub.bind("tcp://127.0.0.1:*");
    const std::string endpoint = pub.last_endpoint();
    std::vector<std::unique_ptr<zmtp::socket>> readers;
    for (int i = 0; i < 2; ++i) {
        readers.push_back(std::make_unique<zmtp::socket>(ctx, socket_type::sub, test_options()));
        readers.back()->subscribe("");
        readers.back()->connect(endpoint);
    }
    raw_peer silent;
    silent.connect(port_of(endpoint), 4096);
    silent.handshake("SUB", std::nullopt);
    silent.send_bytes(encode_frame("\x09SUBSCRIBE", false, true)); // everything
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 3));

    // Until every subscription has arrived: "sync" messages, until all three have one.
    std::vector<bool> synced(3, false);
    REQUIRE(eventually(
        [&] {
            pub.send(message{"sync"});
            for (std::size_t i = 0; i < readers.size(); ++i)
                if (readers[i]->receive_for(5ms))
                    synced[i] = true;
            if (silent.read_message(5ms))
                synced[2] = true;
            return std::find(synced.begin(), synced.end(), false) == synced.end();
        },
        10s));
    for (auto& r : readers) // the rest of the syncs
        while (r->receive_for(50ms)) {
        }
    std::this_thread::sleep_for(100ms);
    const std::size_t baseline = heap_in_use();
    std::size_t peak = baseline;

    // From here on the silent SUB reads nothing; the others read every round.
    int seq = 0;
    for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < per_round; ++i) {
            std::error_code ec;
            pub.send(message{numbered(seq++, size)}, zmtp::send_flags::dontwait, ec); // a PUB never waits
            REQUIRE_MESSAGE(!ec, ec.message());
        }
        peak = std::max(peak, heap_in_use());
        for (std::size_t s = 0; s < readers.size(); ++s)
            for (int i = 0; i < per_round; ++i) {
                const int expected = seq - per_round + i;
                const std::optional<message> m = readers[s]->receive_for(5s);
                REQUIRE_MESSAGE(m.has_value(), "reader " << s << " missed " << expected);
                REQUIRE_MESSAGE(m->size() == 1, "reader " << s);
                REQUIRE_MESSAGE(seq_of((*m)[0].view()) == expected, "reader " << s << " expected " << expected);
                CHECK((*m)[0].size() == size);
            }
        peak = std::max(peak, heap_in_use());
    }
    std::this_thread::sleep_for(100ms);
    const std::size_t held = heap_in_use(); // the silent one's queue is full now
    CHECK(log.count(monitor_event_type::disconnected) == 0);

    // The silent SUB reads at last: a bounded prefix-first, in-order subset.
    std::vector<int> got;
    while (const std::optional<strings> m = silent.read_message(500ms)) {
        REQUIRE(m->size() == 1);
        if ((*m)[0] == "sync")
            continue;
        got.push_back(seq_of((*m)[0]));
    }
    const std::size_t bound = 2 * hwm + (kernel_bytes() + mib) / size + 4;
    CHECK(std::adjacent_find(got.begin(), got.end(), [](int a, int b) { return a >= b; }) == got.end());
    REQUIRE(got.size() >= hwm);
    for (std::size_t i = 0; i < hwm; ++i) // the first send_hwm always fit
        CHECK(got[i] == static_cast<int>(i));
    CHECK(got.size() <= bound);
    CHECK(static_cast<int>(got.size()) < seq); // the rest were dropped for it alone

    silent.reset();
    REQUIRE(log.wait_count(monitor_event_type::disconnected, 1));
    std::size_t after = heap_in_use();
    for (int i = 0; i < 50 && after > baseline + mib; ++i) {
        std::this_thread::sleep_for(20ms);
        after = heap_in_use();
    }
    std::printf("faults: PUB, send_hwm %zu, %d messages of %zu B published (%zu MiB) while one SUB never read: readers "
                "got all, the silent one %zu when it read (bound %zu) | heap baseline %zu B | peak %zu B (+%lld) | "
                "while held %zu B (+%lld) | after %zu B (%+lld)\n",
                hwm, seq, size, static_cast<std::size_t>(seq) * size / mib, got.size(), bound, baseline, peak,
                static_cast<long long>(peak) - static_cast<long long>(baseline), held,
                static_cast<long long>(held) - static_cast<long long>(baseline), after,
                static_cast<long long>(after) - static_cast<long long>(baseline));
    std::fflush(stdout);
    // Flat: the silent one's queue (send_hwm messages), the round the readers have not
    // read yet, and write batches in flight (up to 1 MiB each) plus noise, not what was
    // published (78 MiB).
    const std::size_t flat = (hwm + readers.size() * per_round) * (size + 512) + 4 * mib;
    CHECK(peak <= baseline + flat);
    CHECK(after <= baseline + mib);
}
