// Helpers for the hostile-peer tests: exact bytes, a raw blocking TCP peer with timeouts,
// a monitor-event log, a well-behaved DEALER that keeps exchanging numbered messages with
// the ROUTER under attack, and a heap-in-use probe.
#pragma once

#include "zmtp/context.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/socket.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "round_loop.hpp"
#include "support/heap_in_use.hpp"

namespace hostile {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using bytes = std::vector<std::uint8_t>;
using std::chrono::milliseconds;

/// Sizes in bytes.
inline constexpr std::size_t kib = 1024;
inline constexpr std::size_t mib = 1024 * kib;

// --- bytes -------------------------------------------------------------------------

namespace detail {
inline void append(bytes& out, int b)
{
    if (b < 0 || b > 255)
        throw std::invalid_argument("byte value out of range: " + std::to_string(b));
    out.push_back(static_cast<std::uint8_t>(b));
}
inline void append(bytes& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }
inline void append(bytes& out, const bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
} // namespace detail

/// Concatenates bytes given as integers (0..255), text (its characters, no terminator)
/// and byte vectors: `cat(0x04, 0x30, 5, "READY")` is 04 30 05 52 45 41 44 59.
template <class... Parts>
bytes cat(const Parts&... parts)
{
    bytes out;
    (detail::append(out, parts), ...);
    return out;
}

/// `n` copies of byte `b`.
inline bytes repeat(std::uint8_t b, std::size_t n) { return bytes(n, b); }
inline bytes zeros(std::size_t n) { return repeat(0, n); }

/// The 8 bytes of `v`, big-endian (ZMTP's long frame sizes).
inline bytes be64(std::uint64_t v)
{
    bytes out(8);
    for (int i = 7; i >= 0; --i, v >>= 8)
        out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xFF);
    return out;
}

/// The 4 bytes of `v`, big-endian (metadata value sizes).
inline bytes be32(std::uint32_t v)
{
    return cat(static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xFF), static_cast<int>((v >> 8) & 0xFF),
               static_cast<int>(v & 0xFF));
}

inline bool contains(const bytes& haystack, const bytes& needle)
{
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

inline std::string hex(const bytes& b, std::size_t limit = 96)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < b.size() && i < limit; ++i) {
        if (i)
            out += ' ';
        out += digits[b[i] >> 4];
        out += digits[b[i] & 0xF];
    }
    if (b.size() > limit)
        out += " ... (" + std::to_string(b.size()) + " bytes)";
    return out;
}

/// One ZMTP frame parsed back from bytes the server sent us.
struct wire_frame {
    std::uint8_t flags = 0;
    bytes body;
    bool command() const { return flags & 0x04; }
    /// A command's name ("" for a message frame or a malformed command).
    std::string command_name() const
    {
        if (!command() || body.empty() || body[0] + 1u > body.size())
            return {};
        return std::string(body.begin() + 1, body.begin() + 1 + body[0]);
    }
};

/// The frames in `stream` after the 64-byte greeting (a truncated last frame is left out).
inline std::vector<wire_frame> frames_after_greeting(const bytes& stream)
{
    std::vector<wire_frame> out;
    std::size_t pos = 64;
    while (pos + 2 <= stream.size()) {
        const std::uint8_t flags = stream[pos];
        std::uint64_t size = 0;
        std::size_t header = 2;
        if (flags & 0x02) {
            if (pos + 9 > stream.size())
                break;
            for (std::size_t i = 0; i < 8; ++i)
                size = (size << 8) | stream[pos + 1 + i];
            header = 9;
        } else {
            size = stream[pos + 1];
        }
        if (size > stream.size() - pos - header)
            break;
        const auto body = stream.begin() + static_cast<std::ptrdiff_t>(pos + header);
        out.push_back({flags, bytes(body, body + static_cast<std::ptrdiff_t>(size))});
        pos += header + static_cast<std::size_t>(size);
    }
    return out;
}

