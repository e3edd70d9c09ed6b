// libzmq_remote_lat: remote_lat on libzmq's C API (REQ; with --curve a CURVE client), with
// p50/p99 round trips.
#include "bench_common.hpp"
#include "libzmq_common.hpp"

#include <cstring>
#include <vector>

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_curve_args(argc, argv, "<connect-endpoint> <message-size> <roundtrip-count>");
    void* ctx = zmq_ctx_new();
    void* req = bench::zsocket(ctx, ZMQ_REQ);
    if (a.curve)
        bench::zset_curve(req, bench::curve_role::client);
    bench::zcheck(zmq_connect(req, a.endpoint.c_str()), "zmq_connect");

    zmq_msg_t body;
    bench::zcheck(zmq_msg_init_size(&body, a.size), "zmq_msg_init_size");
    std::memset(zmq_msg_data(&body), 'x', a.size);
    zmq_msg_t reply;
    zmq_msg_init(&reply);
    std::vector<double> roundtrip_us;
    roundtrip_us.reserve(a.count);
    std::uint64_t bad = 0;
    const bench::clock::time_point start = bench::clock::now();
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const bench::clock::time_point t0 = bench::clock::now();
        zmq_msg_t m;
        zmq_msg_init(&m);
        bench::zcheck(zmq_msg_copy(&m, &body), "zmq_msg_copy");
        bench::zcheck(zmq_msg_send(&m, req, 0), "zmq_msg_send");
        bench::zcheck(zmq_msg_recv(&reply, req, 0), "zmq_msg_recv");
        roundtrip_us.push_back(bench::micros(bench::clock::now() - t0));
        if (zmq_msg_more(&reply) || zmq_msg_size(&reply) != a.size)
            ++bad;
    }
    const bench::clock::duration total = bench::clock::now() - start;
    bench::print_latency(a.size, a.count, total, roundtrip_us);
    zmq_msg_close(&reply);
    zmq_msg_close(&body);
    zmq_close(req);
    zmq_ctx_term(ctx);
    if (bad) {
        std::fprintf(stderr, "libzmq_remote_lat: %llu malformed replies\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}
