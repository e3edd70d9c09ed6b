// close() with and without linger (libzmq's ZMQ_LINGER, `man zmq_setsockopt`): linger 0
// discards queued messages at once; a positive linger, or the default (forever), keeps
// flushing them after close() for that long, as long as the executor runs, so a peer that
// appears after close() still gets them all, in order; when the linger expires without a
// peer, the messages are dropped and the socket's resources (connections, timers, file
// descriptors, memory) go away.
//
// The closing DEALER runs on its own asio::io_context driven by a thread: io_context::run()
// returns once no work is left, which is how the tests see that a closed socket has really
// finished (nothing retrying in the background).
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <doctest/doctest.h>

#include <future>

using namespace faults;

namespace {

/// Creates an io_context's reactor (its epoll, event and timer descriptors, made on first
/// use), so that counting descriptors before and after a test sees only the sockets'.
void warm_up(asio::io_context& io)
{
    asio::steady_timer t(io);
}

/// An io_context run by a thread until it runs out of work.
class runner {
public:
    runner() = default;
    ~runner()
    {
        if (thread_.joinable()) {
            io.stop();
            thread_.join();
        }
    }
    /// Starts running (after the sockets on it have work).
    void start()
    {
        thread_ = std::thread([this] {
            io.run();
            done_.set_value();
        });
    }
    /// Whether run() returned within `timeout`.
    bool finished(std::chrono::milliseconds timeout)
    {
        if (finished_.wait_for(timeout) != std::future_status::ready)
            return false;
        thread_.join();
        return true;
    }

    asio::io_context io;

private:
    std::promise<void> done_;
    std::future<void> finished_ = done_.get_future();
    std::thread thread_;
};

} // namespace

TEST_CASE("faults: linger 0: messages queued at close are discarded, the peer that appears later gets nothing")
{
    const std::string endpoint = unique_ipc();
    zmtp::context ctx;
    runner r;
    warm_up(r.io);
    warm_up(ctx.io_context());
    const int base_fds = open_fds();
    std::optional<zmtp::socket> dealer;
    dealer.emplace(r.io, socket_type::dealer, zmtp::socket_options{.routing_id = "dropper", .linger = 0ms});
    dealer->connect(endpoint); // nobody there yet
    for (int i = 0; i < 10; ++i) {
        message m{"dropped " + std::to_string(i)};
        REQUIRE(!dealer->try_send(m));
    }
    r.start();
    dealer->close();
    CHECK_MESSAGE(r.finished(5s), "the closed socket still has work on its io_context");

    // A control DEALER (default linger) queues for the same endpoint: it must get through.
    zmtp::socket control(ctx, socket_type::dealer, test_options({.routing_id = "control"}));
    control.connect(endpoint);
    control.send(message{"control"});

    zmtp::socket router(ctx, socket_type::router, test_options());
    event_log log(router);
    router.bind(endpoint);
    CHECK(parts(router.receive()) == strings{"control", "control"});
    CHECK(nothing_more(router));                         // nothing from "dropper"
    CHECK(log.count(monitor_event_type::accepted) == 1); // it does not even try to connect
    dealer.reset();
    router.close();
    control.close();
    CHECK_MESSAGE(eventually([&] { return open_fds() == base_fds; }), open_fds() << " fds, " << base_fds << " before");
}

TEST_CASE("faults: linger (forever, and 5 s): messages queued at close reach a peer that appears after close, in order")
{
    const std::optional<std::chrono::milliseconds> lingers[] = {std::nullopt, std::chrono::milliseconds(5000)};
    for (const auto& linger : lingers) {
        CAPTURE(linger.has_value());
        const std::string endpoint = unique_ipc();
        zmtp::context ctx;
        runner r;
        {
            zmtp::socket dealer(r.io, socket_type::dealer, zmtp::socket_options{.routing_id = "lingerer", .linger = linger});
            dealer.connect(endpoint);
            for (int i = 0; i < 200; ++i) {
                message m{std::to_string(i), std::string(1000, 'l')};
                REQUIRE(!dealer.try_send(m));
            }
            r.start();
        } // destroyed: close(), and the messages keep waiting for their peer
        CHECK_FALSE(r.finished(300ms)); // still lingering: trying to connect

        zmtp::socket router(ctx, socket_type::router, test_options());
        router.bind(endpoint);
        for (int i = 0; i < 200; ++i)
            REQUIRE(parts(router.receive()) == strings{"lingerer", std::to_string(i), std::string(1000, 'l')});
        CHECK(nothing_more(router)); // each once
        // Flushed: the closed socket's connection ends and nothing is left running.
        CHECK_MESSAGE(r.finished(5s), "the closed socket still has work after flushing");
    }
}

