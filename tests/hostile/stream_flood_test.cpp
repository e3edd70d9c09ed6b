// A raw TCP peer sending a STREAM socket 1 GiB (issue 12, section 4): read as it comes,
// every byte arrives once and in order with the heap flat; not read, the STREAM stops
// reading at receive_hwm pieces, so what it holds is bounded by its options, not by what
// the peer sends; and another connection keeps working meanwhile.
#include "zmtp/socket.hpp"

#include "hostile_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>

using namespace hostile;
using zmtp::socket_type;

namespace {

constexpr std::size_t gib = 1024 * mib;
constexpr std::size_t chunk = 256 * 1024;

/// Writes `total` bytes, byte i being (i % 251), to `fd` from its own thread; stops early
/// when the connection fails or `stop` is set.
std::thread flood(int fd, std::size_t total, std::atomic<std::size_t>& written, std::atomic<bool>& stop)
{
    return std::thread([fd, total, &written, &stop] {
        std::vector<unsigned char> block(chunk);
        std::size_t sent = 0;
        while (sent < total && !stop) {
            for (std::size_t i = 0; i < chunk; ++i)
                block[i] = static_cast<unsigned char>((sent + i) % 251);
            std::size_t off = 0;
            while (off < chunk && !stop) {
                const ssize_t n = ::send(fd, block.data() + off, chunk - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    std::this_thread::sleep_for(1ms);
                    continue;
                }
                if (n <= 0)
                    return;
                off += static_cast<std::size_t>(n);
                written += static_cast<std::size_t>(n);
            }
            sent += chunk;
        }
    });
}

int connect_raw(const std::string& endpoint)
{
    const auto colon = endpoint.rfind(':');
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

} // namespace

TEST_CASE("stream: 1 GiB from a raw peer arrives whole and in order, with the heap flat")
{
    zmtp::context ctx;
    zmtp::socket_options o = with_timeouts({});
    o.receive_hwm = 100; // a slow reader (sanitizers) holds at most this many pieces
    zmtp::socket stream(ctx, socket_type::stream, o);
    stream.bind("tcp://127.0.0.1:*");
    const int fd = connect_raw(stream.last_endpoint());
    const std::string id = stream.receive()[0].to_string(); // the connect notice
    const std::size_t base = heap_in_use();
    std::size_t peak = base;
    std::atomic<std::size_t> written{0};
    std::atomic<bool> stop{false};
    std::thread sender = flood(fd, gib, written, stop);
    std::size_t received = 0;
    bool in_order = true;
    while (received < gib && in_order) {
        const zmtp::message m = stream.receive();
        REQUIRE(m.size() == 2);
        REQUIRE(m[0].to_string() == id);
        const std::span<const std::byte> bytes = m[1].bytes();
        REQUIRE_FALSE(bytes.empty());
        for (std::size_t i = 0; i < bytes.size(); i += 4093) // a sample of every piece
            in_order = in_order && static_cast<unsigned char>(bytes[i]) == (received + i) % 251;
        received += bytes.size();
        if ((received & 0xFFFFF) < bytes.size())
            peak = std::max(peak, heap_in_use());
    }
    stop = true;
    sender.join();
    ::close(fd);
    CHECK(in_order);
    CHECK(received == gib);
    std::printf("stream: 1 GiB read as it came | heap baseline %zu B | peak %zu B (+%zu)\n", base, peak, peak - base);
    // The pieces queued: at most receive_hwm of at most 64 KiB (the read buffer), far
    // below what was sent.
    CHECK(peak - base < 100 * 64 * 1024 + 4 * mib);
}

TEST_CASE("stream: a raw peer flooding a STREAM that does not read is bounded by receive_hwm, and others carry on")
{
    zmtp::context ctx;
    zmtp::socket_options o = with_timeouts({});
    o.receive_hwm = 100;
    zmtp::socket stream(ctx, socket_type::stream, o);
    stream.bind("tcp://127.0.0.1:*");
    const int fd = connect_raw(stream.last_endpoint());
    const std::string id = stream.receive()[0].to_string();
    const std::size_t base = heap_in_use();
    std::atomic<std::size_t> written{0};
    std::atomic<bool> stop{false};
    std::thread sender = flood(fd, gib, written, stop);
    // Nothing is read for a while: the STREAM queues up to receive_hwm pieces of at most
    // 64 KiB (the read buffer), then stops reading; the rest waits in the kernel or the sender.
    std::size_t before;
    do {
        before = written;
        std::this_thread::sleep_for(300ms);
    } while (written != before);
    const std::size_t held = heap_in_use() - std::min(heap_in_use(), base);
    std::printf("stream: unread flood stalled after %zu bytes written | heap +%zu B (receive_hwm 100)\n",
                static_cast<std::size_t>(written), held);
    CHECK(written < gib / 8);
    CHECK(held <= 100 * 64 * 1024 + 2 * mib);

    // Another raw connection is served meanwhile.
    const int other = connect_raw(stream.last_endpoint());
    std::string other_id;
    while (other_id.empty()) {
        const zmtp::message m = stream.receive();
        if (m[0].to_string() != id)
            other_id = m[0].to_string();
    }
    stream.send(zmtp::message{other_id, "still here"});
    char reply[10];
    CHECK(::recv(other, reply, sizeof reply, MSG_WAITALL) == 10);
    CHECK(std::string(reply, 10) == "still here");
    ::close(other);
    stop = true;
    sender.join();
    ::close(fd);
}