// --- a raw TCP peer ------------------------------------------------------------------

/// A plain blocking POSIX TCP connection to 127.0.0.1 that writes exact bytes and watches
/// for the server closing it. Every wait is bounded, so a misbehaving server cannot hang
/// a test.
class raw_peer {
public:
    /// How a wait for the server to close the connection ended.
    struct close_result {
        bool closed = false;        ///< The server closed it (EOF or reset).
        bool reset = false;         ///< ...with a reset (ECONNRESET/EPIPE) rather than EOF.
        milliseconds since_send{};  ///< From the end of our last write to the close.
        milliseconds since_start{}; ///< From just before connect() to the close.
    };

    explicit raw_peer(std::uint16_t port)
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "socket");
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // one write, one segment
        const timeval five_seconds{5, 0}; // bounds connect() and send()
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five_seconds, sizeof five_seconds);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        started_ = last_send_ = clock::now();
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            const int e = errno;
            ::close(fd_);
            throw std::system_error(e, std::generic_category(), "connect");
        }
    }
    ~raw_peer()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    raw_peer(const raw_peer&) = delete;
    raw_peer& operator=(const raw_peer&) = delete;

    /// Writes all of `data`; false if the server had closed the connection (the write then
    /// fails with EPIPE or ECONNRESET). A write blocked for 5 s fails the test.
    bool send(const bytes& data)
    {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                mark_closed(true);
                return false;
            }
            FAIL("raw peer: send failed: " << std::strerror(errno));
        }
        last_send_ = clock::now();
        return true;
    }

    /// Sends `unit` over and over (without blocking) until `target` bytes have gone out,
    /// the server has taken nothing for `stall`, or it closed the connection; calls
    /// `sample()` every 10 ms or so meanwhile. Returns the bytes the kernel took.
    template <class Sample>
    std::size_t flood(const bytes& unit, std::size_t target, milliseconds stall, Sample sample)
    {
        bytes chunk; // whole units, about 256 KiB: the stream stays aligned across wraps
        while (chunk.size() < 256 * 1024)
            chunk.insert(chunk.end(), unit.begin(), unit.end());
        std::size_t sent = 0;
        std::size_t pos = 0;
        auto last_progress = clock::now();
        auto last_sample = clock::now();
        while (sent < target && !closed_) {
            if (clock::now() - last_sample >= 10ms) {
                sample();
                last_sample = clock::now();
            }
            const std::size_t want = std::min(chunk.size() - pos, target - sent);
            const ssize_t n = ::send(fd_, chunk.data() + pos, want, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                pos = (pos + static_cast<std::size_t>(n)) % chunk.size();
                last_progress = clock::now();
                continue;
            }
            if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                mark_closed(true);
                break;
            }
            REQUIRE_MESSAGE((n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)),
                            "raw peer: send failed: " << std::strerror(errno));
            if (clock::now() - last_progress >= stall)
                break;
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, 10);
        }
        last_send_ = clock::now();
        sample();
        return sent;
    }

    /// Reads until the server closes the connection or `limit` passes.
    close_result wait_closed(milliseconds limit)
    {
        read_until([] { return false; }, limit);
        return result();
    }

    /// Reads until at least `n` bytes have arrived in all (or the connection closed, or
    /// `limit` passed); true if they have.
    bool read_at_least(std::size_t n, milliseconds limit)
    {
        read_until([&] { return received_.size() >= n; }, limit);
        return received_.size() >= n;
    }

    /// Reads until `needle` has arrived (or close, or `limit`); true if it has.
    bool read_until_contains(const bytes& needle, milliseconds limit)
    {
        read_until([&] { return contains(received_, needle); }, limit);
        return contains(received_, needle);
    }

    /// Ends our side of the stream (FIN) but keeps reading.
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

    /// Closes abortively: SO_LINGER 0 makes close() send a reset instead of a FIN.
    void reset()
    {
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd_);
        fd_ = -1;
    }

    const bytes& received() const { return received_; }
    clock::time_point started() const { return started_; }
    bool closed() const { return closed_; }
    close_result result() const
    {
        close_result r;
        r.closed = closed_;
        r.reset = reset_;
        if (closed_) {
            r.since_send = std::chrono::duration_cast<milliseconds>(closed_at_ - last_send_);
            r.since_start = std::chrono::duration_cast<milliseconds>(closed_at_ - started_);
        }
        return r;
    }

