// Shared helpers of the benchmark programs: argument parsing, the clock, the CURVE test keys
// and the report lines. The output follows the format of libzmq's perf tools (local_thr,
// remote_lat ...) so the driver (bench/run.py) parses every program the same way. No zmtp
// or libzmq here (zmtp_common.hpp and libzmq_common.hpp apply the keys).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

using clock = std::chrono::steady_clock;

/// `<endpoint> <message-size> <count>`, the arguments of every perf program, and whether
/// --curve was given to one that takes it (parse_curve_args, parse_thr_args): then its data
/// sockets speak CURVE with the test keys below, the binding side (local_*, handshake_rate
/// server) as the server, the connecting side as the client.
struct args {
    std::string endpoint;
    std::size_t size = 0;
    std::uint64_t count = 0;
    bool curve = false;
};

/// The CURVE test keys of the zmq_curve(7) man page, in Z85. Fixed, so that every run of
/// either library does the same work (no key generation); published, so for tests only.
namespace curve_test_keys {
inline constexpr std::string_view server_public = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
inline constexpr std::string_view server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
inline constexpr std::string_view client_public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
inline constexpr std::string_view client_secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
} // namespace curve_test_keys

/// Which end of a CURVE handshake a program's data socket is.
enum class curve_role { server, client };

inline bool parse_number(const char* text, std::uint64_t& out)
{
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0')
        return false;
    out = value;
    return true;
}

/// Removes every `flag` from argv[first..argc) (shifting the rest down, argc shrinks);
/// true if there was one.
inline bool take_flag(int& argc, char** argv, std::string_view flag, int first = 1)
{
    bool found = false;
    int kept = first;
    for (int i = first; i < argc; ++i) {
        if (argv[i] == flag)
            found = true;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    return found;
}

/// Parses argv[first..first+2]; prints the usage line and exits on a mistake.
inline args parse_args(int argc, char** argv, const char* usage, int first = 1)
{
    args a;
    std::uint64_t size = 0;
    if (argc != first + 3 || !parse_number(argv[first + 1], size) || !parse_number(argv[first + 2], a.count) ||
        a.count == 0) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        std::exit(2);
    }
    a.endpoint = argv[first];
    a.size = static_cast<std::size_t>(size);
    return a;
}

/// parse_args() for the programs that take --curve (anywhere after argv[first - 1]);
/// `usage` leaves it out.
inline args parse_curve_args(int argc, char** argv, const std::string& usage, int first = 1)
{
    const bool curve = take_flag(argc, argv, "--curve", first);
    args a = parse_args(argc, argv, (usage + " [--curve]").c_str(), first);
    a.curve = curve;
    return a;
}

/// The arguments of handshake_rate and libzmq_handshake_rate:
/// `server|client <endpoint> <message-size> <count> [--curve]`.
struct handshake_args : args {
    bool server = false;
};

inline handshake_args parse_handshake_args(int argc, char** argv)
{
    const char* usage = "server|client <endpoint> <message-size> <count>";
    const std::string_view mode = argc > 1 ? argv[1] : "";
    if (mode != "server" && mode != "client")
        argc = 0; // a usage error below
    handshake_args a;
    static_cast<args&>(a) = parse_curve_args(argc, argv, usage, 2);
    a.server = mode == "server";
    return a;
}

/// The pattern a throughput pair measures, the optional fourth argument of local_thr,
/// remote_thr and their libzmq twins:
/// - router: remote DEALER -> local ROUTER (the default); the receiver acknowledges the
///   last message through the ROUTER.
/// - pull: remote PUSH -> local PULL; the sender sends exactly <count> and waits for the
///   receiver's acknowledgement on the control pair before closing.
/// - sub: remote PUB -> local SUB subscribed to everything; the sender keeps sending until
///   the receiver, which counts <count> messages from its first, tells it to stop on the
///   control pair (a PUB drops what it sends before the subscription reaches it, and
///   drops at its high-water mark, so a fixed count could never arrive whole).
enum class thr_pattern { router, pull, sub };

