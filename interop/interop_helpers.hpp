// Helpers of the interop tests: RAII wrappers for libzmq contexts, sockets and monitors
// (C API only, as documented in its man pages), conversions between zmtp::message and a
// vector of strings, and unique endpoints. The recorder of zmtp monitor events (event_log)
// and escape() come from tests/support/, shared with the other test suites.
//
// Every blocking call has a timeout (libzmq: ZMQ_RCVTIMEO/ZMQ_SNDTIMEO; zmtp: receive_timeout
// and send_timeout), so a broken peer makes a test fail, never hang.
#pragma once

#include <zmq.h>

#include <doctest/doctest.h>

#include "support/message_parts.hpp"
#include "support/monitor_recorder.hpp"
#include "support/printable.hpp"

#include <zmtp/context.hpp>
#include <zmtp/error.hpp>
#include <zmtp/message.hpp>
#include <zmtp/monitor.hpp>
#include <zmtp/options.hpp>
#include <zmtp/socket.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace interop {

using namespace std::chrono_literals;
using parts = std::vector<std::string>;

/// How long any single blocking operation may wait before the test fails.
inline constexpr int io_timeout_ms = 5000;
inline constexpr std::chrono::milliseconds io_timeout{io_timeout_ms};

// --- printing -------------------------------------------------------------------------

/// `bytes` with non-printable characters (and backslash) escaped as \xNN, abbreviated when long.
using zmtp_test::escape;

inline std::string show(const parts& p)
{
    std::string out = "[";
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (i)
            out += ", ";
        out += '"' + escape(p[i]) + '"';
    }
    return out + "]";
}

// --- zmtp side ------------------------------------------------------------------------

/// Options with timeouts on every blocking call and no linger (tests end promptly).
inline zmtp::socket_options zmtp_options()
{
    zmtp::socket_options o;
    o.receive_timeout = io_timeout;
    o.send_timeout = io_timeout;
    o.linger = 0ms;
    return o;
}

inline zmtp::message to_message(const parts& p)
{
    zmtp::message m;
    for (const std::string& s : p)
        m.push_back(std::string_view(s));
    return m;
}

inline parts to_parts(const zmtp::message& m) { return zmtp_test::parts(m); }

/// Sends `p` on a zmtp socket; false (with a diagnostic) on error.
inline bool zsend(zmtp::socket& s, const parts& p)
{
    std::error_code ec;
    s.send(to_message(p), zmtp::send_flags::none, ec);
    if (ec)
        MESSAGE("zmtp send of " << show(p) << " failed: " << ec.message());
    return !ec;
}

/// ZMQ_METADATA: zmq.h declares it only with the draft API, which Debian's build leaves out,
/// yet libzmq 4.3.4 takes it (zmq_sock::set requires that it does).
constexpr int zmq_metadata_option = 95;

/// Receives one message from a zmtp socket; nullopt (with a diagnostic) on error/timeout.
inline std::optional<parts> zrecv(zmtp::socket& s)
{
    std::error_code ec;
    zmtp::message m = s.receive(zmtp::recv_flags::none, ec);
    if (ec) {
        MESSAGE("zmtp receive failed: " << ec.message());
        return std::nullopt;
    }
    return to_parts(m);
}

/// Records every monitor event of a zmtp socket (enabling the monitor), so that tests can
/// wait for events with a timeout (wait_for(), wait_for_any(), count(), describe()...).
/// Declare it after the socket (it must die first).
using event_log = zmtp_test::monitor_recorder;

// --- libzmq side ----------------------------------------------------------------------

class zmq_context {
public:
    zmq_context() : ctx_(zmq_ctx_new()) { REQUIRE(ctx_ != nullptr); }
    ~zmq_context()
    {
        if (ctx_)
            zmq_ctx_term(ctx_);
    }
    zmq_context(const zmq_context&) = delete;
    zmq_context& operator=(const zmq_context&) = delete;
    void* get() const noexcept { return ctx_; }

private:
    void* ctx_;
};

inline std::string zmq_error() { return zmq_strerror(zmq_errno()); }

/// A libzmq socket with send/receive timeouts and no linger.
class zmq_sock {
public:
    zmq_sock(zmq_context& ctx, int type, int timeout_ms = io_timeout_ms) : s_(zmq_socket(ctx.get(), type))
    {
        REQUIRE(s_ != nullptr);
        set(ZMQ_LINGER, 0);
        set(ZMQ_RCVTIMEO, timeout_ms);
        set(ZMQ_SNDTIMEO, timeout_ms);
    }
    ~zmq_sock() { close(); }
    zmq_sock(const zmq_sock&) = delete;
    zmq_sock& operator=(const zmq_sock&) = delete;

