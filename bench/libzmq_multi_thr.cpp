// libzmq_multi_thr: multi_thr on libzmq's C API, with the same arguments, roles, warm-up
// and report (see bench::multi_mode):
//   libzmq_multi_thr <bind-endpoint> <message-size> <message-count> <fanout|fanin|topics>
// Every socket is used by its own thread making blocking calls, on one shared context
// (libzmq's default of one I/O thread), linger 0, as seed_bench. Senders send until every
// receiver has its count (bodies built once, each message a zmq_msg_copy), looking at the
// stop flag every bench::sender_batch messages; a PUSH sends with a 100 ms timeout so that
// it sees the flag when the PULL no longer reads. Receivers use a 100 ms receive timeout
// only to see the end; after their count they go on receiving until then.
#include "bench_common.hpp"
#include "libzmq_common.hpp"

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace {

struct shared_state {
    std::atomic<unsigned> started{0}; // fanout warm-up: SUBs that have had a message
    std::atomic<unsigned> done{0};    // receivers that have their count
    std::atomic<bool> stop{false};
};

constexpr int end_poll_ms = 100;

void send_until_stopped(void* out, std::vector<zmq_msg_t>& bodies, shared_state& shared)
{
    std::size_t next = 0;
    while (!shared.stop.load(std::memory_order_relaxed)) {
        for (unsigned i = 0; i < bench::sender_batch; ++i) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            bench::zcheck(zmq_msg_copy(&m, &bodies[next]), "zmq_msg_copy");
            if (++next == bodies.size())
                next = 0;
            while (zmq_msg_send(&m, out, 0) == -1) {
                if (zmq_errno() != EAGAIN)
                    bench::zcheck(-1, "zmq_msg_send");
                if (shared.stop.load()) {
                    zmq_msg_close(&m);
                    return;
                }
            }
        }
    }
}

/// Receives one message (its last frame in `m`); false on the receive timeout.
bool receive_one(void* in, zmq_msg_t& m, int& frames)
{
    frames = 0;
    for (;;) {
        if (zmq_msg_recv(&m, in, 0) == -1) {
            if (zmq_errno() == EAGAIN && frames == 0)
                return false;
            bench::zcheck(-1, "zmq_msg_recv");
        }
        ++frames;
        if (!zmq_msg_more(&m))
            return true;
    }
}

void receive(void* in, const bench::multi_args& a, shared_state& shared, bench::receiver_result& result)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    int frames = 0;
    bench::warmup warm(a.mode, &shared.started);
    for (;;) {
        if (receive_one(in, m, frames) && warm.done(zmq_msg_data(&m), zmq_msg_size(&m)))
            break;
    }
    for (std::uint64_t received = 0; received < a.count;) {
        if (!receive_one(in, m, frames))
            continue;
        if (received == 0)
            result.first = bench::clock::now();
        if (frames != 1 || zmq_msg_size(&m) != a.size)
            ++result.bad;
        ++received;
    }
    result.last = bench::clock::now();
    result.done = true;
    shared.done.fetch_add(1);
    // Keep the load the others measure under, until the end.
    while (!shared.stop.load())
        receive_one(in, m, frames);
    zmq_msg_close(&m);
}

} // namespace

