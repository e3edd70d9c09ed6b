// libzmq_local_thr: local_thr on libzmq's C API (ROUTER; each message is [routing id, body]).
// Like local_thr, it acknowledges the last message with one empty message to the sender.
#include "bench_common.hpp"
#include "libzmq_common.hpp"

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_args(argc, argv, "<bind-endpoint> <message-size> <message-count>");
    void* ctx = zmq_ctx_new();
    void* router = bench::zsocket(ctx, ZMQ_ROUTER);
    bench::zcheck(zmq_bind(router, a.endpoint.c_str()), "zmq_bind");

    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    std::uint64_t bad = 0;
    bench::clock::time_point first{};
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const int n = bench::zrecv_parts(router, parts, 2);
        if (i == 0)
            first = bench::clock::now();
        if (n != 2 || zmq_msg_size(&parts[1]) != a.size)
            ++bad;
    }
    const bench::clock::time_point last = bench::clock::now();
    bench::zcheck(zmq_msg_send(&parts[0], router, ZMQ_SNDMORE), "zmq_msg_send"); // routing id
    bench::zcheck(zmq_send(router, "", 0, 0), "zmq_send");
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    bench::print_throughput(a.size, a.count, last - first);

    zmq_close(router);
    zmq_ctx_term(ctx);
    if (bad) {
        std::fprintf(stderr, "libzmq_local_thr: %llu malformed messages\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}