    void* get() const noexcept { return s_; }
    void close()
    {
        if (s_)
            zmq_close(s_);
        s_ = nullptr;
    }

    void set(int option, int value)
    {
        const int rc = zmq_setsockopt(s_, option, &value, sizeof value);
        REQUIRE_MESSAGE(rc == 0, "zmq_setsockopt(" << option << ") " << zmq_error());
    }
    void set(int option, std::string_view value)
    {
        const int rc = zmq_setsockopt(s_, option, value.data(), value.size());
        REQUIRE_MESSAGE(rc == 0, "zmq_setsockopt(" << option << ") " << zmq_error());
    }

    /// Binds and returns the resolved endpoint (ZMQ_LAST_ENDPOINT).
    std::string bind(const std::string& endpoint)
    {
        const int rc = zmq_bind(s_, endpoint.c_str());
        REQUIRE_MESSAGE(rc == 0, "zmq_bind(" << endpoint << ") " << zmq_error());
        return last_endpoint();
    }
    void connect(const std::string& endpoint)
    {
        const int rc = zmq_connect(s_, endpoint.c_str());
        REQUIRE_MESSAGE(rc == 0, "zmq_connect(" << endpoint << ") " << zmq_error());
    }
    std::string last_endpoint() const
    {
        char buf[512];
        std::size_t size = sizeof buf;
        REQUIRE(zmq_getsockopt(s_, ZMQ_LAST_ENDPOINT, buf, &size) == 0);
        return std::string(buf); // NUL-terminated
    }

    /// Sends a multipart message; false on failure (errno kept for the caller).
    bool try_send(const parts& p, int flags = 0)
    {
        for (std::size_t i = 0; i < p.size(); ++i) {
            const int more = i + 1 < p.size() ? ZMQ_SNDMORE : 0;
            if (zmq_send(s_, p[i].data(), p[i].size(), flags | more) < 0)
                return false;
        }
        return true;
    }
    /// Sends a multipart message; false (with a diagnostic) on failure.
    bool send(const parts& p, int flags = 0)
    {
        const bool ok = try_send(p, flags);
        if (!ok)
            MESSAGE("zmq send of " << show(p) << " failed: " << zmq_error());
        return ok;
    }

    /// Receives one whole multipart message; nullopt on timeout or error.
    std::optional<parts> try_recv(int flags = 0)
    {
        parts p;
        for (;;) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, s_, flags) < 0) {
                zmq_msg_close(&msg);
                return std::nullopt; // libzmq delivers whole messages: fails only on the first
            }
            p.emplace_back(static_cast<const char*>(zmq_msg_data(&msg)), zmq_msg_size(&msg));
            const bool more = zmq_msg_more(&msg) != 0;
            zmq_msg_close(&msg);
            if (!more)
                return p;
        }
    }
    std::optional<parts> recv(int flags = 0)
    {
        auto p = try_recv(flags);
        if (!p)
            MESSAGE("zmq receive failed: " << zmq_error());
        return p;
    }

private:
    void* s_;
};

/// One libzmq monitor event (zmq_socket_monitor, version 1 format).
struct zmq_event {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::string endpoint;
};

inline std::string zmq_event_name(std::uint16_t id)
{
    switch (id) {
    case ZMQ_EVENT_CONNECTED: return "CONNECTED";
    case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
    case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
    case ZMQ_EVENT_LISTENING: return "LISTENING";
    case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
    case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
    case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
    case ZMQ_EVENT_CLOSED: return "CLOSED";
    case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
    case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
    case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return "HANDSHAKE_FAILED_NO_DETAIL";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return "HANDSHAKE_FAILED_PROTOCOL";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
    }
    return "EVENT_" + std::to_string(id);
}

inline int next_counter()
{
    static std::atomic<int> counter{0};
    return ++counter;
}

/// A monitor of a libzmq socket: the PAIR socket reading its events. Declare it after the
/// monitored socket.
class zmq_monitor {
public:
    zmq_monitor(zmq_context& ctx, zmq_sock& target, int events = ZMQ_EVENT_ALL)
        : pair_(ctx, ZMQ_PAIR)
    {
        const std::string ep = "inproc://interop-monitor-" + std::to_string(next_counter());
        REQUIRE_MESSAGE(zmq_socket_monitor(target.get(), ep.c_str(), events) == 0, zmq_error());
        pair_.connect(ep);
    }

