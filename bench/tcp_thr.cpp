// tcp_thr: the raw streaming reference for local_thr/remote_thr, on plain POSIX sockets.
//   tcp_thr server <bind-endpoint> <message-size> <count>   reads count x size bytes and
//       prints the throughput lines of local_thr (from the first byte to the last)
//   tcp_thr client <connect-endpoint> <message-size> <count> writes count x size bytes
// No framing: the client writes the bytes of many messages per write() (chunks of about
// 256 KiB, whole messages), so this is the ceiling of the transport, not a per-message cost.
// Endpoints: tcp://host:port, or ipc://path for the Unix-domain counterpart.
#include "bench_common.hpp"
#include "raw_socket.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    const char* usage = "server|client <endpoint> <message-size> <count>";
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    const std::string mode = argv[1];
    const bench::args a = bench::parse_args(argc, argv, usage, 2);
    if (a.size == 0) {
        std::fprintf(stderr, "tcp_thr: message size must be at least 1\n");
        return 2;
    }
    const std::uint64_t total = a.count * a.size;
    constexpr std::size_t chunk_target = 256 * 1024;

    if (mode == "server") {
        const int fd = bench::raw::accept_one(a.endpoint);
        std::vector<char> buffer(std::max<std::size_t>(chunk_target, a.size));
        std::uint64_t received = 0;
        bench::clock::time_point first{};
        while (received < total) {
            const ssize_t n = ::read(fd, buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), total - received)));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                bench::raw::die("read");
            if (n == 0) {
                std::fprintf(stderr, "tcp_thr: stream ended after %llu of %llu bytes\n",
                             static_cast<unsigned long long>(received), static_cast<unsigned long long>(total));
                return 1;
            }
            if (received == 0)
                first = bench::clock::now();
            received += static_cast<std::uint64_t>(n);
        }
        const bench::clock::time_point last = bench::clock::now();
        ::close(fd);
        bench::print_throughput(a.size, a.count, last - first);
        return 0;
    }
    if (mode == "client") {
        const int fd = bench::raw::connect_to(a.endpoint);
        const std::size_t per_chunk = std::max<std::size_t>(1, chunk_target / a.size);
        std::vector<char> chunk(per_chunk * a.size, 'x');
        std::uint64_t sent = 0;
        while (sent < total) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - sent));
            bench::raw::write_all(fd, chunk.data(), n);
            sent += n;
        }
        ::shutdown(fd, SHUT_WR);
        char byte;
        while (::read(fd, &byte, 1) > 0) {
        } // wait for the server to close: everything was read
        ::close(fd);
        return 0;
    }
    std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    return 2;
}
