// zmtp's PUB, XPUB, SUB and XSUB against raw ZMTP 3.0 and 3.1 peers: a plain POSIX TCP
// socket in the test that writes and reads exact bytes (raw_conn below; the byte helpers
// and the frame parser are tests/hostile/'s). A 3.0 peer exchanges subscriptions as
// messages (00 04 01 'abc' / 00 04 00 'abc'), a 3.1 peer as commands (04 0d 09 'SUBSCRIBE'
// 'abc' / 04 0a 06 'CANCEL' 'abc'); see ZMTP-FACTS-2 section 5.
//
// The plumbing fails with MATRIX_ENSURE, which doctest does not count, so that a test
// case's assertion count is the number of its checks (interop/MATRIX.md).
#include "hostile/hostile_support.hpp"

#include "matrix_support.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

using hostile::bytes;
using hostile::cat;
using hostile::zeros;
using interop::parts;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// The 64-byte NULL greeting of a ZMTP 3.`minor` peer that is not the server.
bytes greeting(int minor)
{
    return cat(0xff, zeros(7), 0x01, 0x7f, 3, minor, "NULL", zeros(16), 0, zeros(31));
}

/// The NULL READY command with only the Socket-Type property (a 3-letter type).
bytes ready(std::string_view type)
{
    MATRIX_ENSURE(type.size() == 3, "a 3-letter type");
    return cat(0x04, 25, 5, "READY", 11, "Socket-Type", hostile::be32(3), std::string(type));
}

/// A short single-frame message.
bytes message_frame(std::string_view body, bool more = false)
{
    return cat(more ? 0x01 : 0x00, static_cast<int>(body.size()), std::string(body));
}

/// A subscription as ZMTP 3.0 sends it: a message 01 + topic (or 00 + topic).
bytes subscription_message(bool on, std::string_view topic)
{
    return message_frame(std::string(1, on ? '\x01' : '\x00') + std::string(topic));
}

/// A subscription as ZMTP 3.1 sends it: SUBSCRIBE or CANCEL + topic.
bytes subscription_command(bool on, std::string_view topic)
{
    const std::string name = on ? "SUBSCRIBE" : "CANCEL";
    return cat(0x04, static_cast<int>(1 + name.size() + topic.size()), static_cast<int>(name.size()), name,
               std::string(topic));
}

std::uint16_t port_of(const std::string& endpoint)
{
    return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

/// Checks zmtp's greeting (ZMTP 3.1, NULL) and that its first frame is a READY naming `type`.
void check_handshake(const bytes& stream, std::string_view type)
{
    MATRIX_ENSURE(stream.size() >= 64, "zmtp's greeting: " << hostile::hex(stream));
    CHECK_MESSAGE((stream[0] == 0xff && stream[9] == 0x7f && stream[10] == 3 && stream[11] == 1 &&
                   std::string(stream.begin() + 12, stream.begin() + 16) == "NULL" && stream[16] == 0),
                  "zmtp's greeting: " << hostile::hex(bytes(stream.begin(), stream.begin() + 64)));
    const auto frames = hostile::frames_after_greeting(stream);
    MATRIX_ENSURE(!frames.empty(), "zmtp sent no READY: " << hostile::hex(stream));
    CHECK(frames[0].command_name() == "READY");
    CHECK_MESSAGE(hostile::contains(frames[0].body, cat(11, "Socket-Type", hostile::be32(static_cast<std::uint32_t>(type.size())), std::string(type))),
                  "zmtp's READY: " << hostile::hex(frames[0].body));
}

/// The messages in zmtp's stream after its READY (frames joined by their MORE flag), and
/// whether every frame after READY was a short message frame (no command: a PUB sends
/// none, and nothing 3.1-only may go to a 3.0 peer).
std::pair<std::vector<parts>, bool> messages_in(const bytes& stream)
{
    std::vector<parts> out;
    bool only_messages = true;
    parts current;
    const auto frames = hostile::frames_after_greeting(stream);
    for (std::size_t i = 1; i < frames.size(); ++i) {
        const auto& f = frames[i];
        only_messages = only_messages && (f.flags == 0x00 || f.flags == 0x01);
        if (f.command())
            continue;
        current.emplace_back(f.body.begin(), f.body.end());
        if (!(f.flags & 0x01)) {
            out.push_back(std::move(current));
            current.clear();
        }
    }
    return {out, only_messages};
}

/// The frames zmtp sent after its READY, as bytes (flags, size, body: all short here).
std::vector<bytes> frames_sent(const bytes& stream)
{
    std::vector<bytes> out;
    const auto frames = hostile::frames_after_greeting(stream);
    for (std::size_t i = 1; i < frames.size(); ++i)
        out.push_back(cat(frames[i].flags, static_cast<int>(frames[i].body.size()), frames[i].body));
    return out;
}

std::string show_frames(const std::vector<bytes>& frames)
{
    std::string out;
    for (const auto& f : frames)
        out += "[" + hostile::hex(f) + "] ";
    return out;
}

/// A TCP connection, read and written with bounded waits.
class raw_conn {
public:
    /// An accepted connection.
    explicit raw_conn(int fd) : fd_(fd) {}
    /// Connects to 127.0.0.1:`port`.
    explicit raw_conn(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        MATRIX_ENSURE(fd_ >= 0, "socket: " << std::strerror(errno));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        MATRIX_ENSURE(::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0,
                      "connect: " << std::strerror(errno));
    }
    ~raw_conn() { ::close(fd_); }
    raw_conn(const raw_conn&) = delete;
    raw_conn& operator=(const raw_conn&) = delete;

    void send(const bytes& data)
    {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            MATRIX_ENSURE(n > 0, "raw peer: send failed: " << std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
    }

    /// Reads until `done()` holds or `limit` passes; true if it holds.
    template <class Done>
    bool read_until(Done done, std::chrono::milliseconds limit)
    {
        const auto deadline = clock_type::now() + limit;
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0)
                return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
                continue;
            std::uint8_t buffer[65536];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n < 0 && errno == EINTR)
                continue;
            MATRIX_ENSURE(n > 0, "raw peer: zmtp closed the connection; received: " << hostile::hex(received_));
            received_.insert(received_.end(), buffer, buffer + n);
        }
        return true;
    }

    /// Reads until `needle` has arrived (or `limit` passes); true if it has.
    bool read_until_contains(const bytes& needle, std::chrono::milliseconds limit)
    {
        return read_until([&] { return hostile::contains(received_, needle); }, limit);
    }

    const bytes& received() const { return received_; }