    /// The next event, waiting at most `timeout_ms`.
    std::optional<zmq_event> next(int timeout_ms = io_timeout_ms)
    {
        zmq_pollitem_t item{pair_.get(), 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, timeout_ms) <= 0)
            return std::nullopt;
        auto p = pair_.try_recv();
        if (!p || p->size() != 2 || (*p)[0].size() != 6)
            return std::nullopt;
        zmq_event e;
        std::memcpy(&e.id, (*p)[0].data(), 2);
        std::memcpy(&e.value, (*p)[0].data() + 2, 4);
        e.endpoint = (*p)[1];
        seen_.push_back(e);
        return e;
    }

    /// Reads events until one whose id is in `ids` (returned) or the timeout.
    std::optional<zmq_event> wait_for(std::vector<std::uint16_t> ids, int timeout_ms = io_timeout_ms)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return std::nullopt;
            auto e = next(static_cast<int>(left.count()));
            if (!e)
                return std::nullopt;
            for (auto id : ids)
                if (e->id == id)
                    return e;
        }
    }

    /// Reads the events already queued, without waiting.
    void drain()
    {
        while (next(0)) {
        }
    }

    const std::vector<zmq_event>& seen() const { return seen_; }
    std::size_t count(std::uint16_t id) const
    {
        std::size_t n = 0;
        for (const auto& e : seen_)
            n += e.id == id;
        return n;
    }
    std::string describe() const
    {
        std::string out;
        for (const auto& e : seen_)
            out += zmq_event_name(e.id) + "(" + std::to_string(e.value) + ") ";
        return out;
    }

private:
    zmq_sock pair_;
    std::vector<zmq_event> seen_;
};

// --- endpoints ------------------------------------------------------------------------

enum class transport_kind { tcp, ipc };

inline const char* to_string(transport_kind t) { return t == transport_kind::tcp ? "tcp" : "ipc"; }

/// Removes the ipc socket files this process created, at exit.
class ipc_files {
public:
    static ipc_files& instance()
    {
        static ipc_files files;
        return files;
    }
    void add(std::string path)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paths_.push_back(std::move(path));
    }
    ~ipc_files()
    {
        for (const auto& p : paths_)
            ::unlink(p.c_str());
    }

private:
    std::mutex mutex_;
    std::vector<std::string> paths_;
};

/// A fresh ipc endpoint under /tmp, unique per process and call.
inline std::string unique_ipc_endpoint()
{
    const std::string path = "/tmp/zmtp-interop-" + std::to_string(::getpid()) + "-" +
                             std::to_string(next_counter()) + ".sock";
    ::unlink(path.c_str());
    ipc_files::instance().add(path);
    return "ipc://" + path;
}

/// What to bind on: an ephemeral tcp port on loopback, or a fresh ipc path.
inline std::string bind_endpoint(transport_kind t)
{
    return t == transport_kind::tcp ? std::string("tcp://127.0.0.1:*") : unique_ipc_endpoint();
}

/// Binds a zmtp socket and returns its resolved endpoint (last_endpoint()).
inline std::string zbind(zmtp::socket& s, const std::string& endpoint)
{
    std::error_code ec;
    s.bind(endpoint, ec);
    REQUIRE_MESSAGE(!ec, "zmtp bind(" << endpoint << "): " << ec.message());
    const std::string resolved = s.last_endpoint();
    REQUIRE_MESSAGE(!resolved.empty(), "zmtp last_endpoint() is empty after bind(" << endpoint << ")");
    if (endpoint.starts_with("tcp://"))
        REQUIRE_MESSAGE(!resolved.ends_with(":*"), "last_endpoint() not resolved: " << resolved);
    return resolved;
}

inline void zconnect(zmtp::socket& s, const std::string& endpoint)
{
    std::error_code ec;
    s.connect(endpoint, ec);
    REQUIRE_MESSAGE(!ec, "zmtp connect(" << endpoint << "): " << ec.message());
}

/// A deterministic byte pattern of `size` bytes (so a shifted or truncated body shows).
inline std::string pattern(std::size_t size, unsigned seed = 0)
{
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>((i * 131 + (i >> 8) * 7 + seed) & 0xff);
    return s;
}

/// Retries `attempt` (returning true on success) every 10 ms until it succeeds or the
/// timeout passes.
inline bool retry_for(std::chrono::milliseconds timeout, const std::function<bool()>& attempt)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (attempt())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
}

} // namespace interop

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& p) { return interop::show(p).c_str(); }
};
} // namespace doctest