TEST_CASE("faults: linger expiry: the peer never appears, the messages are dropped and the resources freed")
{
    const std::string endpoint = unique_ipc();
    runner r;
    warm_up(r.io);
    const int base_fds = open_fds();
    const std::size_t base_heap = heap_in_use();
    zmtp::socket dealer(r.io, socket_type::dealer, zmtp::socket_options{.routing_id = "expired", .linger = 300ms});
    dealer.connect(endpoint);
    const std::string big(mib, 'e');
    for (int i = 0; i < 20; ++i) {
        message m{std::to_string(i), big};
        REQUIRE(!dealer.try_send(m));
    }
    REQUIRE(heap_in_use() >= base_heap + 16 * mib);
    r.start();
    dealer.close(); // the object lives on; close() is what gives the resources back
    CHECK_MESSAGE(r.finished(5s), "the closed socket still has work 5 s after a 300 ms linger");
    CHECK_MESSAGE(eventually([&] { return open_fds() == base_fds; }), open_fds() << " fds, " << base_fds << " before");
    CHECK_MESSAGE(heap_in_use() <= base_heap + 2 * mib,
                  "the 20 MiB of expired messages are still held: " << (static_cast<long long>(heap_in_use()) - static_cast<long long>(base_heap)) / 1024
                                                                    << " KiB more than before");

    // The peer appears too late: nothing.
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    event_log log(router);
    router.bind(endpoint);
    CHECK(nothing_more(router, 500ms));
    CHECK(log.count(monitor_event_type::accepted) == 0);
}

TEST_CASE("faults: linger expiry with a monitor waiting: close finishes and completes the wait")
{
    const std::string endpoint = unique_ipc();
    runner r;
    // One failed attempt, then none for 10 s: no monitor event comes during the linger.
    zmtp::socket dealer(r.io, socket_type::dealer, zmtp::socket_options{.linger = 300ms, .reconnect_interval = 10s});
    struct monitor_state {
        std::mutex mutex;
        std::vector<zmtp::monitor_event> events;
        std::atomic<bool> ended{false};
        std::error_code ec;
    };
    const auto state = std::make_shared<monitor_state>();
    // Reads monitor events until a wait fails (the socket finished closing).
    struct reader {
        zmtp::socket* socket;
        std::shared_ptr<monitor_state> state;
        void operator()() const
        {
            socket->async_next_event([r = *this](std::error_code ec, zmtp::monitor_event e) {
                if (ec) {
                    r.state->ec = ec;
                    r.state->ended = true;
                    return;
                }
                {
                    std::lock_guard<std::mutex> lock(r.state->mutex);
                    r.state->events.push_back(std::move(e));
                }
                r();
            });
        }
    };
    dealer.enable_monitor();
    dealer.connect(endpoint);
    message m{"never delivered"};
    REQUIRE(!dealer.try_send(m));
    reader{&dealer, state}();
    r.start();
    REQUIRE(eventually([&] {
        std::lock_guard<std::mutex> lock(state->mutex);
        return !state->events.empty() && state->events.back().type == monitor_event_type::connect_retried;
    }));
    dealer.close(); // the next event wait is pending now
    CHECK_MESSAGE(eventually([&] { return state->ended.load(); }, 5s),
                  "a monitor wait is still pending 5 s after a 300 ms linger expired");
    CHECK_MESSAGE(r.finished(5s), "the closed socket still has work 5 s after a 300 ms linger");
}