private:
    int fd_;
    bytes received_;
};

/// A listening TCP socket on 127.0.0.1 (ephemeral port).
class raw_listener {
public:
    raw_listener()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        MATRIX_ENSURE(fd_ >= 0, "socket: " << std::strerror(errno));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        MATRIX_ENSURE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0, "bind: " << std::strerror(errno));
        MATRIX_ENSURE(::listen(fd_, 4) == 0, "listen: " << std::strerror(errno));
        socklen_t len = sizeof addr;
        MATRIX_ENSURE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0, "getsockname: " << std::strerror(errno));
        port_ = ntohs(addr.sin_port);
    }
    ~raw_listener() { ::close(fd_); }
    raw_listener(const raw_listener&) = delete;
    raw_listener& operator=(const raw_listener&) = delete;

    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

    std::unique_ptr<raw_conn> accept()
    {
        pollfd p{fd_, POLLIN, 0};
        MATRIX_ENSURE(::poll(&p, 1, interop::io_timeout_ms) == 1, "zmtp did not connect");
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        MATRIX_ENSURE(fd >= 0, "accept: " << std::strerror(errno));
        return std::make_unique<raw_conn>(fd);
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

/// Whether zmtp's stream holds the frame `frame` after byte `from`.
bool has_frame(const bytes& stream, const bytes& frame, std::size_t from = 64)
{
    if (stream.size() < from)
        return false;
    return std::search(stream.begin() + static_cast<std::ptrdiff_t>(from), stream.end(), frame.begin(), frame.end()) !=
           stream.end();
}

/// Sends on a zmtp socket or fails the test case.
void zsend_or_fail(zmtp::socket& s, const parts& p)
{
    MATRIX_ENSURE(interop::zsend(s, p), "zmtp send of " << interop::show(p) << " failed");
}

bool is_warm(const parts& m) { return m.size() == 1 && m[0].ends_with("-warm"); }

std::vector<parts> without_warm_ups(std::vector<parts> messages)
{
    std::erase_if(messages, is_warm);
    return messages;
}

// --- a raw SUB connecting to zmtp's PUB or XPUB -----------------------------------------

/// Publishes `token` on `pub` until the raw peer has it (the slow joiner).
void warm_up(zmtp::socket& pub, raw_conn& peer, const std::string& token)
{
    const auto deadline = clock_type::now() + interop::io_timeout;
    while (!peer.read_until_contains(message_frame(token), 20ms)) {
        MATRIX_ENSURE(clock_type::now() < deadline, "the raw SUB never received " << token);
        zsend_or_fail(pub, {token});
    }
}

} // namespace

