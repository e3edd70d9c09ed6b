// libzmq_local_thr: local_thr on libzmq's C API, with the same arguments and pattern
// (bench::thr_pattern): router (default; each message is [routing id, body]), pull or sub
// (subscribed to everything). Like local_thr, it acknowledges the last message with one
// empty message to the sender: through the ROUTER, or for pull and sub on the control pair
// (a DEALER bound at bench::control_endpoint before the data endpoint). With --curve the
// receiver is a CURVE server (bench::curve_test_keys).
#include "bench_common.hpp"
#include "libzmq_common.hpp"

namespace {

int receiver_type(bench::thr_pattern p)
{
    switch (p) {
    case bench::thr_pattern::pull: return ZMQ_PULL;
    case bench::thr_pattern::sub: return ZMQ_SUB;
    default: return ZMQ_ROUTER;
    }
}

} // namespace

int main(int argc, char** argv)
{
    const bench::thr_args a = bench::parse_thr_args(argc, argv, "bind");
    const bool router = a.pattern == bench::thr_pattern::router;
    const int frames = router ? 2 : 1;
    void* ctx = zmq_ctx_new();
    void* control = nullptr;
    if (!router) {
        control = bench::zsocket(ctx, ZMQ_DEALER);
        bench::zcheck(zmq_bind(control, bench::control_endpoint(a.endpoint).c_str()), "zmq_bind (control)");
    }
    void* in = bench::zsocket(ctx, receiver_type(a.pattern));
    if (a.curve)
        bench::zset_curve(in, bench::curve_role::server);
    if (a.pattern == bench::thr_pattern::sub) {
        bench::zset(in, ZMQ_LINGER, 0, "zmq_setsockopt(ZMQ_LINGER)");
        bench::zsubscribe(in, "");
    }
    bench::zcheck(zmq_bind(in, a.endpoint.c_str()), "zmq_bind");

    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    std::uint64_t bad = 0;
    bench::clock::time_point first{};
    for (std::uint64_t i = 0; i < a.count; ++i) {
        const int n = bench::zrecv_parts(in, parts, frames);
        if (i == 0)
            first = bench::clock::now();
        if (n != frames || zmq_msg_size(&parts[frames - 1]) != a.size)
            ++bad;
    }
    const bench::clock::time_point last = bench::clock::now();
    if (router) {
        bench::zcheck(zmq_msg_send(&parts[0], in, ZMQ_SNDMORE), "zmq_msg_send"); // routing id
        bench::zcheck(zmq_send(in, "", 0, 0), "zmq_send");
    } else {
        zmq_close(in); // a SUB stops taking what the PUB still sends
        in = nullptr;
        bench::zcheck(zmq_send(control, "", 0, 0), "zmq_send (control)");
    }
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    bench::print_throughput(a.size, a.count, last - first);

    if (in)
        zmq_close(in);
    if (control)
        zmq_close(control); // zmq_ctx_term waits until the acknowledgement is written
    zmq_ctx_term(ctx);
    if (bad) {
        std::fprintf(stderr, "libzmq_local_thr: %llu malformed messages\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}
