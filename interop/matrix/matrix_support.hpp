// The interop matrix's view of a socket, whichever stack makes it: zmtp, libzmq's C API (in
// this process), pyzmq or Node.js `zeromq` (each in a child process driven over a pipe).
// The scenarios (matrix_test.cpp) are written once against `matrix::sock` and run with zmtp
// on either side, so every check holds for every pair of stacks alike.
//
// The child processes speak a line protocol on stdin/stdout, one reply per command (frames
// are "x" + hex, so an empty frame is "x"):
//   new TYPE                  -> ok ID         (linger 0, send timeout 5 s)
//   opt ID sndhwm|rcvhwm|xpub_verbose N -> ok
//   bind ID ENDPOINT          -> ok RESOLVED   (ZMQ_LAST_ENDPOINT)
//   connect ID ENDPOINT       -> ok
//   send ID FRAME...          -> ok
//   recv ID N TIMEOUT_MS      -> up to N lines "m FRAME...", then "end" (stops at a timeout)
//   sub|unsub ID FRAME        -> ok            (ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE)
//   close ID                  -> ok
// Any failure answers "err TEXT". At start the child prints "ready LIBZMQ_VERSION".
// The scripts: interop/pyzmq/matrix_peer.py and interop/node/matrix_peer.js.
#pragma once

#include "../interop_helpers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>

extern char** environ;

/// Fails the test case with `msg` unless `cond` holds. The plumbing uses it instead of
/// REQUIRE, which doctest would count as an assertion: a cell's assertion count is then the
/// number of checks of behaviour it made, the same whichever stack is the peer.
#define MATRIX_ENSURE(cond, msg)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAIL(msg);                                                                             \
    } while (false)

namespace matrix {

using namespace std::chrono_literals;
using interop::parts;
using std::chrono::milliseconds;

enum class kind { pub, sub, xpub, xsub, push, pull, pair };

inline const char* wire_name(kind k)
{
    switch (k) {
    case kind::pub: return "PUB";
    case kind::sub: return "SUB";
    case kind::xpub: return "XPUB";
    case kind::xsub: return "XSUB";
    case kind::push: return "PUSH";
    case kind::pull: return "PULL";
    case kind::pair: return "PAIR";
    }
    return "?";
}

/// What a scenario may ask of a new socket (applied before bind/connect).
struct sock_options {
    /// Both high-water marks (0: keep the default of 1000).
    int hwm = 0;
    bool xpub_verbose = false;
};

/// A socket of some stack. Every call either does what it says or fails the test
/// (MATRIX_ENSURE); only receives report "nothing came" (an empty result).
class sock {
public:
    sock(kind type, std::string label) : type_(type), label_(std::move(label)), serial_(interop::next_counter()) {}
    virtual ~sock() = default;
    sock(const sock&) = delete;
    sock& operator=(const sock&) = delete;

    /// Binds and returns the resolved endpoint.
    virtual std::string bind(const std::string& endpoint) = 0;
    virtual void connect(const std::string& endpoint) = 0;
    /// Sends every message, in order.
    virtual void send_all(const std::vector<parts>& messages) = 0;
    virtual void close() = 0;

    void send(const parts& message) { send_all({message}); }

    /// Up to `n` messages, each waited for at most `timeout`; stops at the first timeout.
    std::vector<parts> receive_up_to(std::size_t n, milliseconds timeout)
    {
        std::vector<parts> out;
        while (!stash_.empty() && out.size() < n) {
            out.push_back(std::move(stash_.front()));
            stash_.erase(stash_.begin());
        }
        if (out.size() < n) {
            std::vector<parts> more = do_receive(n - out.size(), timeout);
            std::move(more.begin(), more.end(), std::back_inserter(out));
        }
        return out;
    }
    std::optional<parts> receive(milliseconds timeout)
    {
        auto got = receive_up_to(1, timeout);
        if (got.empty())
            return std::nullopt;
        return std::move(got.front());
    }

