// libzmq_handshake_rate: handshake_rate on libzmq's C API, with the same arguments, sockets
// and criterion (a connection counts once its one message has come back: see
// handshake_rate.cpp). The client makes each DEALER in one context and zmq_close()s it
// after the echo; libzmq takes the connection down in the background, as zmtp does.
#include "bench_common.hpp"
#include "libzmq_common.hpp"

#include <cstring>
#include <vector>

namespace {

int serve(const bench::args& a)
{
    void* ctx = zmq_ctx_new();
    void* router = bench::zsocket(ctx, ZMQ_ROUTER);
    if (a.curve)
        bench::zset_curve(router, bench::curve_role::server);
    bench::zcheck(zmq_bind(router, a.endpoint.c_str()), "zmq_bind");
    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    std::uint64_t bad = 0;
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const int n = bench::zrecv_parts(router, parts, 2);
        if (n != 2 || zmq_msg_size(&parts[1]) != a.size)
            ++bad;
        bench::zcheck(zmq_msg_send(&parts[0], router, ZMQ_SNDMORE), "zmq_msg_send"); // the routing id
        bench::zcheck(zmq_msg_send(&parts[1], router, 0), "zmq_msg_send");
    }
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    zmq_close(router);
    zmq_ctx_term(ctx); // waits until the last echo is written
    if (bad) {
        std::fprintf(stderr, "libzmq_handshake_rate server: %llu malformed messages\n",
                     static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}

int connect_each(const bench::args& a)
{
    void* ctx = zmq_ctx_new();
    zmq_msg_t body;
    bench::zcheck(zmq_msg_init_size(&body, a.size), "zmq_msg_init_size");
    std::memset(zmq_msg_data(&body), 'x', a.size);
    zmq_msg_t reply;
    zmq_msg_init(&reply);
    std::vector<double> handshake_us;
    handshake_us.reserve(a.count);
    std::uint64_t bad = 0;
    const bench::clock::time_point start = bench::clock::now();
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const bench::clock::time_point t0 = bench::clock::now();
        void* dealer = bench::zsocket(ctx, ZMQ_DEALER);
        if (a.curve)
            bench::zset_curve(dealer, bench::curve_role::client);
        bench::zcheck(zmq_connect(dealer, a.endpoint.c_str()), "zmq_connect");
        zmq_msg_t m;
        zmq_msg_init(&m);
        bench::zcheck(zmq_msg_copy(&m, &body), "zmq_msg_copy");
        bench::zcheck(zmq_msg_send(&m, dealer, 0), "zmq_msg_send"); // queued until the handshake ends
        bench::zcheck(zmq_msg_recv(&reply, dealer, 0), "zmq_msg_recv");
        handshake_us.push_back(bench::micros(bench::clock::now() - t0));
        if (zmq_msg_more(&reply) || zmq_msg_size(&reply) != a.size)
            ++bad;
        zmq_close(dealer);
    }
    const bench::clock::duration total = bench::clock::now() - start;
    bench::print_handshakes(a.size, a.count, total, handshake_us);
    zmq_msg_close(&reply);
    zmq_msg_close(&body);
    zmq_ctx_term(ctx);
    if (bad) {
        std::fprintf(stderr, "libzmq_handshake_rate client: %llu malformed replies\n",
                     static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const bench::handshake_args a = bench::parse_handshake_args(argc, argv);
    return a.server ? serve(a) : connect_each(a);
}
