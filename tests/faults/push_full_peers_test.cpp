// PUSH to peers that stop reading (issue 12, section 4, case 6): two raw PULLs (small
// receive buffers) read on threads of their own until told to stop. A PUSH round-robins
// over the peers with room: while one has stopped it goes on at full speed to the other;
// when both have stopped it says would_block (try_send, dontwait) or waits (async_send),
// and drops nothing; once they read again every message it accepted arrives exactly once.
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <map>

using namespace faults;

namespace {

/// A raw PULL that reads on its own thread while `reading` is set and records the numbers
/// of the messages it got.
class pull_reader {
public:
    explicit pull_reader(int port)
    {
        peer_.connect(port, 4096);
        peer_.handshake("PULL", std::nullopt);
        thread_ = std::thread([this] { run(); });
    }
    ~pull_reader()
    {
        stop_ = true;
        thread_.join();
    }
    pull_reader(const pull_reader&) = delete;
    pull_reader& operator=(const pull_reader&) = delete;

    /// Stops reading; returns once a read in progress has ended.
    void pause()
    {
        reading_ = false;
        while (in_read_)
            std::this_thread::sleep_for(1ms);
    }
    void resume() { reading_ = true; }

    std::vector<int> got() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return got_;
    }
    std::size_t count() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return got_.size();
    }
    std::string failure() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return failure_;
    }

private:
    void run()
    {
        while (!stop_) {
            in_read_ = true; // before looking at reading_: see pause()
            if (!reading_) {
                in_read_ = false;
                std::this_thread::sleep_for(2ms);
                continue;
            }
            // A timeout between two reads loses nothing: frames are taken whole.
            const std::optional<strings> m = peer_.read_message(20ms);
            in_read_ = false;
            if (!m)
                continue;
            std::lock_guard<std::mutex> lock(mutex_);
            if (m->size() != 1 || (*m)[0].size() != size_)
                failure_ = "a message of " + std::to_string(m->size()) + " frames";
            else
                got_.push_back(seq_of((*m)[0]));
        }
    }

public:
    static constexpr std::size_t size_ = 64 * 1024;

private:
    raw_peer peer_;
    std::thread thread_;
    std::atomic<bool> reading_{true};
    std::atomic<bool> in_read_{false};
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<int> got_;
    std::string failure_;
};

} // namespace

TEST_CASE("faults: PUSH skips peers that stopped reading, waits when all have, and every message arrives once")
{
    constexpr std::size_t hwm = 8;
    constexpr std::size_t size = pull_reader::size_;
    // What one stalled peer can take before PUSH skips it: its queue, the kernels' buffers
    // and one write batch (1 MiB), generously.
    const std::size_t per_peer = 2 * hwm + (kernel_bytes() + 2 * mib) / size + 4;
    zmtp::context ctx;
    zmtp::socket push(ctx, socket_type::push, test_options({.send_hwm = hwm, .linger = 0ms}));
    event_log log(push);
    push.bind("tcp://127.0.0.1:*");
    const int port = port_of(push.last_endpoint());
    pull_reader a(port);
    pull_reader b(port);
    REQUIRE(log.wait_count(monitor_event_type::handshake_succeeded, 2));
    const std::size_t baseline = heap_in_use();
    std::size_t peak = baseline;
    int seq = 0;
    const auto send_blocking = [&](int n) {
        for (int i = 0; i < n; ++i) {
            std::error_code ec;
            push.send(message{numbered(seq, size)}, zmtp::send_flags::none, ec); // send_timeout 5 s
            REQUIRE_MESSAGE(!ec, "message " << seq << ": " << ec.message());
            ++seq;
            if (i % 16 == 0)
                peak = std::max(peak, heap_in_use());
        }
    };

    // 1. Both read: round-robin between them.
    send_blocking(100);
    REQUIRE(eventually([&] { return a.count() + b.count() == 100; }));
    CHECK(a.count() > 0);
    CHECK(b.count() > 0);

    // 2. A stops reading: PUSH goes on, to B, once A is full.
    a.pause();
    const std::size_t a_before = a.count();
    const auto t0 = std::chrono::steady_clock::now();
    send_blocking(400);
    const auto skipping_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(eventually([&] { return b.count() + a_before + per_peer >= static_cast<std::size_t>(seq); }));
    const std::size_t b_phase_2 = b.count();

    // 3. B stops too: nothing has room, so PUSH refuses (try_send, dontwait) or waits.
    b.pause();
    int accepted = 0;
    for (int in_a_row = 0; in_a_row < 10;) {
        message m{numbered(seq, size)};
        const std::error_code ec = push.try_send(m);
        if (ec == errc::would_block) {
            CHECK(m.size() == 1); // left untouched
            ++in_a_row;
            std::this_thread::sleep_for(30ms);
            continue;
        }
        REQUIRE_MESSAGE(!ec, ec.message());
        REQUIRE(accepted < static_cast<int>(2 * per_peer));
        in_a_row = 0;
        ++accepted;
        ++seq;
    }
    peak = std::max(peak, heap_in_use());
    std::error_code ec;
    push.send(message{numbered(seq, size)}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::would_block);
    auto waiting = std::make_shared<completion>();
    push.async_send(message{numbered(seq, size)}, [waiting](std::error_code e) {
        waiting->ec = e;
        waiting->done = true;
    });
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(waiting->done);
    const std::size_t held = heap_in_use();
    ++seq; // the waiting one

    // 4. Both read again: everything accepted arrives, once.
    a.resume();
    b.resume();
    CHECK(eventually([&] { return a.count() + b.count() >= static_cast<std::size_t>(seq); }, 20s));
    CHECK(eventually([&] { return waiting->done.load(); }));
    CHECK_FALSE(waiting->ec);
    std::this_thread::sleep_for(100ms); // nothing more comes
    std::map<int, int> times;
    for (const pull_reader* r : {&a, &b})
        for (int s : r->got())
            ++times[s];
    CHECK(a.failure().empty());
    CHECK(b.failure().empty());
    CHECK(static_cast<int>(times.size()) == seq);
    CHECK(times.begin()->first == 0);
    CHECK(times.rbegin()->first == seq - 1);
    CHECK(std::all_of(times.begin(), times.end(), [](const auto& t) { return t.second == 1; }));
    CHECK(log.count(monitor_event_type::disconnected) == 0);
    const std::size_t after = heap_in_use();

    std::printf("faults: PUSH, send_hwm %zu, %zu B messages: 400 sent in %lld ms with one PULL stalled (the other got "
                "%zu of %d so far), %d more accepted before would_block with both stalled; %d delivered, each once | "
                "heap baseline %zu B | peak %zu B (+%lld) | all stalled %zu B (+%lld) | after %zu B (%+lld)\n",
                hwm, size, static_cast<long long>(skipping_ms), b_phase_2, 500, accepted, seq, baseline, peak,
                static_cast<long long>(peak) - static_cast<long long>(baseline), held,
                static_cast<long long>(held) - static_cast<long long>(baseline), after,
                static_cast<long long>(after) - static_cast<long long>(baseline));
    std::fflush(stdout);
    // Two full queues and a write batch each, at most.
    CHECK(peak <= baseline + 2 * (hwm * (size + 512) + 2 * mib));
    CHECK(after <= baseline + mib);
}