    /// SUB: ZMQ_SUBSCRIBE each topic; XSUB: sends 0x01 + topic for each.
    void subscribe(const std::vector<std::string>& topics) { change_subscriptions(topics, true); }
    /// SUB: ZMQ_UNSUBSCRIBE; XSUB: sends 0x00 + topic.
    void unsubscribe(const std::string& topic) { change_subscriptions({topic}, false); }

    /// Lets the socket's stack do its background work now, as an application that is
    /// polling its socket would: libzmq attaches a connection accepted by a bound socket
    /// only when the application next calls that socket, so a bound SUB that is not being
    /// read sends no subscription. A receive that does not wait; what it takes is kept for
    /// the next receives.
    void poke()
    {
        if (type_ == kind::pub || type_ == kind::push)
            return;
        std::vector<parts> got = do_receive(1000, 0ms);
        std::move(got.begin(), got.end(), std::back_inserter(stash_));
    }

    kind type() const noexcept { return type_; }
    /// "zmtp SUB", "pyzmq XPUB"...
    const std::string& label() const noexcept { return label_; }
    /// Unique in the process (an address may be reused by the next socket).
    int serial() const noexcept { return serial_; }

protected:
    /// Up to `n` messages, each waited for at most `timeout`; stops at the first timeout.
    virtual std::vector<parts> do_receive(std::size_t n, milliseconds timeout) = 0;
    /// SUB's socket option, for each topic.
    virtual void set_subscriptions(const std::vector<std::string>& topics, bool on) = 0;

private:
    void change_subscriptions(const std::vector<std::string>& topics, bool on)
    {
        if (type_ == kind::sub)
            return set_subscriptions(topics, on);
        MATRIX_ENSURE(type_ == kind::xsub, label_ << " cannot subscribe");
        std::vector<parts> messages;
        for (const auto& t : topics)
            messages.push_back({std::string(1, on ? '\x01' : '\x00') + t});
        send_all(messages);
    }

    kind type_;
    std::string label_;
    int serial_;
    std::vector<parts> stash_; // taken by poke(), not received yet
};

/// Makes sockets of one stack.
class stack {
public:
    virtual ~stack() = default;
    virtual std::unique_ptr<sock> make(kind type, const sock_options& options = {}) = 0;
    /// "zmtp", "libzmq", "pyzmq", "node".
    virtual std::string name() const = 0;
};

// --- zmtp ----------------------------------------------------------------------------

class zmtp_sock final : public sock {
public:
    zmtp_sock(zmtp::context& ctx, kind type, const sock_options& o)
        : sock(type, std::string("zmtp ") + wire_name(type)), s_(ctx, to_zmtp(type), options(o))
    {
    }