inline const char* to_string(thr_pattern p)
{
    return p == thr_pattern::router ? "router" : p == thr_pattern::pull ? "pull" : "sub";
}

struct thr_args : args {
    thr_pattern pattern = thr_pattern::router;
};

/// `<endpoint> <message-size> <message-count> [router|pull|sub] [--curve]`, the arguments
/// of local_thr and remote_thr (zmtp and libzmq alike); `endpoint_role` is "bind" or
/// "connect". --curve secures the data sockets only, not the control pair.
inline thr_args parse_thr_args(int argc, char** argv, const char* endpoint_role)
{
    const std::string usage =
        std::string("<") + endpoint_role + "-endpoint> <message-size> <message-count> [router|pull|sub] [--curve]";
    thr_args a;
    const bool curve = take_flag(argc, argv, "--curve");
    if (argc == 5) {
        const std::string_view name = argv[4];
        if (name == "router")
            a.pattern = thr_pattern::router;
        else if (name == "pull")
            a.pattern = thr_pattern::pull;
        else if (name == "sub")
            a.pattern = thr_pattern::sub;
        else
            argc = 0; // a usage error below
    }
    static_cast<args&>(a) = parse_args(argc == 5 ? 4 : argc, argv, usage.c_str());
    a.curve = curve;
    return a;
}

/// The endpoint of the control pair of the pull and sub patterns, derived from the data
/// endpoint: tcp://host:port -> tcp://host:<port + 1>, ipc://path -> ipc://path.ctl,
/// inproc://name -> inproc://name.ctl. The receiver binds it (before the data endpoint, so
/// whoever waits for the data endpoint to listen finds both), the sender connects to it.
/// Over tcp the next port must be free too (bench/run.py picks such pairs).
inline std::string control_endpoint(const std::string& endpoint)
{
    if (endpoint.rfind("tcp://", 0) == 0) {
        const std::size_t colon = endpoint.rfind(':');
        std::uint64_t port = 0;
        if (colon != std::string::npos && colon > 5 && parse_number(endpoint.c_str() + colon + 1, port) &&
            port > 0 && port < 65535)
            return endpoint.substr(0, colon + 1) + std::to_string(port + 1);
        std::fprintf(stderr, "%s: needs a numeric port below 65535 for the control pair (port + 1)\n",
                     endpoint.c_str());
        std::exit(2);
    }
    return endpoint + ".ctl";
}

/// How many messages a sender that sends until told to stop (the sub pattern's PUB,
/// multi_thr's senders) sends between two looks at whether to stop; zmtp's senders also let
/// their io_context run there, since a PUB never makes try_send wait and the writes run on
/// the same thread.
inline constexpr unsigned sender_batch = 256;

/// The sender's line in the sub pattern: every message it sent, dropped ones included.
inline void print_sent(std::uint64_t sent)
{
    std::printf("messages sent: %llu\n", static_cast<unsigned long long>(sent));
    std::fflush(stdout);
}

// --- multi_thr: several sockets in one process ----------------------------------------

/// The arrangement multi_thr and libzmq_multi_thr measure (their fourth argument):
/// - fanout: one PUB (binds) -> multi_peers SUBs subscribed to everything; each SUB counts
///   <count> messages; the rate is the sum of the SUBs' rates.
/// - fanin: multi_peers PUSHes -> one PULL (binds) that counts <count> messages.
/// - topics: one PUB (binds) -> one SUB subscribed to topic_count distinct topics, the
///   PUB cycling over them; the SUB counts <count> messages.
/// The senders send until every receiver has its count (as the sub pattern above), and a
/// receiver that has its count goes on receiving until the end, so that the load is the
/// same during every receiver's measured interval. Each receiver counts only once the
/// warm-up below has seen every peer at work.
enum class multi_mode { fanout, fanin, topics };

struct multi_args : args {
    multi_mode mode = multi_mode::fanout;
};

