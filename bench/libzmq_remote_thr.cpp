// libzmq_remote_thr: remote_thr on libzmq's C API, with the same arguments and pattern
// (bench::thr_pattern): a DEALER (router, the default) or a PUSH (pull) sends <count>
// messages and waits for the receiver's acknowledgement (one empty message: from the
// ROUTER, or on the control pair) before closing; a PUB (sub) sends until that
// acknowledgement comes on the control pair, looking for it every bench::sender_batch
// messages. The body is built once and each message is a zmq_msg_copy of it (libzmq may
// share the buffer, as zmtp's frame copy does). With --curve the sender is a CURVE client
// (bench::curve_test_keys).
#include "bench_common.hpp"
#include "libzmq_common.hpp"

#include <cerrno>
#include <cstring>

namespace {

int sender_type(bench::thr_pattern p)
{
    switch (p) {
    case bench::thr_pattern::pull: return ZMQ_PUSH;
    case bench::thr_pattern::sub: return ZMQ_PUB;
    default: return ZMQ_DEALER;
    }
}

void send_copy(void* out, zmq_msg_t& body)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    bench::zcheck(zmq_msg_copy(&m, &body), "zmq_msg_copy");
    bench::zcheck(zmq_msg_send(&m, out, 0), "zmq_msg_send");
}

} // namespace

int main(int argc, char** argv)
{
    const bench::thr_args a = bench::parse_thr_args(argc, argv, "connect");
    void* ctx = zmq_ctx_new();
    void* control = nullptr;
    if (a.pattern != bench::thr_pattern::router) {
        control = bench::zsocket(ctx, ZMQ_DEALER);
        bench::zcheck(zmq_connect(control, bench::control_endpoint(a.endpoint).c_str()), "zmq_connect (control)");
    }
    void* out = bench::zsocket(ctx, sender_type(a.pattern));
    if (a.curve)
        bench::zset_curve(out, bench::curve_role::client);
    if (a.pattern == bench::thr_pattern::sub)
        bench::zset(out, ZMQ_LINGER, 0, "zmq_setsockopt(ZMQ_LINGER)"); // what is queued at the stop is not wanted
    bench::zcheck(zmq_connect(out, a.endpoint.c_str()), "zmq_connect");

    zmq_msg_t body;
    bench::zcheck(zmq_msg_init_size(&body, a.size), "zmq_msg_init_size");
    std::memset(zmq_msg_data(&body), 'x', a.size);
    zmq_msg_t ack;
    zmq_msg_init(&ack);
    std::uint64_t sent = 0;
    if (a.pattern == bench::thr_pattern::sub) {
        for (;;) {
            for (unsigned i = 0; i < bench::sender_batch; ++i)
                send_copy(out, body);
            sent += bench::sender_batch;
            if (zmq_msg_recv(&ack, control, ZMQ_DONTWAIT) != -1)
                break; // the receiver has its count
            if (zmq_errno() != EAGAIN)
                bench::zcheck(-1, "zmq_msg_recv (control)");
        }
    } else {
        for (std::uint64_t i = 0; i < a.count; ++i)
            send_copy(out, body);
        // the receiver has them all
        bench::zcheck(zmq_msg_recv(&ack, control ? control : out, 0), "zmq_msg_recv");
    }
    zmq_msg_close(&ack);
    zmq_msg_close(&body);
    zmq_close(out);
    if (control)
        zmq_close(control);
    zmq_ctx_term(ctx);
    if (a.pattern == bench::thr_pattern::sub)
        bench::print_sent(sent);
    return 0;
}
