// A server restarted while a client keeps sending. A DEALER connected to a ROUTER on a tcp
// port sends numbered messages without pause; the ROUTER goes away (closed in-process, or
// its process SIGKILLed); the DEALER reports the disconnection and keeps sending; a new
// ROUTER binds the same endpoint and the DEALER reconnects to it.
//
// What is promised, as with libzmq: a DEALER's connect() endpoint keeps its queue across the
// outage, so every message sent once the disconnection is known (the "outage" messages,
// and all later ones) is delivered to the new server exactly once, in order. Messages sent
// just before the crash may be lost: they were in the old connection's socket buffers or
// in the dead server's queues, which no one can recover (ZeroMQ has no acknowledgements).
// Nothing is ever delivered twice or out of order, across both servers.
#include "zmtp/socket.hpp"

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace faults;

namespace {

/// A server that receives the DEALER's numbered messages and records their numbers.
class server {
public:
    virtual ~server() = default;
    /// The numbers received so far.
    virtual std::vector<int> received() = 0;
    /// Ends the server abruptly.
    virtual void crash() = 0;
    /// The endpoint it is bound on.
    virtual std::string endpoint() = 0;
};

/// A ROUTER in this process with a thread receiving from it; crash() closes it, linger 0.
class local_server final : public server {
public:
    local_server(zmtp::context& ctx, const std::string& bind_to)
        : router_(ctx, socket_type::router, test_options({.linger = 0ms, .receive_timeout = 20ms}))
    {
        std::error_code ec;
        // The port was just released by the previous server: it can take a moment.
        eventually([&] {
            router_.bind(bind_to, ec);
            return !ec;
        });
        REQUIRE_MESSAGE(!ec, "bind " << bind_to << ": " << ec.message());
        endpoint_ = router_.last_endpoint();
        thread_ = std::thread([this] {
            while (!stop_) {
                std::error_code e;
                const message m = router_.receive(zmtp::recv_flags::none, e);
                if (e)
                    continue;
                std::lock_guard<std::mutex> lock(mutex_);
                numbers_.push_back(m.size() == 2 && m[0] == "client" ? std::stoi(m[1].to_string()) : -1);
            }
        });
    }
    ~local_server() override { crash(); }

    std::vector<int> received() override
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return numbers_;
    }
    void crash() override
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
        router_.close(); // linger 0: whatever it had not handed out is gone
    }
    std::string endpoint() override { return endpoint_; }

private:
    zmtp::socket router_;
    std::string endpoint_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<int> numbers_;
};

/// A ROUTER in a child process (role router-sink) that prints every body it receives;
/// crash() SIGKILLs it.
class child_server final : public server {
public:
    explicit child_server(const std::string& bind_to) : child_(strings{"router-sink", bind_to})
    {
        const auto line = child_.read_line(10s);
        REQUIRE_MESSAGE((line && line->rfind("bound ", 0) == 0), "child said: " << line.value_or("(nothing)"));
        endpoint_ = line->substr(6);
        thread_ = std::thread([this] {
            for (;;) {
                const auto l = child_.read_line(100ms);
                if (l) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    numbers_.push_back(l->find_first_not_of("0123456789") == std::string::npos && !l->empty() ? std::stoi(*l) : -1);
                } else if (stop_) {
                    return; // the child is dead and everything it printed is read
                }
            }
        });
    }
    ~child_server() override { crash(); }

    std::vector<int> received() override
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return numbers_;
    }
    void crash() override
    {
        child_.kill(SIGKILL);
        child_.wait();
        stop_ = true; // the reader drains what the child printed, then stops
        if (thread_.joinable())
            thread_.join();
    }
    std::string endpoint() override { return endpoint_; }

private:
    child_process child_;
    std::string endpoint_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<int> numbers_;
};