inline constexpr unsigned multi_peers = 4;
inline constexpr unsigned topic_count = 10000;
inline constexpr std::size_t topic_length = 11; // "topic-00000"

/// "topic-00000" .. "topic-09999".
inline std::string topic_name(unsigned i)
{
    char text[16];
    std::snprintf(text, sizeof text, "topic-%05u", i);
    return text;
}

/// `<bind-endpoint> <message-size> <message-count> <fanout|fanin|topics>`.
inline multi_args parse_multi_args(int argc, char** argv)
{
    const char* usage = "<bind-endpoint> <message-size> <message-count> <fanout|fanin|topics>";
    multi_args a;
    bool ok = argc == 5;
    if (ok) {
        const std::string_view name = argv[4];
        if (name == "fanout")
            a.mode = multi_mode::fanout;
        else if (name == "fanin")
            a.mode = multi_mode::fanin;
        else if (name == "topics")
            a.mode = multi_mode::topics;
        else
            ok = false;
    }
    static_cast<args&>(a) = parse_args(ok ? 4 : 0, argv, usage);
    if (a.mode == multi_mode::topics && a.size < topic_length) {
        std::fprintf(stderr, "%s: topics needs a message size of at least %zu (the topic)\n", argv[0], topic_length);
        std::exit(2);
    }
    if (a.mode == multi_mode::fanin && a.size < 1) {
        std::fprintf(stderr, "%s: fanin needs a message size of at least 1 (the sender's number)\n", argv[0]);
        std::exit(2);
    }
    return a;
}

/// The body a multi_thr sender sends: 'x's, starting with the sender's number ('0' + i)
/// for fanin, or with topic_name(i) for topics.
inline std::string multi_body(multi_mode mode, std::size_t size, unsigned i)
{
    std::string body(size, 'x');
    if (mode == multi_mode::fanin)
        body[0] = static_cast<char>('0' + i);
    else if (mode == multi_mode::topics)
        body.replace(0, topic_length, topic_name(i));
    return body;
}

/// Decides when a receiver of multi_thr starts counting: after the message that shows
/// every peer at work. fanout: each SUB has had a message (`started` counts them);
/// fanin: messages from all multi_peers senders; topics: the last topic subscribed (the
/// subscriptions travel in order, so the PUB then has them all). One per receiver.
class warmup {
public:
    warmup(multi_mode mode, std::atomic<unsigned>* started) : mode_(mode), started_(started) {}

    /// Looks at one message body; true once counting may start with the next message.
    bool done(const void* data, std::size_t size)
    {
        if (done_)
            return true;
        switch (mode_) {
        case multi_mode::fanout:
            if (!counted_) {
                counted_ = true;
                started_->fetch_add(1, std::memory_order_acq_rel);
            }
            done_ = started_->load(std::memory_order_acquire) == multi_peers;
            break;
        case multi_mode::fanin:
            if (size > 0) {
                const unsigned i = static_cast<unsigned>(static_cast<const unsigned char*>(data)[0] - '0');
                if (i < multi_peers)
                    seen_ |= 1u << i;
            }
            done_ = seen_ == (1u << multi_peers) - 1;
            break;
        case multi_mode::topics:
            done_ = size >= topic_length && std::memcmp(data, last_topic_.data(), topic_length) == 0;
            break;
        }
        return done_;
    }

private:
    multi_mode mode_;
    std::atomic<unsigned>* started_;
    bool done_ = false;
    bool counted_ = false;
    unsigned seen_ = 0;
    std::string last_topic_ = topic_name(topic_count - 1);
};

/// What one receiver measured.
struct receiver_result {
    clock::time_point first{}, last{};
    std::uint64_t bad = 0; // messages of the wrong size or frame count
    bool done = false;
};

