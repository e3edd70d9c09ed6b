// libzmq_local_lat: local_lat on libzmq's C API (REP echo; with --curve a CURVE server).
#include "bench_common.hpp"
#include "libzmq_common.hpp"

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_curve_args(argc, argv, "<bind-endpoint> <message-size> <roundtrip-count>");
    void* ctx = zmq_ctx_new();
    void* rep = bench::zsocket(ctx, ZMQ_REP);
    if (a.curve)
        bench::zset_curve(rep, bench::curve_role::server);
    bench::zcheck(zmq_bind(rep, a.endpoint.c_str()), "zmq_bind");

    zmq_msg_t m;
    zmq_msg_init(&m);
    std::uint64_t bad = 0;
    for (std::uint64_t i = 0; i < a.count; ++i) {
        bench::zcheck(zmq_msg_recv(&m, rep, 0), "zmq_msg_recv");
        if (zmq_msg_more(&m) || zmq_msg_size(&m) != a.size)
            ++bad;
        bench::zcheck(zmq_msg_send(&m, rep, 0), "zmq_msg_send"); // m is empty again afterwards
    }
    zmq_msg_close(&m);
    zmq_close(rep);
    zmq_ctx_term(ctx);
    if (bad) {
        std::fprintf(stderr, "libzmq_local_lat: %llu malformed messages\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}