template <class MakeServer>
void restart_while_sending(MakeServer make_server)
{
    zmtp::context ctx;
    // No send_hwm: the outage must not make the sender block (it is not what is tested).
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "client", .send_hwm = 0}));
    event_log log(dealer);

    std::unique_ptr<server> first = make_server(ctx, std::string("tcp://127.0.0.1:*"));
    const std::string endpoint = first->endpoint();
    dealer.connect(endpoint);

    // The sender: numbers 0, 1, 2... every 100 us, noting the first number sent after the
    // DEALER reported the disconnection and the first sent after it reconnected.
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::atomic<int> first_in_outage{-1};
    std::atomic<int> first_after_reconnect{-1};
    std::string send_error; // written by the sender, read after join
    std::thread sender([&] {
        for (int i = 0; !stop; ++i) {
            const bool outage = log.count(monitor_event_type::disconnected) >= 1;
            const bool reconnected = log.count(monitor_event_type::handshake_succeeded) >= 2;
            if (outage && first_in_outage < 0)
                first_in_outage = i;
            if (reconnected && first_after_reconnect < 0)
                first_after_reconnect = i;
            std::error_code ec;
            dealer.send(message{std::to_string(i)}, zmtp::send_flags::dontwait, ec);
            if (ec) {
                send_error = "send " + std::to_string(i) + " failed: " + ec.message();
                break;
            }
            sent = i + 1;
            std::this_thread::sleep_for(100us);
        }
    });

    // Normal operation, then the crash.
    REQUIRE(eventually([&] { return first->received().size() >= 200; }));
    first->crash();
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::disconnected, 1), log.describe());
    // The outage: the DEALER keeps sending (and keeps trying to reconnect).
    REQUIRE(eventually([&] { return first_in_outage >= 0; }));
    std::this_thread::sleep_for(300ms);

    // A new server on the same endpoint.
    std::unique_ptr<server> second = make_server(ctx, endpoint);
    CHECK(second->endpoint() == endpoint);
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::handshake_succeeded, 2), log.describe());
    REQUIRE(eventually([&] { return first_after_reconnect >= 0; }));
    std::this_thread::sleep_for(100ms); // and some more traffic once it is back
    stop = true;
    sender.join();
    CHECK_MESSAGE(send_error.empty(), send_error);
    const int total = sent;
    REQUIRE(total > 0);
    // Everything from the outage on arrives: wait for the last one.
    CHECK_MESSAGE(eventually([&] {
                      const auto got = second->received();
                      return !got.empty() && got.back() == total - 1;
                  }, 10s),
                  "the last message sent (" << total - 1 << ") never reached the new server");
    second->crash();

    const std::vector<int> before = first->received();
    const std::vector<int> after = second->received();
    std::vector<int> all = before;
    all.insert(all.end(), after.begin(), after.end());

    // Nothing twice, nothing out of order, nothing that was not sent, across both servers.
    CHECK(std::adjacent_find(all.begin(), all.end(), [](int a, int b) { return a >= b; }) == all.end());
    CHECK(std::all_of(all.begin(), all.end(), [&](int n) { return n >= 0 && n < total; }));

    // Every message from the outage on was delivered, to the new server.
    const int outage_from = first_in_outage;
    const int outage_to = first_after_reconnect; // exclusive
    REQUIRE(outage_from >= 0);
    REQUIRE(outage_to > outage_from);
    const int outage_messages = outage_to - outage_from;
    CHECK_MESSAGE(outage_messages >= 100, "too short an outage to test anything: " << outage_messages);
    const auto first_outage_at = std::find(after.begin(), after.end(), outage_from);
    CHECK_MESSAGE(first_outage_at != after.end(), "outage message " << outage_from << " was lost");
    const std::vector<int> expected_tail = [&] {
        std::vector<int> v;
        for (int n = outage_from; n < total; ++n)
            v.push_back(n);
        return v;
    }();
    const std::vector<int> tail(first_outage_at, after.end());
    CHECK_MESSAGE(tail == expected_tail, "of " << expected_tail.size() << " messages sent from the outage on, "
                                               << tail.size() << " arrived in order");

    // Messages sent before the disconnection was known may be lost (in flight); say how many.
    const int before_outage = outage_from;
    const auto delivered_before = std::count_if(all.begin(), all.end(), [&](int n) { return n < before_outage; });
    MESSAGE("sent " << total << ": " << before_outage << " before the disconnection was reported ("
                    << before_outage - delivered_before << " of them lost in flight), " << outage_messages
                    << " during the outage, " << total - outage_to << " after reconnecting; first server got "
                    << before.size() << ", the new one " << after.size());
    CHECK(before.size() >= 200);
}

} // namespace

TEST_CASE("faults: a ROUTER closed and bound again while a DEALER keeps sending: outage messages arrive once, in order")
{
    restart_while_sending([](zmtp::context& ctx, const std::string& ep) -> std::unique_ptr<server> {
        return std::make_unique<local_server>(ctx, ep);
    });
}

TEST_CASE("faults: a ROUTER process SIGKILLed and restarted while a DEALER keeps sending: outage messages arrive once, in order")
{
    restart_while_sending([](zmtp::context&, const std::string& ep) -> std::unique_ptr<server> {
        return std::make_unique<child_server>(ep);
    });
}

TEST_CASE("faults: a DEALER with immediate across server restarts: refuses to queue during the outage, works after")
{
    // With immediate, a connect() endpoint has a queue only while connected: during the
    // outage there is no peer, so sends block (would_block), and nothing is queued for later.
    zmtp::context ctx;
    zmtp::socket dealer(ctx, socket_type::dealer,
                        test_options({.routing_id = "client", .reconnect_interval = 20ms, .immediate = true, .send_timeout = 100ms}));
    event_log log(dealer);
    std::optional<zmtp::socket> router;
    router.emplace(ctx, socket_type::router, test_options({.linger = 0ms}));
    router->bind("tcp://127.0.0.1:*");
    const std::string endpoint = router->last_endpoint();
    dealer.connect(endpoint);
    for (std::size_t restart = 0; restart < 3; ++restart) {
        CAPTURE(restart);
        REQUIRE_MESSAGE(log.wait_count(monitor_event_type::handshake_succeeded, restart + 1), log.describe());
        dealer.send(message{"up " + std::to_string(restart)});
        CHECK(parts(router->receive()) == strings{"client", "up " + std::to_string(restart)});

        router.reset(); // the server goes away
        REQUIRE_MESSAGE(log.wait_count(monitor_event_type::disconnected, restart + 1), log.describe());
        message m{"during"};
        CHECK(dealer.try_send(m) == errc::would_block);
        std::error_code ec;
        dealer.send(message{"during"}, zmtp::send_flags::none, ec); // waits send_timeout
        CHECK(ec == errc::would_block);

        router.emplace(ctx, socket_type::router, test_options({.linger = 0ms}));
        eventually([&] {
            router->bind(endpoint, ec);
            return !ec;
        });
        REQUIRE_MESSAGE(!ec, ec.message());
    }
    REQUIRE_MESSAGE(log.wait_count(monitor_event_type::handshake_succeeded, 4), log.describe());
    dealer.send(message{"last"});
    CHECK(parts(router->receive()) == strings{"client", "last"}); // "during" was never queued
    CHECK(nothing_more(*router));
}