inline double seconds(clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

/// The throughput lines of libzmq's local_thr: messages per second over the measured
/// interval, and megabits of payload per second.
inline void print_throughput(std::size_t size, std::uint64_t count, clock::duration elapsed)
{
    double secs = seconds(elapsed);
    if (secs <= 0)
        secs = 1e-9;
    const double msg_per_s = static_cast<double>(count) / secs;
    const double megabits = msg_per_s * static_cast<double>(size) * 8 / 1e6;
    std::printf("message size: %zu [B]\n", size);
    std::printf("message count: %llu\n", static_cast<unsigned long long>(count));
    std::printf("mean throughput: %.0f [msg/s]\n", msg_per_s);
    std::printf("mean throughput: %.3f [Mb/s]\n", megabits);
    std::fflush(stdout);
}

/// The value at quantile `q` (0..1) of ascending `sorted` (nearest rank); 0 if empty.
inline double percentile(const std::vector<double>& sorted, double q)
{
    if (sorted.empty())
        return 0;
    const std::size_t i = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(i, sorted.size() - 1)];
}

/// The latency lines of libzmq's remote_lat (average latency = half a round trip over the
/// whole run) plus the median and 99th percentile of the individual round trips.
inline void print_latency(std::size_t size, std::uint64_t roundtrips, clock::duration total,
                          std::vector<double>& roundtrip_us)
{
    const double average = seconds(total) * 1e6 / (static_cast<double>(roundtrips) * 2);
    std::sort(roundtrip_us.begin(), roundtrip_us.end());
    std::printf("message size: %zu [B]\n", size);
    std::printf("roundtrip count: %llu\n", static_cast<unsigned long long>(roundtrips));
    std::printf("average latency: %.3f [us]\n", average);
    std::printf("p50 roundtrip: %.3f [us]\n", percentile(roundtrip_us, 0.50));
    std::printf("p99 roundtrip: %.3f [us]\n", percentile(roundtrip_us, 0.99));
    std::fflush(stdout);
}

/// The lines of handshake_rate's client: connections per second over the whole run (each
/// made, handshaken, echoed once and closed: see handshake_rate.cpp), and the median and
/// 99th percentile of single connections, socket made to echo received.
inline void print_handshakes(std::size_t size, std::uint64_t count, clock::duration total,
                             std::vector<double>& handshake_us)
{
    double secs = seconds(total);
    if (secs <= 0)
        secs = 1e-9;
    std::sort(handshake_us.begin(), handshake_us.end());
    std::printf("message size: %zu [B]\n", size);
    std::printf("handshake count: %llu\n", static_cast<unsigned long long>(count));
    std::printf("mean rate: %.1f [handshakes/s]\n", static_cast<double>(count) / secs);
    std::printf("p50 handshake: %.3f [us]\n", percentile(handshake_us, 0.50));
    std::printf("p99 handshake: %.3f [us]\n", percentile(handshake_us, 0.99));
    std::fflush(stdout);
}

/// The lines of multi_thr: print_throughput's, with `count` the messages each receiver
/// counted and the rates the sum of the receivers' own rates, then one line per receiver.
inline void print_aggregate(std::size_t size, std::uint64_t count, const std::vector<receiver_result>& receivers)
{
    double total = 0;
    std::vector<double> rates;
    for (const receiver_result& r : receivers) {
        double secs = std::chrono::duration<double>(r.last - r.first).count();
        if (secs <= 0)
            secs = 1e-9;
        rates.push_back(static_cast<double>(count) / secs);
        total += rates.back();
    }
    std::printf("message size: %zu [B]\n", size);
    std::printf("message count: %llu\n", static_cast<unsigned long long>(count));
    std::printf("receivers: %zu\n", receivers.size());
    std::printf("mean throughput: %.0f [msg/s]\n", total);
    std::printf("mean throughput: %.3f [Mb/s]\n", total * static_cast<double>(size) * 8 / 1e6);
    for (std::size_t i = 0; i < rates.size(); ++i)
        std::printf("receiver %zu throughput: %.0f [msg/s]\n", i, rates[i]);
    std::fflush(stdout);
}

inline double micros(clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}

} // namespace bench