private:
    template <class Done>
    void read_until(Done done, milliseconds limit)
    {
        const auto deadline = clock::now() + limit;
        while (!closed_ && !done()) {
            const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
            if (left.count() <= 0)
                return;
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<milliseconds::rep>(left.count(), 100)));
            if (r < 0 && errno == EINTR)
                continue;
            REQUIRE_MESSAGE(r >= 0, "raw peer: poll failed: " << std::strerror(errno));
            if (r == 0)
                continue;
            std::uint8_t buffer[64 * 1024];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n > 0)
                received_.insert(received_.end(), buffer, buffer + n);
            else if (n == 0)
                mark_closed(false);
            else if (errno == ECONNRESET || errno == EPIPE)
                mark_closed(true);
            else if (errno != EINTR && errno != EAGAIN)
                FAIL("raw peer: recv failed: " << std::strerror(errno));
        }
    }

    void mark_closed(bool reset)
    {
        if (closed_)
            return;
        closed_ = true;
        reset_ = reset;
        closed_at_ = clock::now();
    }

    int fd_ = -1;
    bytes received_;
    clock::time_point started_;
    clock::time_point last_send_;
    clock::time_point closed_at_;
    bool closed_ = false;
    bool reset_ = false;
};

// --- monitor events ------------------------------------------------------------------

inline std::string describe(std::error_code ec)
{
    if (!ec)
        return "(none)";
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " (" + ec.message() + ")";
}

inline std::string describe(const zmtp::monitor_event& e)
{
    std::string out(zmtp::to_string(e.type));
    if (!e.routing_id.empty())
        out += " id=" + hex(bytes(e.routing_id.begin(), e.routing_id.end()), 16);
    if (e.error)
        out += " error=" + describe(e.error);
    return out;
}

/// True for the events that end a connection on the accepting side.
inline bool is_terminal(zmtp::monitor_event_type t)
{
    return t == zmtp::monitor_event_type::handshake_failed_protocol
        || t == zmtp::monitor_event_type::handshake_failed_no_detail || t == zmtp::monitor_event_type::disconnected;
}

/// Drains a socket's monitor on its executor and records every event (or, with
/// `keep = false`, only counts them per type, so that memory stays flat).
class event_log {
public:
    event_log(zmtp::socket& s, bool keep) : state_(std::make_shared<state>())
    {
        state_->socket = &s;
        state_->keep = keep;
        s.enable_monitor();
        // Several reads in flight, so that a burst of events is taken as it happens rather
        // than one per trip through the executor's queue. (The socket completes waiting
        // reads in order, and the single I/O thread runs the completions in order.)
        for (int i = 0; i < readers; ++i)
            arm(state_);
    }
    ~event_log() { detach(); }
    event_log(const event_log&) = delete;
    event_log& operator=(const event_log&) = delete;