TEST_SUITE("raw peers")
{
    TEST_CASE("raw ZMTP 3.0 SUB to zmtp PUB: message-form subscriptions")
    {
        zmtp::context ctx;
        zmtp::socket pub(ctx, zmtp::socket_type::pub, interop::zmtp_options());
        const std::string ep = interop::zbind(pub, "tcp://127.0.0.1:*");
        raw_conn peer(port_of(ep));
        peer.send(cat(greeting(0), ready("SUB"), subscription_message(true, "abc")));
        MATRIX_ENSURE(peer.read_until_contains(cat(5, "READY"), interop::io_timeout), "no READY from zmtp");
        check_handshake(peer.received(), "PUB");

        warm_up(pub, peer, "abc-warm");
        zsend_or_fail(pub, {"xyz-1"});
        zsend_or_fail(pub, {"abc-1"});
        zsend_or_fail(pub, {"abc-2", "more"});
        zsend_or_fail(pub, {"ab"});
        zsend_or_fail(pub, {"abcd"});
        MATRIX_ENSURE(peer.read_until_contains(message_frame("abcd"), interop::io_timeout), "the raw SUB never received abcd");
        auto [got, only_messages] = messages_in(peer.received());
        CHECK(without_warm_ups(got) == std::vector<parts>{{"abc-1"}, {"abc-2", "more"}, {"abcd"}});
        CHECK(has_frame(peer.received(), cat(message_frame("abc-2", true), message_frame("more"))));

        // Cancel "abc" and subscribe "def", both as messages, in order.
        peer.send(cat(subscription_message(false, "abc"), subscription_message(true, "def")));
        warm_up(pub, peer, "def-warm");
        zsend_or_fail(pub, {"abc-3"});
        zsend_or_fail(pub, {"def-1"});
        MATRIX_ENSURE(peer.read_until_contains(message_frame("def-1"), interop::io_timeout), "the raw SUB never received def-1");
        std::tie(got, only_messages) = messages_in(peer.received());
        CHECK(without_warm_ups(got) == std::vector<parts>{{"abc-1"}, {"abc-2", "more"}, {"abcd"}, {"def-1"}});
        CHECK_MESSAGE(only_messages, "zmtp sent a command to a ZMTP 3.0 SUB: " << show_frames(frames_sent(peer.received())));
    }

    TEST_CASE("raw ZMTP 3.0 SUB to zmtp XPUB: the XPUB sees 01 and 00 + topic")
    {
        zmtp::context ctx;
        zmtp::socket xpub(ctx, zmtp::socket_type::xpub, interop::zmtp_options());
        const std::string ep = interop::zbind(xpub, "tcp://127.0.0.1:*");
        raw_conn peer(port_of(ep));
        peer.send(cat(greeting(0), ready("SUB"), subscription_message(true, "abc")));
        CHECK(interop::zrecv(xpub) == parts{"\x01" "abc"});
        zsend_or_fail(xpub, {"abc-1"});
        CHECK(peer.read_until_contains(message_frame("abc-1"), interop::io_timeout));
        peer.send(subscription_message(false, "abc"));
        CHECK(interop::zrecv(xpub) == parts{std::string("\x00" "abc", 4)});
        check_handshake(peer.received(), "XPUB");
    }

    TEST_CASE("raw ZMTP 3.1 SUB to zmtp XPUB: SUBSCRIBE and CANCEL commands and the message form")
    {
        zmtp::context ctx;
        zmtp::socket xpub(ctx, zmtp::socket_type::xpub, interop::zmtp_options());
        const std::string ep = interop::zbind(xpub, "tcp://127.0.0.1:*");
        raw_conn peer(port_of(ep));
        peer.send(cat(greeting(1), ready("SUB"), subscription_command(true, "abc")));
        CHECK(interop::zrecv(xpub) == parts{"\x01" "abc"});
        zsend_or_fail(xpub, {"abc-1"});
        CHECK(peer.read_until_contains(message_frame("abc-1"), interop::io_timeout));
        peer.send(subscription_command(false, "abc"));
        CHECK(interop::zrecv(xpub) == parts{std::string("\x00" "abc", 4)});
        // A 3.1 peer may still use the message form (libzmq's XSUB does).
        peer.send(subscription_message(true, "def"));
        CHECK(interop::zrecv(xpub) == parts{"\x01" "def"});
        check_handshake(peer.received(), "XPUB");
    }
}

// --- zmtp's SUB or XSUB connecting to a raw PUB -------------------------------------------