    std::string bind(const std::string& endpoint) override
    {
        std::error_code ec;
        s_.bind(endpoint, ec);
        MATRIX_ENSURE(!ec, label() << ": bind(" << endpoint << "): " << ec.message());
        std::string resolved = s_.last_endpoint();
        MATRIX_ENSURE(!resolved.empty() && !resolved.ends_with(":*"), label() << ": last_endpoint() " << resolved);
        return resolved;
    }
    void connect(const std::string& endpoint) override
    {
        std::error_code ec;
        s_.connect(endpoint, ec);
        MATRIX_ENSURE(!ec, label() << ": connect(" << endpoint << "): " << ec.message());
    }
    void send_all(const std::vector<parts>& messages) override
    {
        for (const parts& m : messages) {
            std::error_code ec;
            s_.send(interop::to_message(m), zmtp::send_flags::none, ec);
            MATRIX_ENSURE(!ec, label() << ": send of " << interop::show(m) << " failed: " << ec.message());
        }
    }
    std::vector<parts> do_receive(std::size_t n, milliseconds timeout) override
    {
        std::vector<parts> out;
        while (out.size() < n) {
            std::optional<zmtp::message> m = s_.receive_for(timeout);
            if (!m)
                break;
            out.push_back(interop::to_parts(*m));
        }
        return out;
    }
    void close() override { s_.close(); }

protected:
    void set_subscriptions(const std::vector<std::string>& topics, bool on) override
    {
        for (const auto& t : topics) {
            std::error_code ec;
            on ? s_.subscribe(t, ec) : s_.unsubscribe(t, ec);
            MATRIX_ENSURE(!ec, label() << ": (un)subscribe failed: " << ec.message());
        }
    }

private:
    static zmtp::socket_type to_zmtp(kind k)
    {
        switch (k) {
        case kind::pub: return zmtp::socket_type::pub;
        case kind::sub: return zmtp::socket_type::sub;
        case kind::xpub: return zmtp::socket_type::xpub;
        case kind::xsub: return zmtp::socket_type::xsub;
        case kind::push: return zmtp::socket_type::push;
        case kind::pull: return zmtp::socket_type::pull;
        case kind::pair: return zmtp::socket_type::pair;
        }
        return zmtp::socket_type::pair;
    }
    static zmtp::socket_options options(const sock_options& o)
    {
        zmtp::socket_options z = interop::zmtp_options();
        if (o.hwm > 0) {
            z.send_hwm = static_cast<std::size_t>(o.hwm);
            z.receive_hwm = static_cast<std::size_t>(o.hwm);
        }
        z.xpub_verbose = o.xpub_verbose;
        return z;
    }

    zmtp::socket s_;
};

class zmtp_stack final : public stack {
public:
    std::unique_ptr<sock> make(kind type, const sock_options& o) override
    {
        return std::make_unique<zmtp_sock>(ctx_, type, o);
    }
    std::string name() const override { return "zmtp"; }

private:
    zmtp::context ctx_;
};

// --- libzmq's C API, in this process ---------------------------------------------------

inline int to_zmq(kind k)
{
    switch (k) {
    case kind::pub: return ZMQ_PUB;
    case kind::sub: return ZMQ_SUB;
    case kind::xpub: return ZMQ_XPUB;
    case kind::xsub: return ZMQ_XSUB;
    case kind::push: return ZMQ_PUSH;
    case kind::pull: return ZMQ_PULL;
    case kind::pair: return ZMQ_PAIR;
    }
    return ZMQ_PAIR;
}

class libzmq_sock final : public sock {
public:
    libzmq_sock(void* ctx, kind type, const sock_options& o)
        : sock(type, std::string("libzmq ") + wire_name(type)), s_(zmq_socket(ctx, to_zmq(type)))
    {
        MATRIX_ENSURE(s_ != nullptr, "zmq_socket: " << interop::zmq_error());
        set(ZMQ_LINGER, 0);
        set(ZMQ_SNDTIMEO, interop::io_timeout_ms);
        if (o.hwm > 0) {
            set(ZMQ_SNDHWM, o.hwm);
            set(ZMQ_RCVHWM, o.hwm);
        }
        if (o.xpub_verbose)
            set(ZMQ_XPUB_VERBOSE, 1);
    }
    ~libzmq_sock() override { close(); }

