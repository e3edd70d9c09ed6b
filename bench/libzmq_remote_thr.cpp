// libzmq_remote_thr: remote_thr on libzmq's C API (DEALER). The body is built once and
// each message is a zmq_msg_copy of it (libzmq may share the buffer, as zmtp's frame copy
// does). It waits for the receiver's acknowledgement (one empty message) before closing.
#include "bench_common.hpp"
#include "libzmq_common.hpp"

#include <cstring>

int main(int argc, char** argv)
{
    const bench::args a = bench::parse_args(argc, argv, "<connect-endpoint> <message-size> <message-count>");
    void* ctx = zmq_ctx_new();
    void* dealer = bench::zsocket(ctx, ZMQ_DEALER);
    bench::zcheck(zmq_connect(dealer, a.endpoint.c_str()), "zmq_connect");

    zmq_msg_t body;
    bench::zcheck(zmq_msg_init_size(&body, a.size), "zmq_msg_init_size");
    std::memset(zmq_msg_data(&body), 'x', a.size);
    for (std::uint64_t i = 0; i < a.count; ++i) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        bench::zcheck(zmq_msg_copy(&m, &body), "zmq_msg_copy");
        bench::zcheck(zmq_msg_send(&m, dealer, 0), "zmq_msg_send");
    }
    zmq_msg_close(&body);
    zmq_msg_t ack;
    zmq_msg_init(&ack);
    bench::zcheck(zmq_msg_recv(&ack, dealer, 0), "zmq_msg_recv"); // the receiver has them all
    zmq_msg_close(&ack);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
    return 0;
}
