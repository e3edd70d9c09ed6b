// seed_bench: the seed topology (the clustered file service's shape) in one process:
//   <clients> REQ clients -> ROUTER [proxy] DEALER -> <workers> REP workers that echo,
// each role on its own thread, for a fixed duration; prints requests per second.
//   seed_bench --impl zmtp|libzmq [--duration S] [--warmup S] [--clients N] [--workers N]
//              [--size B] [--frontend EP] [--backend EP]
// zmtp: zmtp::async_proxy; every role runs its own io_context on its thread.
// libzmq: zmq_proxy; every role is a thread making blocking calls on one shared context
// (libzmq's default of one I/O thread). Same roles, threads and sockets for both.
#include "bench_common.hpp"

#include <zmtp/proxy.hpp>
#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <zmq.h>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

struct settings {
    std::string impl;
    double duration = 2.0;
    double warmup = 0.3;
    unsigned clients = 8;
    unsigned workers = 2;
    std::size_t size = 32;
    std::string frontend = "tcp://127.0.0.1:*";
    std::string backend; // default: ipc:///tmp/seed-bench-<pid>.ipc
};

bool parse(int argc, char** argv, settings& s)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            return false;
        const char* value = argv[++i];
        if (arg == "--impl")
            s.impl = value;
        else if (arg == "--duration")
            s.duration = std::stod(value);
        else if (arg == "--warmup")
            s.warmup = std::stod(value);
        else if (arg == "--clients")
            s.clients = static_cast<unsigned>(std::stoul(value));
        else if (arg == "--workers")
            s.workers = static_cast<unsigned>(std::stoul(value));
        else if (arg == "--size")
            s.size = std::stoul(value);
        else if (arg == "--frontend")
            s.frontend = value;
        else if (arg == "--backend")
            s.backend = value;
        else
            return false;
    }
    return (s.impl == "zmtp" || s.impl == "libzmq") && s.clients > 0 && s.workers > 0 && s.duration > 0;
}

/// One completed-request counter per client, each on its own cache line.
struct alignas(64) counter {
    std::atomic<std::uint64_t> value{0};
};

struct shared_state {
    explicit shared_state(unsigned clients) : done(clients) {}
    std::vector<counter> done;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> errors{0};

    std::uint64_t total() const
    {
        std::uint64_t sum = 0;
        for (const counter& c : done)
            sum += c.value.load(std::memory_order_relaxed);
        return sum;
    }
};

/// Sleeps through the warm-up, counts over the duration, then raises the stop flag.
/// Returns the requests completed in the measured window.
std::uint64_t measure(shared_state& st, const settings& s)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(s.warmup));
    const std::uint64_t before = st.total();
    const bench::clock::time_point t0 = bench::clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(s.duration));
    const std::uint64_t after = st.total();
    const double elapsed = bench::seconds(bench::clock::now() - t0);
    st.stop = true;
    return static_cast<std::uint64_t>(static_cast<double>(after - before) * s.duration / elapsed);
}

// --- zmtp ------------------------------------------------------------------------------