int main(int argc, char** argv)
{
    const bench::multi_args a = bench::parse_multi_args(argc, argv);
    shared_state shared;
    const bool fanin = a.mode == bench::multi_mode::fanin;
    const unsigned senders = fanin ? bench::multi_peers : 1;
    const unsigned receivers = a.mode == bench::multi_mode::fanout ? bench::multi_peers : 1;
    std::vector<bench::receiver_result> results(receivers);
    std::vector<std::vector<zmq_msg_t>> bodies(senders);
    for (unsigned s = 0; s < senders; ++s) {
        const unsigned variants = a.mode == bench::multi_mode::topics ? bench::topic_count : 1;
        bodies[s].reserve(variants); // a zmq_msg_t is not to be moved by the vector
        for (unsigned i = 0; i < variants; ++i) {
            const std::string text = bench::multi_body(a.mode, a.size, fanin ? s : i);
            zmq_msg_t& body = bodies[s].emplace_back();
            bench::zcheck(zmq_msg_init_size(&body, text.size()), "zmq_msg_init_size");
            std::memcpy(zmq_msg_data(&body), text.data(), text.size());
        }
    }

    void* ctx = zmq_ctx_new();
    std::vector<void*> send_sockets, receive_sockets;
    const auto add = [&](std::vector<void*>& sockets, int type) {
        void* s = bench::zsocket(ctx, type);
        bench::zset(s, ZMQ_LINGER, 0, "zmq_setsockopt(ZMQ_LINGER)");
        sockets.push_back(s);
        return s;
    };
    // The binding side first, so that the others connect at their first attempt.
    if (fanin) {
        void* pull = add(receive_sockets, ZMQ_PULL);
        bench::zset(pull, ZMQ_RCVTIMEO, end_poll_ms, "zmq_setsockopt(ZMQ_RCVTIMEO)");
        bench::zcheck(zmq_bind(pull, a.endpoint.c_str()), "zmq_bind");
        for (unsigned s = 0; s < senders; ++s) {
            void* push = add(send_sockets, ZMQ_PUSH);
            bench::zset(push, ZMQ_SNDTIMEO, end_poll_ms, "zmq_setsockopt(ZMQ_SNDTIMEO)");
            bench::zcheck(zmq_connect(push, a.endpoint.c_str()), "zmq_connect");
        }
    } else {
        bench::zcheck(zmq_bind(add(send_sockets, ZMQ_PUB), a.endpoint.c_str()), "zmq_bind");
        for (unsigned r = 0; r < receivers; ++r) {
            void* sub = add(receive_sockets, ZMQ_SUB);
            bench::zset(sub, ZMQ_RCVTIMEO, end_poll_ms, "zmq_setsockopt(ZMQ_RCVTIMEO)");
            if (a.mode == bench::multi_mode::topics) {
                // Subscriptions go upstream through the send queue: past its high-water mark
                // they would be dropped (libzmq's SUB drops them) and some topics never match.
                bench::zset(sub, ZMQ_SNDHWM, 0, "zmq_setsockopt(ZMQ_SNDHWM)");
                for (unsigned i = 0; i < bench::topic_count; ++i)
                    bench::zsubscribe(sub, bench::topic_name(i));
            } else {
                bench::zsubscribe(sub, "");
            }
            bench::zcheck(zmq_connect(sub, a.endpoint.c_str()), "zmq_connect");
        }
    }

    // Each thread closes its socket when it is done with it.
    std::vector<std::thread> threads;
    for (unsigned r = 0; r < receivers; ++r)
        threads.emplace_back([&, r] {
            receive(receive_sockets[r], a, shared, results[r]);
            zmq_close(receive_sockets[r]);
        });
    for (unsigned s = 0; s < senders; ++s)
        threads.emplace_back([&, s] {
            send_until_stopped(send_sockets[s], bodies[s], shared);
            zmq_close(send_sockets[s]);
        });
    while (shared.done.load() < receivers)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    shared.stop.store(true);
    for (std::thread& t : threads)
        t.join();
    zmq_ctx_term(ctx);
    for (auto& per_sender : bodies)
        for (zmq_msg_t& body : per_sender)
            zmq_msg_close(&body);

    bench::print_aggregate(a.size, a.count, results);
    std::uint64_t bad = 0;
    for (const bench::receiver_result& r : results)
        bad += r.bad;
    if (bad) {
        std::fprintf(stderr, "libzmq_multi_thr: %llu malformed messages\n", static_cast<unsigned long long>(bad));
        return 1;
    }
    return 0;
}