    std::string bind(const std::string& endpoint) override
    {
        MATRIX_ENSURE(zmq_bind(s_, endpoint.c_str()) == 0, label() << ": zmq_bind(" << endpoint << "): " << interop::zmq_error());
        char buf[512];
        std::size_t size = sizeof buf;
        MATRIX_ENSURE(zmq_getsockopt(s_, ZMQ_LAST_ENDPOINT, buf, &size) == 0, "ZMQ_LAST_ENDPOINT: " << interop::zmq_error());
        return std::string(buf);
    }
    void connect(const std::string& endpoint) override
    {
        MATRIX_ENSURE(zmq_connect(s_, endpoint.c_str()) == 0, label() << ": zmq_connect(" << endpoint << "): " << interop::zmq_error());
    }
    void send_all(const std::vector<parts>& messages) override
    {
        for (const parts& m : messages)
            for (std::size_t i = 0; i < m.size(); ++i) {
                const int flags = i + 1 < m.size() ? ZMQ_SNDMORE : 0;
                MATRIX_ENSURE(zmq_send(s_, m[i].data(), m[i].size(), flags) >= 0,
                              label() << ": send of " << interop::show(m) << ": " << interop::zmq_error());
            }
    }
    std::vector<parts> do_receive(std::size_t n, milliseconds timeout) override
    {
        std::vector<parts> out;
        while (out.size() < n) {
            zmq_pollitem_t item{s_, 0, ZMQ_POLLIN, 0};
            const int rc = zmq_poll(&item, 1, static_cast<long>(timeout.count()));
            MATRIX_ENSURE(rc >= 0, label() << ": zmq_poll: " << interop::zmq_error());
            if (rc == 0)
                break;
            parts p;
            for (bool more = true; more;) {
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                const int got = zmq_msg_recv(&msg, s_, ZMQ_DONTWAIT);
                if (got < 0)
                    zmq_msg_close(&msg);
                MATRIX_ENSURE(got >= 0, label() << ": receive after POLLIN: " << interop::zmq_error());
                p.emplace_back(static_cast<const char*>(zmq_msg_data(&msg)), zmq_msg_size(&msg));
                more = zmq_msg_more(&msg) != 0;
                zmq_msg_close(&msg);
            }
            out.push_back(std::move(p));
        }
        return out;
    }
    void close() override
    {
        if (s_)
            zmq_close(s_);
        s_ = nullptr;
    }

protected:
    void set_subscriptions(const std::vector<std::string>& topics, bool on) override
    {
        for (const auto& t : topics)
            MATRIX_ENSURE(zmq_setsockopt(s_, on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, t.data(), t.size()) == 0,
                          label() << ": (un)subscribe: " << interop::zmq_error());
    }

private:
    void set(int option, int value)
    {
        MATRIX_ENSURE(zmq_setsockopt(s_, option, &value, sizeof value) == 0,
                      label() << ": zmq_setsockopt(" << option << "): " << interop::zmq_error());
    }

    void* s_;
};

class libzmq_stack final : public stack {
public:
    libzmq_stack() : ctx_(zmq_ctx_new()) { MATRIX_ENSURE(ctx_ != nullptr, "zmq_ctx_new failed"); }
    ~libzmq_stack() override { zmq_ctx_term(ctx_); }
    std::unique_ptr<sock> make(kind type, const sock_options& o) override
    {
        return std::make_unique<libzmq_sock>(ctx_, type, o);
    }
    std::string name() const override { return "libzmq"; }

private:
    void* ctx_;
};

// --- a peer process (pyzmq, Node.js) -------------------------------------------------

inline std::string encode_frame(std::string_view frame)
{
    static const char digits[] = "0123456789abcdef";
    std::string out = "x";
    out.reserve(1 + 2 * frame.size());
    for (unsigned char c : frame) {
        out += digits[c >> 4];
        out += digits[c & 0xF];
    }
    return out;
}

inline std::string decode_frame(std::string_view token)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    if (token.empty() || token[0] != 'x' || token.size() % 2 != 1)
        throw std::runtime_error("bad frame token: " + std::string(token.substr(0, 40)));
    std::string out;
    out.reserve(token.size() / 2);
    for (std::size_t i = 1; i + 1 < token.size(); i += 2) {
        const int hi = nibble(token[i]);
        const int lo = nibble(token[i + 1]);
        if (hi < 0 || lo < 0)
            throw std::runtime_error("bad hex in frame token");
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

inline std::vector<std::string> split_words(const std::string& line)
{
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos <= line.size()) {
        const std::size_t space = line.find(' ', pos);
        const std::size_t end = space == std::string::npos ? line.size() : space;
        words.push_back(line.substr(pos, end - pos));
        if (space == std::string::npos)
            break;
        pos = space + 1;
    }
    return words;
}

/// A child process speaking the line protocol (see the top of this file). It is started by
/// the constructor and ended by the destructor (EOF on its stdin, then SIGKILL by its pid
/// if it has not exited within 2 s).
class driver {
public:
    /// How long one command may take, beyond its own timeouts, before the test fails.
    static constexpr milliseconds slack{15000};

