#include "zmtp/proxy.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <future>
#include <map>
#include <thread>
#include <vector>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// REQ clients -> ROUTER | proxy | DEALER -> REP workers, as in the seed's cluster.
struct topology {
    zmtp::context ctx;
    zmtp::socket frontend{ctx, socket_type::router, test_options()};
    zmtp::socket backend{ctx, socket_type::dealer, test_options()};
    topology()
    {
        frontend.bind("tcp://127.0.0.1:*");
        backend.bind(unique_ipc());
    }
};

} // namespace

TEST_CASE("proxy: requests cross a ROUTER/DEALER proxy to REP workers and come back")
{
    topology t;
    std::promise<std::error_code> stopped; // set on the context's thread, read on ours
    std::future<std::error_code> result = stopped.get_future();
    zmtp::async_proxy(t.frontend, t.backend, [&](std::error_code ec) { stopped.set_value(ec); });

    std::vector<zmtp::socket> workers;
    for (int i = 0; i < 2; ++i) {
        workers.emplace_back(t.ctx, socket_type::rep, test_options());
        workers.back().connect(t.backend.last_endpoint());
    }
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers.size(); ++i)
        threads.emplace_back([&, i] {
            for (int n = 0; n < 10; ++n) {
                const message request = workers[i].receive();
                workers[i].send(message{request[0].to_string() + " done by " + std::to_string(i)});
            }
        });
    zmtp::socket client(t.ctx, socket_type::req, test_options());
    client.connect(t.frontend.last_endpoint());
    std::map<std::string, int> per_worker;
    for (int n = 0; n < 20; ++n) {
        client.send(message{"job " + std::to_string(n)});
        const std::string reply = client.receive()[0].to_string();
        CHECK(reply.rfind("job " + std::to_string(n) + " done by ", 0) == 0);
        ++per_worker[reply.substr(reply.size() - 1)];
    }
    for (std::thread& th : threads)
        th.join();
    CHECK(per_worker == std::map<std::string, int>{{"0", 10}, {"1", 10}}); // round-robin
    CHECK(result.wait_for(0s) == std::future_status::timeout); // still running
    t.frontend.close();
    REQUIRE(result.wait_for(1s) == std::future_status::ready);
    CHECK(result.get() == errc::socket_closed);
}

TEST_CASE("proxy: capture gets a copy of every message, and the steerable form obeys PAUSE, RESUME, TERMINATE")
{
    topology t;
    zmtp::socket capture(t.ctx, socket_type::dealer, test_options());
    zmtp::socket capture_reader(t.ctx, socket_type::dealer, test_options());
    capture.bind(unique_inproc());
    capture_reader.connect(capture.last_endpoint());
    zmtp::socket control(t.ctx, socket_type::dealer, test_options());
    zmtp::socket controller(t.ctx, socket_type::dealer, test_options());
    control.bind(unique_inproc());
    controller.connect(control.last_endpoint());

    std::error_code result = make_error_code(errc::would_block);
    std::thread runner([&] { result = zmtp::proxy(t.frontend, t.backend, &capture, &control); });

    zmtp::socket worker(t.ctx, socket_type::dealer, test_options({.receive_timeout = 300ms}));
    worker.connect(t.backend.last_endpoint());
    zmtp::socket client(t.ctx, socket_type::dealer, test_options({.routing_id = "c"}));
    client.connect(t.frontend.last_endpoint());

    client.send(message{"one"});
    CHECK(parts(worker.receive()) == strings{"c", "one"});
    CHECK(parts(capture_reader.receive()) == strings{"c", "one"});

    controller.send(message{"PAUSE"});
    std::this_thread::sleep_for(100ms);
    client.send(message{"two"});
    std::error_code ec;
    worker.receive(zmtp::recv_flags::none, ec);
    CHECK(ec == errc::would_block); // held while paused
    controller.send(message{"RESUME"});
    CHECK(parts(worker.receive()) == strings{"c", "two"});

    controller.send(message{"TERMINATE"});
    runner.join();
    CHECK_FALSE(result);
}

TEST_CASE("proxy: STATISTICS is answered with 8 uint64 frames: messages and bytes in and out of each side")
{
    zmtp::context ctx;
    zmtp::socket frontend(ctx, socket_type::pull, test_options());
    zmtp::socket backend(ctx, socket_type::push, test_options());
    zmtp::socket control(ctx, socket_type::pair, test_options());
    zmtp::socket controller(ctx, socket_type::pair, test_options());
    frontend.bind(unique_inproc());
    backend.bind(unique_inproc());
    control.bind(unique_inproc());
    controller.connect(control.last_endpoint());
    zmtp::socket producer(ctx, socket_type::push, test_options());
    zmtp::socket consumer(ctx, socket_type::pull, test_options());
    producer.connect(frontend.last_endpoint());
    consumer.connect(backend.last_endpoint());
    std::error_code result = zmtp::errc::would_block;
    std::thread runner([&] { result = zmtp::proxy(frontend, backend, nullptr, &control); });

    producer.send(message{"hello"});
    message two{"ab"};
    two.push_back("cde");
    producer.send(std::move(two));
    CHECK(consumer.receive().front() == "hello");
    CHECK(consumer.receive().size() == 2);
    controller.send(message{"STATISTICS"});
    const message stats = controller.receive();
    REQUIRE(stats.size() == 8);
    std::vector<std::uint64_t> values;
    for (const zmtp::frame& f : stats) {
        REQUIRE(f.size() == 8);
        std::uint64_t v;
        std::memcpy(&v, f.data(), sizeof v);
        values.push_back(v);
    }
    // frontend: 2 received (10 bytes), none sent; backend: none received, 2 sent.
    CHECK(values == std::vector<std::uint64_t>{2, 10, 0, 0, 0, 0, 2, 10});
    controller.send(message{"TERMINATE"});
    runner.join();
    CHECK(!result);
}

TEST_CASE("proxy: one socket as frontend and backend sends each message back out of it (a REP echoes)")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    rep.bind(unique_inproc());
    zmtp::socket req(ctx, socket_type::req, test_options());
    req.connect(rep.last_endpoint());
    std::error_code result = zmtp::errc::would_block;
    std::thread runner([&] { result = zmtp::proxy(rep, rep); });
    for (const char* text : {"one", "two", "three"}) {
        req.send(message{text});
        CHECK(req.receive().front() == text);
    }
    rep.close();
    runner.join();
    CHECK(result == errc::socket_closed);
}