asio::awaitable<void> zmtp_client(zmtp::socket& req, const zmtp::frame& body, shared_state& st, counter& done)
{
    try {
        while (!st.stop.load(std::memory_order_relaxed)) {
            zmtp::message m;
            m.push_back(body);
            const std::error_code ec = req.try_send(m);
            if (ec == zmtp::errc::would_block)
                co_await req.async_send(std::move(m), asio::use_awaitable);
            else if (ec)
                throw std::system_error(ec);
            zmtp::message reply = co_await req.async_receive(asio::use_awaitable);
            if (reply.size() != 1 || reply[0].size() != body.size())
                st.errors.fetch_add(1, std::memory_order_relaxed);
            done.value.fetch_add(1, std::memory_order_relaxed);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seed_bench: client: %s\n", e.what());
        st.errors.fetch_add(1, std::memory_order_relaxed);
    }
    req.close();
}

asio::awaitable<void> zmtp_worker(zmtp::socket& rep)
{
    std::error_code ec;
    for (;;) {
        std::optional<zmtp::message> queued = rep.try_receive(ec);
        if (!queued && ec != zmtp::errc::would_block)
            co_return; // closed
        zmtp::message m;
        if (queued) {
            m = std::move(*queued);
        } else {
            m = co_await rep.async_receive(asio::redirect_error(asio::use_awaitable, ec));
            if (ec)
                co_return; // closed at shutdown
        }
        ec = rep.try_send(m);
        if (ec == zmtp::errc::would_block) {
            co_await rep.async_send(std::move(m), asio::redirect_error(asio::use_awaitable, ec));
            if (ec)
                co_return;
        } else if (ec) {
            co_return;
        }
    }
}

std::uint64_t run_zmtp(const settings& s, shared_state& st)
{
    const zmtp::socket_options quick_close{.linger = std::chrono::milliseconds(0)};

    // The proxy: ROUTER for the clients, DEALER for the workers.
    asio::io_context proxy_io(1);
    zmtp::socket frontend(proxy_io, zmtp::socket_type::router, quick_close);
    zmtp::socket backend(proxy_io, zmtp::socket_type::dealer, quick_close);
    frontend.bind(s.frontend);
    backend.bind(s.backend);
    const std::string frontend_ep = frontend.last_endpoint();
    const std::string backend_ep = backend.last_endpoint();
    asio::co_spawn(proxy_io, [&]() -> asio::awaitable<void> {
        std::error_code ec;
        co_await zmtp::async_proxy(frontend, backend, asio::redirect_error(asio::use_awaitable, ec));
    }, asio::detached);
    std::thread proxy_thread([&] { proxy_io.run(); });

    struct role {
        asio::io_context io{1};
        std::optional<zmtp::socket> socket;
        std::thread thread;
    };
    std::vector<std::unique_ptr<role>> workers, clients;
    for (unsigned i = 0; i < s.workers; ++i) {
        auto& w = workers.emplace_back(std::make_unique<role>());
        w->socket.emplace(w->io, zmtp::socket_type::rep, quick_close);
        w->socket->connect(backend_ep);
        asio::co_spawn(w->io, zmtp_worker(*w->socket), asio::detached);
        w->thread = std::thread([r = w.get()] { r->io.run(); });
    }
    zmtp::frame body = zmtp::frame::with_size(s.size);
    std::memset(body.data(), 'x', body.size());
    for (unsigned i = 0; i < s.clients; ++i) {
        auto& c = clients.emplace_back(std::make_unique<role>());
        c->socket.emplace(c->io, zmtp::socket_type::req, quick_close);
        c->socket->connect(frontend_ep);
        asio::co_spawn(c->io, zmtp_client(*c->socket, body, st, st.done[i]), asio::detached);
        c->thread = std::thread([r = c.get()] { r->io.run(); });
    }

    const std::uint64_t requests = measure(st, s);

    for (auto& c : clients) // each finishes its request in flight and closes its socket
        c->thread.join();
    for (auto& w : workers) {
        asio::post(w->io, [r = w.get()] { r->socket->close(); });
        w->thread.join();
    }
    asio::post(proxy_io, [&] {
        frontend.close();
        backend.close();
    });
    proxy_thread.join();
    return requests;
}

// --- libzmq ----------------------------------------------------------------------------

int zcheck(int rc, const char* what)
{
    if (rc == -1 && zmq_errno() != ETERM) {
        std::fprintf(stderr, "seed_bench: %s: %s\n", what, zmq_strerror(zmq_errno()));
        std::exit(1);
    }
    return rc;
}

std::uint64_t run_libzmq(const settings& s, shared_state& st)
{
    void* ctx = zmq_ctx_new();
    const int zero = 0;
    void* frontend = zmq_socket(ctx, ZMQ_ROUTER);
    void* backend = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(frontend, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(backend, ZMQ_LINGER, &zero, sizeof(zero));
    zcheck(zmq_bind(frontend, s.frontend.c_str()), "bind frontend");
    zcheck(zmq_bind(backend, s.backend.c_str()), "bind backend");
    char endpoint[256];
    std::size_t length = sizeof(endpoint);
    zcheck(zmq_getsockopt(frontend, ZMQ_LAST_ENDPOINT, endpoint, &length), "ZMQ_LAST_ENDPOINT");
    const std::string frontend_ep = endpoint;
    length = sizeof(endpoint);
    zcheck(zmq_getsockopt(backend, ZMQ_LAST_ENDPOINT, endpoint, &length), "ZMQ_LAST_ENDPOINT");
    const std::string backend_ep = endpoint;

    std::thread proxy_thread([&] {
        zmq_proxy(frontend, backend, nullptr); // returns at zmq_ctx_shutdown
        zmq_close(frontend);
        zmq_close(backend);
    });

    std::vector<std::thread> workers, clients;
    for (unsigned i = 0; i < s.workers; ++i) {
        workers.emplace_back([&] {
            void* rep = zmq_socket(ctx, ZMQ_REP);
            zmq_setsockopt(rep, ZMQ_LINGER, &zero, sizeof(zero));
            zcheck(zmq_connect(rep, backend_ep.c_str()), "connect worker");
            zmq_msg_t m;
            zmq_msg_init(&m);
            while (zmq_msg_recv(&m, rep, 0) != -1 && zmq_msg_send(&m, rep, 0) != -1) {
            }
            zmq_msg_close(&m);
            zmq_close(rep);
        });
    }
    zmq_msg_t body;
    zmq_msg_init_size(&body, s.size);
    std::memset(zmq_msg_data(&body), 'x', s.size);
    for (unsigned i = 0; i < s.clients; ++i) {
        clients.emplace_back([&, i] {
            void* req = zmq_socket(ctx, ZMQ_REQ);
            zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof(zero));
            zcheck(zmq_connect(req, frontend_ep.c_str()), "connect client");
            zmq_msg_t reply;
            zmq_msg_init(&reply);
            while (!st.stop.load(std::memory_order_relaxed)) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                zmq_msg_copy(&m, &body);
                if (zcheck(zmq_msg_send(&m, req, 0), "client send") == -1 ||
                    zcheck(zmq_msg_recv(&reply, req, 0), "client receive") == -1) {
                    st.errors.fetch_add(1, std::memory_order_relaxed);
                    break;
                }
                if (zmq_msg_size(&reply) != s.size)
                    st.errors.fetch_add(1, std::memory_order_relaxed);
                st.done[i].value.fetch_add(1, std::memory_order_relaxed);
            }
            zmq_msg_close(&reply);
            zmq_close(req);
        });
    }

    const std::uint64_t requests = measure(st, s);

    for (std::thread& t : clients)
        t.join();
    zmq_ctx_shutdown(ctx); // ends the workers' receives and the proxy with ETERM
    for (std::thread& t : workers)
        t.join();
    proxy_thread.join();
    zmq_msg_close(&body);
    zmq_ctx_term(ctx);
    return requests;
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    if (!parse(argc, argv, s)) {
        std::fprintf(stderr,
                     "usage: %s --impl zmtp|libzmq [--duration S] [--warmup S] [--clients N] [--workers N] "
                     "[--size B] [--frontend EP] [--backend EP]\n",
                     argv[0]);
        return 2;
    }
    if (s.backend.empty())
        s.backend = "ipc:///tmp/seed-bench-" + std::to_string(::getpid()) + ".ipc";
    shared_state st(s.clients);
    std::uint64_t requests = 0;
    try {
        requests = s.impl == "zmtp" ? run_zmtp(s, st) : run_libzmq(s, st);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seed_bench: %s\n", e.what());
        return 1;
    }
    if (s.backend.rfind("ipc://", 0) == 0)
        ::unlink(s.backend.c_str() + 6);
    std::printf("impl: %s\n", s.impl.c_str());
    std::printf("clients: %u\n", s.clients);
    std::printf("workers: %u\n", s.workers);
    std::printf("message size: %zu [B]\n", s.size);
    std::printf("duration: %.3f [s]\n", s.duration);
    std::printf("requests: %llu\n", static_cast<unsigned long long>(requests));
    std::printf("throughput: %.0f [req/s]\n", static_cast<double>(requests) / s.duration);
    if (st.errors) {
        std::fprintf(stderr, "seed_bench: %llu errors\n", static_cast<unsigned long long>(st.errors.load()));
        return 1;
    }
    return requests > 0 ? 0 : 1;
}
