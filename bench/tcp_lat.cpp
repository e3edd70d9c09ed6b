// tcp_lat: the raw ping-pong reference for local_lat/remote_lat, on plain POSIX sockets
// (TCP_NODELAY on tcp).
//   tcp_lat server <bind-endpoint> <message-size> <roundtrips>     echoes size-byte pings
//   tcp_lat client <connect-endpoint> <message-size> <roundtrips>  prints remote_lat's lines
// Endpoints: tcp://host:port, or ipc://path for the Unix-domain counterpart.
#include "bench_common.hpp"
#include "raw_socket.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv)
{
    const char* usage = "server|client <endpoint> <message-size> <roundtrip-count>";
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    const std::string mode = argv[1];
    const bench::args a = bench::parse_args(argc, argv, usage, 2);
    if (a.size == 0) {
        std::fprintf(stderr, "tcp_lat: message size must be at least 1\n");
        return 2;
    }
    std::vector<char> buffer(a.size, 'x');

    if (mode == "server") {
        const int fd = bench::raw::accept_one(a.endpoint);
        for (std::uint64_t i = 0; i < a.count; ++i) {
            if (!bench::raw::read_all(fd, buffer.data(), buffer.size())) {
                std::fprintf(stderr, "tcp_lat: stream ended after %llu round trips\n", static_cast<unsigned long long>(i));
                return 1;
            }
            bench::raw::write_all(fd, buffer.data(), buffer.size());
        }
        ::close(fd);
        return 0;
    }
    if (mode == "client") {
        const int fd = bench::raw::connect_to(a.endpoint);
        std::vector<double> roundtrip_us;
        roundtrip_us.reserve(a.count);
        const bench::clock::time_point start = bench::clock::now();
        for (std::uint64_t i = 0; i < a.count; ++i) {
            const bench::clock::time_point t0 = bench::clock::now();
            bench::raw::write_all(fd, buffer.data(), buffer.size());
            if (!bench::raw::read_all(fd, buffer.data(), buffer.size())) {
                std::fprintf(stderr, "tcp_lat: stream ended after %llu round trips\n", static_cast<unsigned long long>(i));
                return 1;
            }
            roundtrip_us.push_back(bench::micros(bench::clock::now() - t0));
        }
        const bench::clock::duration total = bench::clock::now() - start;
        ::close(fd);
        bench::print_latency(a.size, a.count, total, roundtrip_us);
        return 0;
    }
    std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    return 2;
}