namespace {

/// Accepts zmtp's connection, answers as a ZMTP 3.`minor` PUB, and waits for zmtp's READY.
std::unique_ptr<raw_conn> accept_as_pub(raw_listener& listener, int minor)
{
    auto conn = listener.accept();
    conn->send(cat(greeting(minor), ready("PUB")));
    MATRIX_ENSURE(conn->read_until_contains(cat(5, "READY"), interop::io_timeout), "no READY from zmtp");
    return conn;
}

/// Waits until zmtp has sent `n` frames after its READY and returns them all.
std::vector<bytes> wait_frames(raw_conn& conn, std::size_t n)
{
    conn.read_until([&] { return frames_sent(conn.received()).size() >= n; }, interop::io_timeout);
    return frames_sent(conn.received());
}

/// zmtp's SUB (subscribing as `form` says for a ZMTP 3.`minor` PUB): a subscription made
/// before the connection goes out once it is up; later ones in turn; subscribes and
/// unsubscribes are counted, only the first and the last travel.
void run_sub_to_raw_pub(int minor)
{
    const auto sub_bytes = [minor](bool on, std::string_view topic) {
        return minor == 0 ? subscription_message(on, topic) : subscription_command(on, topic);
    };
    raw_listener listener;
    zmtp::context ctx;
    zmtp::socket sub(ctx, zmtp::socket_type::sub, interop::zmtp_options());
    sub.subscribe("abc");
    interop::zconnect(sub, listener.endpoint());
    auto conn = accept_as_pub(listener, minor);
    check_handshake(conn->received(), "SUB");

    std::vector<bytes> frames = wait_frames(*conn, 1);
    CHECK_MESSAGE(frames == std::vector<bytes>{sub_bytes(true, "abc")}, "zmtp sent " << show_frames(frames));

    sub.subscribe("def");
    sub.subscribe("def"); // counted: nothing travels
    sub.unsubscribe("def"); // one left: nothing travels
    sub.unsubscribe("abc");
    frames = wait_frames(*conn, 3);
    CHECK_MESSAGE(frames == (std::vector<bytes>{sub_bytes(true, "abc"), sub_bytes(true, "def"), sub_bytes(false, "abc")}),
                  "zmtp sent " << show_frames(frames));

    // Messages: zmtp's SUB filters too, so "abc-1" (cancelled) and "xyz-1" stay out.
    conn->send(cat(message_frame("xyz-1"), message_frame("abc-1"), message_frame("def-1", true), message_frame("more"),
                   message_frame("def-2")));
    CHECK(interop::zrecv(sub) == parts{"def-1", "more"});
    CHECK(interop::zrecv(sub) == parts{"def-2"});
    CHECK(!sub.receive_for(50ms).has_value());
}

/// zmtp's XSUB sends the application's 01/00 messages as they are: in message form, even
/// to a ZMTP 3.1 PUB (as libzmq's XSUB does).
void run_xsub_to_raw_pub(int minor)
{
    raw_listener listener;
    zmtp::context ctx;
    zmtp::socket xsub(ctx, zmtp::socket_type::xsub, interop::zmtp_options());
    interop::zconnect(xsub, listener.endpoint());
    auto conn = accept_as_pub(listener, minor);
    check_handshake(conn->received(), "XSUB");
    zsend_or_fail(xsub, {"\x01" "abc"});
    zsend_or_fail(xsub, {std::string("\x00" "abc", 4)});
    zsend_or_fail(xsub, {"\x01" "def"});
    const std::vector<bytes> frames = wait_frames(*conn, 3);
    CHECK_MESSAGE(frames == (std::vector<bytes>{subscription_message(true, "abc"), subscription_message(false, "abc"),
                                                subscription_message(true, "def")}),
                  "zmtp sent " << show_frames(frames));
    conn->send(message_frame("def-1"));
    CHECK(interop::zrecv(xsub) == parts{"def-1"});
}

} // namespace

TEST_SUITE("raw peers")
{
    TEST_CASE("raw ZMTP 3.0 PUB from zmtp SUB: subscriptions as messages 00 04 01 abc")
    {
        run_sub_to_raw_pub(0);
    }
    TEST_CASE("raw ZMTP 3.1 PUB from zmtp SUB: subscriptions as commands 04 0d 09 SUBSCRIBE abc")
    {
        run_sub_to_raw_pub(1);
    }
    TEST_CASE("raw ZMTP 3.0 PUB from zmtp XSUB: 01/00 messages as they are") { run_xsub_to_raw_pub(0); }
    TEST_CASE("raw ZMTP 3.1 PUB from zmtp XSUB: 01/00 messages as they are") { run_xsub_to_raw_pub(1); }
}
