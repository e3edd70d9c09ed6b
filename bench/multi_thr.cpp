// multi_thr (zmtp): throughput of several sockets in one process (see bench::multi_mode):
//   multi_thr <bind-endpoint> <message-size> <message-count> <fanout|fanin|topics>
// fanout: 1 PUB -> 4 SUBs; fanin: 4 PUSHes -> 1 PULL; topics: 1 PUB -> 1 SUB subscribed to
// 10,000 topics. Prints libzmq local_thr's lines with the summed rate of the receivers,
// each of which counts <message-count> messages after the warm-up (bench::warmup).
// Every socket has its own io_context and thread (as seed_bench), linger 0. Senders send
// until every receiver has its count: try_send, async_send when it answers would_block,
// and every bench::sender_batch messages a look at the stop flag and a turn of the
// io_context (the writes run on the same thread, and a PUB's try_send never waits).
// Receivers drain with try_receive as local_thr does, and go on receiving after their
// count until the end. Sockets are closed from the main thread at the end.
#include "bench_common.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace {

struct shared_state {
    std::atomic<unsigned> started{0}; // fanout warm-up: SUBs that have had a message
    std::atomic<unsigned> done{0};    // receivers that have their count
    std::atomic<bool> stop{false};
};

/// One socket on its own io_context and thread.
struct role {
    asio::io_context io{1};
    std::optional<zmtp::socket> socket;
    std::thread thread;
    std::atomic<bool> finished{false};

    void start()
    {
        thread = std::thread([this] {
            io.run();
            finished.store(true, std::memory_order_release);
        });
    }
};

/// A coroutine's failure ends the program: the other threads may wait forever otherwise.
void fail_on_error(std::exception_ptr e)
{
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::fprintf(stderr, "multi_thr: %s\n", x.what());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
}

asio::awaitable<void> send_until_stopped(zmtp::socket& out, const std::vector<zmtp::frame>& bodies,
                                         shared_state& shared)
{
    const auto ex = co_await asio::this_coro::executor;
    std::size_t next = 0;
    while (!shared.stop.load(std::memory_order_relaxed)) {
        for (unsigned i = 0; i < bench::sender_batch; ++i) {
            zmtp::message m;
            m.push_back(bodies[next]);
            if (++next == bodies.size())
                next = 0;
            std::error_code ec = out.try_send(m);
            if (ec == zmtp::errc::would_block)
                co_await out.async_send(std::move(m), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (shared.stop.load()) // closed by main at the end
                    co_return;
                throw std::system_error(ec, "send");
            }
        }
        co_await asio::post(ex, asio::use_awaitable);
    }
}

