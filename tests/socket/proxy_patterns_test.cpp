// zmtp::async_proxy between XSUB and XPUB (data down, subscriptions up) and between PULL
// and PUSH (one way), over real transports.
#include "zmtp/proxy.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// An async_proxy between `frontend` and `backend`, its result readable from this thread
/// (the handler owns the promise: a test that fails early leaves it nothing dangling).
struct running_proxy {
    running_proxy(zmtp::socket& frontend, zmtp::socket& backend)
    {
        auto stopped = std::make_shared<std::promise<std::error_code>>();
        result = stopped->get_future();
        zmtp::async_proxy(frontend, backend, [stopped](std::error_code ec) { stopped->set_value(ec); });
    }
    bool running() { return result.wait_for(0s) == std::future_status::timeout; }

    std::future<std::error_code> result;
};

/// Publishes "<topic> probe" until `sub` receives a message: its subscription to `topic`
/// has crossed the proxy.
void await_topic(zmtp::socket& publisher, zmtp::socket& sub, const std::string& topic)
{
    for (int i = 0; i < 500; ++i) {
        publisher.send(message{topic + " probe"});
        if (sub.receive_for(10ms))
            return;
    }
    FAIL("the subscription to '", topic, "' never crossed the proxy");
}

std::string subscribe_message(std::string_view topic)
{
    return "\x01" + std::string(topic);
}
std::string cancel_message(std::string_view topic)
{
    return std::string(1, '\0') + std::string(topic);
}

/// Process CPU time in milliseconds (every thread).
double cpu_ms()
{
    return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

} // namespace

TEST_CASE("proxy: XSUB/XPUB: subscriptions made after the proxy started go up, each subscriber gets its topics")
{
    zmtp::context ctx;
    // The publisher is an XPUB so that the test sees the subscriptions that reach it.
    zmtp::socket publisher(ctx, socket_type::xpub, test_options());
    publisher.bind("tcp://127.0.0.1:*");
    zmtp::socket frontend(ctx, socket_type::xsub, test_options());
    frontend.connect(publisher.last_endpoint());
    zmtp::socket backend(ctx, socket_type::xpub, test_options());
    backend.bind(unique_ipc());
    running_proxy proxy(frontend, backend);

    std::vector<zmtp::socket> subs;
    for (int i = 0; i < 3; ++i) {
        subs.emplace_back(ctx, socket_type::sub, test_options());
        subs.back().connect(backend.last_endpoint());
    }
    zmtp::socket& a = subs[0];
    zmtp::socket& b = subs[1];
    zmtp::socket& c = subs[2];
    a.subscribe("A");
    b.subscribe("B");
    c.subscribe("A");
    c.subscribe("C");

    // Upstream: the publisher hears of each topic once, though two subscribers have "A".
    std::set<std::string> upstream;
    for (int i = 0; i < 3; ++i)
        upstream.insert(publisher.receive()[0].to_string());
    CHECK(upstream == std::set<std::string>{subscribe_message("A"), subscribe_message("B"), subscribe_message("C")});
    CHECK_FALSE(publisher.receive_for(100ms));

    await_topic(publisher, a, "A");
    await_topic(publisher, b, "B");
    await_topic(publisher, c, "A");
    await_topic(publisher, c, "C");
    for (zmtp::socket& s : subs)
        drain(s);

    // Downstream: each gets exactly its topics, whole.
    for (const char* text : {"A1", "B1", "C1", "AC1", "D1", "B2"})
        publisher.send(message{text, "payload"});
    const message first = a.receive();
    CHECK(parts(first) == strings{"A1", "payload"});
    CHECK(drain(a) == strings{"AC1"});
    CHECK(drain(b) == strings{"B1", "B2"});
    CHECK(drain(c) == strings{"A1", "C1", "AC1"});

    // Unsubscribing: one of two subscribers of "A" cancels: nothing goes up.
    a.unsubscribe("A");
    CHECK_FALSE(publisher.receive_for(200ms));
    // The last one does: the cancel reaches the publisher, and no "A" message comes down.
    c.unsubscribe("A");
    CHECK(parts(publisher.receive()) == strings{cancel_message("A")});
    b.unsubscribe("B");
    CHECK(parts(publisher.receive()) == strings{cancel_message("B")});
    CHECK_FALSE(publisher.receive_for(100ms));
    for (const char* text : {"A2", "B3", "C2"})
        publisher.send(message{text});
    CHECK(drain(c) == strings{"C2"});
    CHECK(drain(a, 10ms).empty());
    CHECK(drain(b, 10ms).empty());

    // A subscriber that disconnects takes its subscriptions with it, upstream too.
    c.close();
    CHECK(parts(publisher.receive()) == strings{cancel_message("C")});

    CHECK(proxy.running());
    backend.close();
    REQUIRE(proxy.result.wait_for(2s) == std::future_status::ready);
    CHECK(proxy.result.get() == errc::socket_closed);
}

TEST_CASE("proxy: PULL/PUSH: tasks cross to two PULL workers, each exactly once, round-robin")
{
    zmtp::context ctx;
    zmtp::socket frontend(ctx, socket_type::pull, test_options());
    frontend.bind("tcp://127.0.0.1:*");
    zmtp::socket backend(ctx, socket_type::push, test_options());
    std::vector<zmtp::socket> workers;
    for (int i = 0; i < 2; ++i) {
        workers.emplace_back(ctx, socket_type::pull, test_options());
        workers.back().bind(unique_ipc());
        // connect(): the pipes exist at once, so the round-robin alternates from the first
        // task, connected or not yet.
        backend.connect(workers.back().last_endpoint());
    }
    running_proxy proxy(frontend, backend);
    CHECK(proxy.running()); // a PUSH cannot receive: that direction just carries nothing

    zmtp::socket ventilator(ctx, socket_type::push, test_options());
    ventilator.connect(frontend.last_endpoint());
    constexpr int tasks = 100;
    for (int i = 0; i < tasks; ++i)
        ventilator.send(message{"task", std::to_string(i)});

    for (int w = 0; w < 2; ++w) {
        CAPTURE(w);
        strings expected;
        strings got;
        for (int i = w; i < tasks; i += 2) {
            expected.push_back(std::to_string(i));
            const message m = workers[w].receive();
            REQUIRE(m.size() == 2);
            got.push_back(m[1].to_string());
        }
        CHECK(got == expected); // in order, and no other
        CHECK_FALSE(workers[w].receive_for(100ms));
    }

    // Idle, the proxy neither ends nor spins.
    const double cpu_before = cpu_ms();
    std::this_thread::sleep_for(300ms);
    CHECK(cpu_ms() - cpu_before < 100);
    CHECK(proxy.running());

    SUBCASE("closing the frontend ends it")
    {
        frontend.close();
    }
    SUBCASE("closing the backend, which it only watches, ends it too")
    {
        backend.close();
    }
    REQUIRE(proxy.result.wait_for(2s) == std::future_status::ready);
    CHECK(proxy.result.get() == errc::socket_closed);
}