    driver(const std::string& name, const std::vector<std::string>& argv) : name_(name)
    {
        ::signal(SIGPIPE, SIG_IGN); // a dead child must fail the test, not kill it
        int in[2];
        int out[2];
        MATRIX_ENSURE(::pipe2(in, O_CLOEXEC) == 0, "pipe2");
        MATRIX_ENSURE(::pipe2(out, O_CLOEXEC) == 0, "pipe2");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        to_ = in[1];
        from_ = out[0];
        MATRIX_ENSURE(rc == 0, name_ << ": cannot start " << argv[0] << ": " << std::strerror(rc));
        const std::string hello = read_line(std::chrono::steady_clock::now() + 30s);
        MATRIX_ENSURE(hello.starts_with("ready "), name_ << " did not start: " << interop::escape(hello));
        version_ = hello.substr(6);
    }
    ~driver()
    {
        if (to_ >= 0)
            ::close(to_);
        if (from_ >= 0)
            ::close(from_);
        if (pid_ <= 0)
            return;
        for (int i = 0; i < 200; ++i) { // 2 s
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_)
                return;
            std::this_thread::sleep_for(10ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;

    const std::string& name() const noexcept { return name_; }
    /// The peer's libzmq version, as it reported it.
    const std::string& version() const noexcept { return version_; }

    /// Sends one command and returns its reply's words after "ok".
    std::vector<std::string> call(const std::string& line, milliseconds budget = slack)
    {
        write_all(line + "\n");
        return expect_ok(line, read_line(std::chrono::steady_clock::now() + budget));
    }

    /// Sends many commands (each answered "ok"), a batch at a time, so that a long run of
    /// sends or subscriptions costs one round trip per batch.
    void call_all(const std::vector<std::string>& lines)
    {
        constexpr std::size_t batch = 256;
        for (std::size_t i = 0; i < lines.size(); i += batch) {
            const std::size_t end = std::min(lines.size(), i + batch);
            std::string text;
            for (std::size_t j = i; j < end; ++j)
                text += lines[j] + "\n";
            write_all(text);
            for (std::size_t j = i; j < end; ++j)
                expect_ok(lines[j], read_line(std::chrono::steady_clock::now() + slack));
        }
    }

    /// Sends a `recv` command and collects its "m" lines up to "end".
    std::vector<parts> receive(const std::string& id, std::size_t n, milliseconds timeout)
    {
        const std::string line = "recv " + id + " " + std::to_string(n) + " " + std::to_string(timeout.count());
        write_all(line + "\n");
        std::vector<parts> out;
        for (;;) {
            // Each message may take the whole timeout; the last wait ends with "end".
            const std::string reply = read_line(std::chrono::steady_clock::now() + timeout + slack);
            if (reply == "end")
                return out;
            if (!reply.starts_with("m ")) {
                FAIL(name_ << ": " << line << " -> " << interop::escape(reply));
            }
            std::vector<std::string> words = split_words(reply);
            parts p;
            for (std::size_t i = 1; i < words.size(); ++i)
                p.push_back(decode_frame(words[i]));
            out.push_back(std::move(p));
        }
    }

private:
    std::vector<std::string> expect_ok(const std::string& line, const std::string& reply)
    {
        std::vector<std::string> words = split_words(reply);
        if (words.empty() || words[0] != "ok") {
            FAIL(name_ << ": " << interop::escape(line.substr(0, 200)) << " -> " << interop::escape(reply));
        }
        words.erase(words.begin());
        return words;
    }

    void write_all(const std::string& text)
    {
        std::size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = ::write(to_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            MATRIX_ENSURE(n > 0, name_ << ": write to the peer process failed: " << std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
    }

    std::string read_line(std::chrono::steady_clock::time_point deadline)
    {
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            MATRIX_ENSURE(left.count() > 0, name_ << ": no answer from the peer process in time");
            pollfd p{from_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<milliseconds::rep>(left.count(), 1000)));
            if (r < 0 && errno == EINTR)
                continue;
            MATRIX_ENSURE(r >= 0, "poll: " << std::strerror(errno));
            if (r == 0)
                continue;
            char chunk[65536];
            const ssize_t n = ::read(from_, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            MATRIX_ENSURE(n > 0, name_ << ": the peer process exited (see its stderr above)");
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    std::string name_;
    std::string version_;
    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    std::string buffer_;
};

class remote_sock final : public sock {
public:
    remote_sock(driver& d, kind type, const sock_options& o)
        : sock(type, d.name() + " " + wire_name(type)), d_(d)
    {
        id_ = d_.call(std::string("new ") + wire_name(type)).at(0);
        if (o.hwm > 0) {
            d_.call("opt " + id_ + " sndhwm " + std::to_string(o.hwm));
            d_.call("opt " + id_ + " rcvhwm " + std::to_string(o.hwm));
        }
        if (o.xpub_verbose)
            d_.call("opt " + id_ + " xpub_verbose 1");
    }
    std::string bind(const std::string& endpoint) override
    {
        auto words = d_.call("bind " + id_ + " " + endpoint);
        MATRIX_ENSURE(words.size() == 1, label() << ": bind answered nothing");
        return words[0];
    }
    void connect(const std::string& endpoint) override { d_.call("connect " + id_ + " " + endpoint); }
    void send_all(const std::vector<parts>& messages) override
    {
        std::vector<std::string> lines;
        lines.reserve(messages.size());
        for (const parts& m : messages) {
            std::string line = "send " + id_;
            for (const auto& f : m)
                line += " " + encode_frame(f);
            lines.push_back(std::move(line));
        }
        d_.call_all(lines);
    }
    std::vector<parts> do_receive(std::size_t n, milliseconds timeout) override
    {
        return d_.receive(id_, n, timeout);
    }
    void close() override { d_.call("close " + id_); }

protected:
    void set_subscriptions(const std::vector<std::string>& topics, bool on) override
    {
        std::vector<std::string> lines;
        for (const auto& t : topics)
            lines.push_back(std::string(on ? "sub " : "unsub ") + id_ + " " + encode_frame(t));
        d_.call_all(lines);
    }

private:
    driver& d_;
    std::string id_;
};

class remote_stack final : public stack {
public:
    remote_stack(const std::string& name, const std::vector<std::string>& argv) : d_(name, argv)
    {
        MESSAGE(name << " peer process runs libzmq " << d_.version());
    }
    std::unique_ptr<sock> make(kind type, const sock_options& o) override
    {
        return std::make_unique<remote_sock>(d_, type, o);
    }
    std::string name() const override { return d_.name(); }

private:
    driver d_;
};

/// The peer stack called `name`: "libzmq", "pyzmq" or "node".
inline std::unique_ptr<stack> make_peer_stack(std::string_view name)
{
    if (name == "libzmq")
        return std::make_unique<libzmq_stack>();
    if (name == "pyzmq")
        return std::make_unique<remote_stack>("pyzmq", std::vector<std::string>{"/usr/bin/python3", ZMTP_MATRIX_PYZMQ_PEER});
    if (name == "node")
        return std::make_unique<remote_stack>("node", std::vector<std::string>{ZMTP_MATRIX_NODE, ZMTP_MATRIX_NODE_PEER});
    FAIL("no peer stack " << name);
    return nullptr;
}

} // namespace matrix