asio::awaitable<void> receive(zmtp::socket& in, const bench::multi_args& a, shared_state& shared,
                              bench::receiver_result& result)
{
    std::error_code ec;
    bench::warmup warm(a.mode, &shared.started);
    bool warm_done = false;
    while (!warm_done) {
        zmtp::message m = co_await in.async_receive(asio::use_awaitable);
        warm_done = warm.done(m.back().data(), m.back().size());
        while (!warm_done) {
            std::optional<zmtp::message> next = in.try_receive(ec);
            if (!next)
                break;
            warm_done = warm.done(next->back().data(), next->back().size());
        }
    }

    const auto check = [&](const zmtp::message& m) {
        if (m.size() != 1 || m[0].size() != a.size)
            ++result.bad;
    };
    zmtp::message m = co_await in.async_receive(asio::use_awaitable);
    result.first = bench::clock::now();
    check(m);
    std::uint64_t received = 1;
    while (received < a.count) {
        while (received < a.count) {
            std::optional<zmtp::message> next = in.try_receive(ec);
            if (!next)
                break;
            check(*next);
            ++received;
        }
        if (received == a.count)
            break;
        if (ec && ec != zmtp::errc::would_block)
            throw std::system_error(ec, "try_receive");
        check(co_await in.async_receive(asio::use_awaitable));
        ++received;
    }
    result.last = bench::clock::now();
    result.done = true;
    shared.done.fetch_add(1);

    // Keep the load the others measure under, until main closes the socket.
    for (;;) {
        while (in.try_receive(ec)) {
        }
        if (ec != zmtp::errc::would_block)
            co_return;
        co_await in.async_receive(asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return;
    }
}

/// Closes the sockets of `roles` and joins their threads; an io_context still running 2 s
/// after its socket closed is reported and stopped (a benchmark must end).
void finish(std::vector<std::unique_ptr<role>>& roles)
{
    for (auto& r : roles)
        r->socket->close();
    const auto deadline = bench::clock::now() + std::chrono::seconds(2);
    for (auto& r : roles) {
        while (!r->finished.load(std::memory_order_acquire) && bench::clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (!r->finished.load(std::memory_order_acquire)) {
            std::fprintf(stderr, "multi_thr: an io_context still runs 2 s after its socket closed: stopping it\n");
            r->io.stop();
        }
        r->thread.join();
    }
}

int run(const bench::multi_args& a)
{
    shared_state shared;
    const bool fanin = a.mode == bench::multi_mode::fanin;
    const unsigned senders = fanin ? bench::multi_peers : 1;
    const unsigned receivers = a.mode == bench::multi_mode::fanout ? bench::multi_peers : 1;
    std::vector<bench::receiver_result> results(receivers);
    std::vector<std::vector<zmtp::frame>> bodies(senders);
    for (unsigned s = 0; s < senders; ++s) {
        const unsigned variants = a.mode == bench::multi_mode::topics ? bench::topic_count : 1;
        for (unsigned i = 0; i < variants; ++i)
            bodies[s].emplace_back(bench::multi_body(a.mode, a.size, fanin ? s : i));
    }

    zmtp::socket_options options;
    options.linger = std::chrono::milliseconds(0);
    std::vector<std::unique_ptr<role>> send_roles, receive_roles;
    // Subscriptions go upstream through the send queue; libzmq's SUB drops those past its
    // high-water mark, so both sides lift it for the 10,000 topics.
    zmtp::socket_options topics_options = options;
    topics_options.send_hwm = 0;
    const auto add = [&](std::vector<std::unique_ptr<role>>& roles, zmtp::socket_type type,
                         const zmtp::socket_options& o) -> zmtp::socket& {
        roles.push_back(std::make_unique<role>());
        return roles.back()->socket.emplace(roles.back()->io, type, o);
    };
    // The binding side first, so that the others connect at their first attempt.
    if (fanin) {
        add(receive_roles, zmtp::socket_type::pull, options).bind(a.endpoint);
        for (unsigned s = 0; s < senders; ++s)
            add(send_roles, zmtp::socket_type::push, options).connect(a.endpoint);
    } else {
        add(send_roles, zmtp::socket_type::pub, options).bind(a.endpoint);
        const bool topics = a.mode == bench::multi_mode::topics;
        for (unsigned r = 0; r < receivers; ++r) {
            zmtp::socket& sub = add(receive_roles, zmtp::socket_type::sub, topics ? topics_options : options);
            if (topics) {
                for (unsigned i = 0; i < bench::topic_count; ++i)
                    sub.subscribe(bench::topic_name(i));
            } else {
                sub.subscribe("");
            }
            sub.connect(a.endpoint);
        }
    }

    for (unsigned r = 0; r < receivers; ++r)
        asio::co_spawn(receive_roles[r]->io, receive(*receive_roles[r]->socket, a, shared, results[r]), fail_on_error);
    for (unsigned s = 0; s < senders; ++s)
        asio::co_spawn(send_roles[s]->io, send_until_stopped(*send_roles[s]->socket, bodies[s], shared), fail_on_error);
    for (auto& r : receive_roles)
        r->start();
    for (auto& r : send_roles)
        r->start();

    while (shared.done.load() < receivers)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    shared.stop.store(true);
    finish(send_roles);
    finish(receive_roles);

    bench::print_aggregate(a.size, a.count, results);
    std::uint64_t bad = 0;
    for (const bench::receiver_result& r : results)
        bad += r.bad;
    if (bad) {
        std::fprintf(stderr, "multi_thr: %llu malformed messages\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const bench::multi_args a = bench::parse_multi_args(argc, argv);
    try {
        return run(a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "multi_thr (%s): %s\n", argv[4], e.what());
        return 1;
    }
}