    /// Stops re-arming; call before the socket goes away.
    void detach()
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->socket = nullptr;
    }

    /// Plays a monitor reader that falls behind: the reads in flight take one event each,
    /// then nothing is read (events queue up in the socket) until resume_reading().
    void pause_reading()
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->reading = false;
    }
    void resume_reading()
    {
        int missing = 0;
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            state_->reading = true;
            missing = readers - state_->armed;
        }
        for (int i = 0; i < missing; ++i)
            arm(state_);
    }

    /// Events recorded so far, of all types.
    std::size_t total() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        std::size_t n = 0;
        for (const auto& [type, count] : state_->counts)
            n += count;
        return n;
    }

    /// Waits until no event has arrived for `quiet`; false if that never happened within `limit`.
    bool wait_quiet(milliseconds quiet, milliseconds limit) const
    {
        const auto deadline = clock::now() + limit;
        for (std::size_t seen = total(); clock::now() < deadline;) {
            std::this_thread::sleep_for(quiet);
            const std::size_t now_seen = total();
            if (now_seen == seen)
                return true;
            seen = now_seen;
        }
        return false;
    }

    std::vector<zmtp::monitor_event> events() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return state_->events;
    }

    std::size_t count(zmtp::monitor_event_type type) const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        const auto it = state_->counts.find(type);
        return it == state_->counts.end() ? 0 : it->second;
    }

    std::size_t terminal_count() const
    {
        using t = zmtp::monitor_event_type;
        return count(t::handshake_failed_protocol) + count(t::handshake_failed_no_detail) + count(t::disconnected);
    }

    /// Waits for the first recorded event that satisfies `pred`.
    template <class Pred>
    std::optional<zmtp::monitor_event> wait_for(Pred pred, milliseconds timeout) const
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        std::optional<zmtp::monitor_event> found;
        state_->changed.wait_for(lock, timeout, [&] {
            for (const zmtp::monitor_event& e : state_->events)
                if (pred(e)) {
                    found = e;
                    return true;
                }
            return false;
        });
        return found;
    }

    /// Waits until `total()` of the counts reaches `n`; true if it did.
    template <class Total>
    bool wait_counts(Total total, std::size_t n, milliseconds timeout) const
    {
        const auto deadline = clock::now() + timeout;
        while (total() < n) {
            if (clock::now() >= deadline)
                return false;
            std::unique_lock<std::mutex> lock(state_->mutex);
            state_->changed.wait_for(lock, 20ms);
        }
        return true;
    }

    std::string describe_all() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        std::string out;
        for (const zmtp::monitor_event& e : state_->events)
            out += "\n  " + describe(e) + " @ " + e.endpoint;
        if (!state_->keep)
            for (const auto& [type, n] : state_->counts)
                out += "\n  " + std::string(zmtp::to_string(type)) + " x" + std::to_string(n);
        return out;
    }

private:
    static constexpr int readers = 64;

    struct state {
        mutable std::mutex mutex;
        mutable std::condition_variable changed;
        zmtp::socket* socket = nullptr;
        bool keep = true;
        bool reading = true;
        int armed = 0; // reads in flight
        std::vector<zmtp::monitor_event> events;
        std::map<zmtp::monitor_event_type, std::size_t> counts;
    };

    static void arm(const std::shared_ptr<state>& st)
    {
        // Initiated under our lock, so detach() (then the socket's destruction) cannot race
        // with it; the completion never runs inline, so it cannot deadlock on the lock.
        std::lock_guard<std::mutex> lock(st->mutex);
        if (!st->socket || !st->reading || st->armed >= readers)
            return;
        ++st->armed;
        st->socket->async_next_event([st](std::error_code ec, zmtp::monitor_event e) {
            {
                std::lock_guard<std::mutex> lock(st->mutex);
                --st->armed;
                if (ec)
                    return; // the socket closed
                ++st->counts[e.type];
                if (st->keep)
                    st->events.push_back(std::move(e));
            }
            st->changed.notify_all();
            arm(st);
        });
    }

    std::shared_ptr<state> state_;
};

// --- waiting, and the servers' options ------------------------------------------------

