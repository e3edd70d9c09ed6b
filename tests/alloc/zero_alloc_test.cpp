// Counts heap allocations on the send and receive paths in steady state: for small
// messages (up to 32 bytes) there must be none per message. Its own executable, because
// it replaces the global operator new.
#include "zmtp/socket.hpp"

#include "zmtp/proxy.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::atomic<long> allocations{0};
} // namespace

void* operator new(std::size_t size)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t align)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t a = static_cast<std::size_t>(align);
    if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

/// Sends `count` messages of `size` bytes from a DEALER to a DEALER over `endpoint`, the
/// sender and the receiver both on `io`'s thread, and returns the allocations made
/// during the second half (the first half warms every buffer up).
long allocations_in_steady_state(const std::string& endpoint, std::size_t size, int count, bool through_proxy = false)
{
    asio::io_context io;
    zmtp::socket receiver(io, zmtp::socket_type::dealer);
    zmtp::socket sender(io, zmtp::socket_type::dealer);
    // Optionally the seed's topology in the middle: sender -> ROUTER | proxy | DEALER -> receiver.
    zmtp::socket frontend(io, zmtp::socket_type::router);
    zmtp::socket backend(io, zmtp::socket_type::dealer);
    receiver.bind(endpoint);
    if (through_proxy) {
        frontend.bind("tcp://127.0.0.1:*");
        backend.connect(receiver.last_endpoint());
        sender.connect(frontend.last_endpoint());
        zmtp::async_proxy(frontend, backend, [](std::error_code) {});
    } else {
        sender.connect(receiver.last_endpoint());
    }
    const zmtp::frame body(std::string(size, 'x'));
    long before = 0;
    long after = -1;
    int received = 0;

    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < count; ++i) {
            zmtp::message m;
            m.push_back(body);
            if (sender.try_send(m) == zmtp::errc::would_block)
                co_await sender.async_send(std::move(m), asio::use_awaitable);
        }
    }, asio::detached);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        while (received < count) {
            zmtp::message m = co_await receiver.async_receive(asio::use_awaitable);
            for (;;) {
                REQUIRE(m.back().size() == size);
                if (++received == count / 2)
                    before = allocations.load();
                std::error_code ec;
                std::optional<zmtp::message> next = receiver.try_receive(ec);
                if (!next)
                    break;
                m = std::move(*next);
            }
        }
        after = allocations.load();
        sender.close();
        receiver.close();
        frontend.close();
        backend.close();
    }, asio::detached);
    io.run();
    REQUIRE(after >= 0);
    return after - before;
}

} // namespace

TEST_CASE("no heap allocation per message in steady state, messages up to 32 bytes")
{
    const std::string ipc = "ipc:///tmp/zmtp-alloc-" + std::to_string(::getpid()) + ".ipc";
    for (const std::string& endpoint : {std::string("tcp://127.0.0.1:*"), ipc}) {
        for (const std::size_t size : {std::size_t{1}, std::size_t{16}, std::size_t{32}}) {
            CAPTURE(endpoint);
            CAPTURE(size);
            const long n = allocations_in_steady_state(endpoint, size, 200'000);
            CHECK(n == 0); // over 100,000 messages sent and received
        }
    }
}

TEST_CASE("no heap allocation per message through a ROUTER/DEALER proxy")
{
    const std::string ipc = "ipc:///tmp/zmtp-alloc-proxy-" + std::to_string(::getpid()) + ".ipc";
    CHECK(allocations_in_steady_state(ipc, 16, 200'000, true) == 0);
}