/// Polls `pred` every 5 ms until it holds (true) or `limit` passes (false).
template <class Pred>
bool wait_until(Pred pred, milliseconds limit)
{
    const auto deadline = clock::now() + limit;
    while (!pred()) {
        if (clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// `o` with linger 0 and 5 s send and receive timeouts, for the sockets under attack.
inline zmtp::socket_options with_timeouts(zmtp::socket_options o)
{
    o.linger = 0ms;
    o.send_timeout = 5s;
    o.receive_timeout = 5s;
    return o;
}

// --- the well-behaved peer -----------------------------------------------------------

/// A DEALER (routing id `id`) that exchanges numbered messages with the ROUTER, both ways,
/// on its own thread, until stopped. Round r: the DEALER sends `per_round` messages
/// "d<r>.<i>", the ROUTER must receive exactly those, in order, from `id`; it answers each
/// with "r<r>.<i>", which the DEALER must receive exactly, in order. Any loss, duplicate,
/// reordering or error (receives time out after 5 s) is recorded as the failure and ends
/// the exchange. Messages the ROUTER gets from other peers are set aside as "foreign".
class good_peer final : public round_loop {
public:
    static constexpr int per_round = 10;

    good_peer(zmtp::socket& router, zmtp::socket& dealer, std::string id, bool keep_foreign)
        : round_loop(2ms), router_(router), dealer_(dealer), id_(std::move(id)), keep_foreign_(keep_foreign)
    {
    }
    ~good_peer() override { stop(); }

    void start() { start_rounds(); }

    std::size_t messages() const { return rounds() * 2 * per_round; }

    std::vector<zmtp::message> foreign() const
    {
        std::lock_guard<std::mutex> lock(foreign_mutex_);
        return foreign_;
    }
    std::size_t foreign_count() const
    {
        std::lock_guard<std::mutex> lock(foreign_mutex_);
        return foreign_count_;
    }

private:
    /// The exchange, then the ROUTER's queue drained of foreign messages (so that nothing
    /// stays queued while it is paused).
    bool round(std::size_t r) override
    {
        if (!exchange(r))
            return false;
        drain_foreign();
        return true;
    }

    void set_aside(zmtp::message&& m)
    {
        std::lock_guard<std::mutex> lock(foreign_mutex_);
        ++foreign_count_;
        if (keep_foreign_)
            foreign_.push_back(std::move(m));
    }

    bool exchange(std::size_t round)
    {
        const std::string r = std::to_string(round);
        std::error_code ec;
        for (int i = 0; i < per_round; ++i) {
            dealer_.send(zmtp::message{"d" + r + "." + std::to_string(i)}, zmtp::send_flags::none, ec);
            if (ec)
                return fail("DEALER send in round " + r + ": " + describe(ec));
        }
        for (int i = 0; i < per_round;) {
            zmtp::message m = router_.receive(zmtp::recv_flags::none, ec);
            if (ec)
                return fail("ROUTER receive of d" + r + "." + std::to_string(i) + ": " + describe(ec));
            if (m.empty() || m[0].view() != id_) {
                set_aside(std::move(m));
                continue;
            }
            const std::string expected = "d" + r + "." + std::to_string(i);
            if (m.size() != 2 || m[1].view() != expected)
                return fail("ROUTER expected " + expected + ", got " + text(m));
            ++i;
        }
        for (int i = 0; i < per_round; ++i) {
            router_.send(zmtp::message{id_, "r" + r + "." + std::to_string(i)}, zmtp::send_flags::none, ec);
            if (ec)
                return fail("ROUTER send in round " + r + ": " + describe(ec));
        }
        for (int i = 0; i < per_round; ++i) {
            const zmtp::message m = dealer_.receive(zmtp::recv_flags::none, ec);
            const std::string expected = "r" + r + "." + std::to_string(i);
            if (ec)
                return fail("DEALER receive of " + expected + ": " + describe(ec));
            if (m.size() != 1 || m[0].view() != expected)
                return fail("DEALER expected " + expected + ", got " + text(m));
        }
        return true;
    }

    /// Between rounds anything queued at the ROUTER comes from other peers (ours waits for
    /// the next round): take it all, so that nothing stays queued when the peer is paused.
    void drain_foreign()
    {
        for (;;) {
            std::error_code ec;
            std::optional<zmtp::message> m = router_.try_receive(ec);
            if (!m)
                return;
            if (!m->empty() && m->front().view() == id_) {
                fail("ROUTER got an unexpected extra message from the good peer: " + text(*m));
                return;
            }
            set_aside(std::move(*m));
        }
    }

    static std::string text(const zmtp::message& m)
    {
        std::string out = "[";
        for (const zmtp::frame& f : m)
            out += (out.size() > 1 ? ", \"" : "\"") + f.to_string() + "\"";
        return out + "]";
    }

    zmtp::socket& router_;
    zmtp::socket& dealer_;
    const std::string id_;
    const bool keep_foreign_;

    mutable std::mutex foreign_mutex_;
    std::vector<zmtp::message> foreign_;
    std::size_t foreign_count_ = 0;
};

// --- the server under attack -----------------------------------------------------------

/// A ROUTER bound on tcp://127.0.0.1:* with its monitor recorded, and a good DEALER (routing
/// id "good") already exchanging messages with it. Both run on a zmtp::context (one I/O
/// thread); the good peer has its own thread; the test's thread plays the hostile peer.
class server {
public:
    /// `router_options` and `dealer_options` (the good DEALER's: its security, say) are
    /// completed with linger 0 and 5 s send/receive timeouts; the DEALER's routing id is
    /// "good".
    explicit server(zmtp::socket_options router_options, bool keep_records = true,
                    zmtp::socket_options dealer_options = {})
        : router_(ctx_, zmtp::socket_type::router, with_timeouts(std::move(router_options))),
          events_(router_, keep_records),
          dealer_(ctx_, zmtp::socket_type::dealer, with_timeouts(named_good(std::move(dealer_options)))),
          good_(router_, dealer_, "good", keep_records)
    {
        router_.bind("tcp://127.0.0.1:*");
        endpoint_ = router_.last_endpoint();
        port_ = static_cast<std::uint16_t>(std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)));
        dealer_.connect(endpoint_);
        good_.start();
        REQUIRE_MESSAGE(good_.wait_rounds(2, 10s), "the good DEALER never got going: " << good_.failure());
    }
    ~server()
    {
        good_.stop();
        events_.detach();
    }
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    const std::string& endpoint() const { return endpoint_; }
    std::uint16_t port() const { return port_; }
    zmtp::socket& router() { return router_; }
    const event_log& events() const { return events_; }
    event_log& events() { return events_; }
    good_peer& good() { return good_; }

private:
    static zmtp::socket_options named_good(zmtp::socket_options o)
    {
        o.routing_id = "good";
        return o;
    }

    zmtp::context ctx_;
    zmtp::socket router_;
    event_log events_;
    zmtp::socket dealer_;
    good_peer good_;
    std::string endpoint_;
    std::uint16_t port_ = 0;
};

// --- memory --------------------------------------------------------------------------

using zmtp_test::heap_in_use;
using zmtp_test::heap_probe_name;

/// How far above its baseline the heap may stay once the hostile peers have gone (the
/// allocator's and the well-behaved peers' noise).
inline constexpr std::size_t back_to_baseline_slack = 1 * mib;

/// The heap with the server at rest: the good peer completes two more rounds (draining
/// what hostile peers delivered to the ROUTER) and is parked, the cancelled handlers of
/// the last sessions complete, and the heap is read.
inline std::size_t heap_at_rest(server& s)
{
    REQUIRE_MESSAGE(s.good().wait_rounds(s.good().rounds() + 2, 10s), "good DEALER: " << s.good().failure());
    s.good().pause();
    std::this_thread::sleep_for(200ms);
    const std::size_t heap = heap_in_use();
    s.good().resume();
    return heap;
}

} // namespace hostile
