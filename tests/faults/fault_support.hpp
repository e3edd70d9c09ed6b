// Helpers of the fault tests: a raw ZMTP peer on a plain POSIX socket (it completes a real
// NULL handshake, then sends exactly the bytes a test wants and can vanish mid-message),
// numbered messages, heap, file-descriptor and kernel-buffer accounting, and child
// processes (this executable run again with --fault-child, see main.cpp). The monitor-event
// recorder, options with timeouts, unique ipc endpoints, tcp ports and messages as strings
// come from tests/support/, shared with the other test suites.
//
// Every wait has a timeout, so a broken library makes a test fail, never hang.
#pragma once

#include "support/endpoints.hpp"
#include "support/heap_in_use.hpp"
#include "support/message_parts.hpp"
#include "support/monitor_recorder.hpp"
#include "support/test_options.hpp"
#include "zmtp/socket.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>


#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace faults {

using namespace std::chrono_literals;
using zmtp_test::parts;
using zmtp_test::port_of;
using zmtp_test::strings;
using zmtp_test::test_options;
using zmtp_test::unique_ipc;
constexpr std::size_t mib = 1024 * 1024;

// The zmtp names every fault test uses (the tests say `using namespace faults;`).
using zmtp::errc;
using zmtp::message;
using zmtp::monitor_event_type;
using zmtp::socket_type;

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns the last result.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(5ms);
    }
}

/// True if no message is waiting at `s` after `wait`: the check that nothing more came
/// (with no receive timeout to tune: the wait only has to outlast a message in flight).
inline bool nothing_more(zmtp::socket& s, std::chrono::milliseconds wait = 250ms)
{
    std::this_thread::sleep_for(wait);
    std::error_code ec;
    const std::optional<zmtp::message> m = s.try_receive(ec);
    return !m && ec == zmtp::errc::would_block;
}

/// Completion of an async operation, kept on the heap (the handler may run late).
struct completion {
    std::atomic<bool> done{false};
    std::error_code ec;
};

/// A single-frame message body "<seq>:" padded to `size` bytes (one frame, so that a raw
/// peer whose read times out between frames cannot lose half a message).
inline std::string numbered(int seq, std::size_t size)
{
    std::string body = std::to_string(seq) + ":";
    body.resize(std::max(size, body.size()), 'p');
    return body;
}

/// The number of a numbered() body.
inline int seq_of(std::string_view body)
{
    return std::stoi(std::string(body.substr(0, body.find(':'))));
}

// --- resources --------------------------------------------------------------------

using zmtp_test::heap_in_use;

/// Open file descriptors of this process.
inline int open_fds()
{
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d))
            n += e->d_name[0] != '.';
        ::closedir(d);
    }
    return n - 1; // the directory stream's own descriptor
}

/// The most bytes the kernels can hold between a sender and a peer that does not read
/// (raw_peer makes its receive buffer small): the sender's tcp send buffer can grow up to
/// tcp_wmem's maximum; the peer's receive buffer and loopback add less than 1 MiB.
inline std::size_t kernel_bytes()
{
    std::ifstream wmem("/proc/sys/net/ipv4/tcp_wmem");
    std::size_t min = 0, def = 0, max = 0;
    wmem >> min >> def >> max;
    return std::max<std::size_t>(max, 4 * mib) + mib;
}

// --- monitor events ---------------------------------------------------------------

/// Records every monitor event of a zmtp socket so a test can wait for them (count(),
/// wait_count(), describe()...). Declare it after the socket (it must be destroyed first).
using event_log = zmtp_test::monitor_recorder;

// --- a raw ZMTP peer ----------------------------------------------------------------

/// The 64-byte ZMTP 3.1 NULL greeting (RFC 23/37).
inline std::string greeting()
{
    std::string g(64, '\0');
    g[0] = '\xff';
    g[9] = '\x7f';
    g[10] = 3;
    g[11] = 1;
    std::memcpy(&g[12], "NULL", 4);
    return g;
}

/// One frame on the wire: flags (MORE, COMMAND; LONG chosen by size) and size, then `body`.
inline std::string encode_frame(std::string_view body, bool more, bool command = false)
{
    std::string out;
    std::uint8_t flags = (more ? 1 : 0) | (command ? 4 : 0);
    if (body.size() > 255) {
        out += static_cast<char>(flags | 2);
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((static_cast<std::uint64_t>(body.size()) >> shift) & 0xff);
    } else {
        out += static_cast<char>(flags);
        out += static_cast<char>(body.size());
    }
    out.append(body);
    return out;
}

/// A long-frame header announcing `size` body bytes (none of them sent).
inline std::string long_frame_header(std::uint64_t size, bool more)
{
    std::string out(1, static_cast<char>(2 | (more ? 1 : 0)));
    for (int shift = 56; shift >= 0; shift -= 8)
        out += static_cast<char>((size >> shift) & 0xff);
    return out;
}

/// A READY command with Socket-Type and (when given) Identity.
inline std::string ready_command(std::string_view socket_type, std::optional<std::string_view> identity)
{
    std::string body = "\x05READY";
    const auto property = [&](std::string_view name, std::string_view value) {
        body += static_cast<char>(name.size());
        body.append(name);
        const auto n = static_cast<std::uint32_t>(value.size());
        for (int shift = 24; shift >= 0; shift -= 8)
            body += static_cast<char>((n >> shift) & 0xff);
        body.append(value);
    };
    property("Socket-Type", socket_type);
    if (identity)
        property("Identity", *identity);
    return encode_frame(body, false, true);
}

/// Body size announced by the partial messages that end inside a large frame: a ROUTER
/// allocates the body when it reads the header, so this much memory hangs on the peer.
constexpr std::uint64_t announced_body = 32 * mib;

/// The unfinished messages a peer sends before it dies:
///   more       one whole frame with MORE set, and nothing of the next one;
///   header     the flags and 3 of the 8 size bytes of a long frame;
///   body       a long frame announcing 32 MiB, and 4 MiB of its body;
///   more-body  a whole first frame (MORE), then a 32 MiB frame with 1 MiB of its body.
inline std::string partial_message(std::string_view variant)
{
    if (variant == "more")
        return encode_frame("first part", true);
    if (variant == "header")
        return std::string("\x02\x00\x00\x00", 4);
    if (variant == "body")
        return long_frame_header(announced_body, false) + std::string(4 * mib, 'b');
    if (variant == "more-body")
        return encode_frame("first part", true) + long_frame_header(announced_body, false) + std::string(mib, 'c');
    throw std::invalid_argument("partial_message: unknown variant");
}

/// How much of the announced 32 MiB body `variant` sends (0: none).
inline std::size_t partial_body_bytes(std::string_view variant)
{
    return variant == "body" ? 4 * mib : variant == "more-body" ? mib : 0;
}

/// A plain TCP socket that speaks just enough ZMTP to be a DEALER (or REQ...) peer: it
/// completes a NULL handshake, then sends exactly what a test asks for, reads frames, and
/// can disappear abruptly (RST) or politely (FIN).
class raw_peer {
public:
    raw_peer() = default;
    raw_peer(raw_peer&& o) noexcept : fd_(std::exchange(o.fd_, -1)), buffer_(std::move(o.buffer_)) {}
    raw_peer& operator=(raw_peer&& o) noexcept
    {
        close();
        fd_ = std::exchange(o.fd_, -1);
        buffer_ = std::move(o.buffer_);
        return *this;
    }
    ~raw_peer() { close(); }

    /// Connects to 127.0.0.1:port. A non-zero `receive_buffer` sets SO_RCVBUF first (which
    /// also stops the kernel from growing it), so that a peer that does not read fills up
    /// after a few KiB instead of megabytes.
    void connect(int port, int receive_buffer = 0)
    {
        close();
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "socket");
        if (receive_buffer > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
            throw std::system_error(errno, std::generic_category(), "connect");
    }

    /// Sends our greeting and READY, then reads the peer's greeting and READY.
    void handshake(std::string_view socket_type, std::optional<std::string_view> identity)
    {
        send_bytes(greeting() + ready_command(socket_type, identity));
        const std::string g = read_exact(64, 5s);
        if (g.size() != 64 || static_cast<unsigned char>(g[0]) != 0xff || g[9] != 0x7f)
            throw std::runtime_error("raw_peer: bad greeting from the peer");
        const auto ready = read_frame(5s);
        if (!ready || !(ready->flags & 4) || ready->body.compare(0, 6, "\x05READY") != 0)
            throw std::runtime_error("raw_peer: no READY from the peer");
    }

    void send_bytes(std::string_view bytes)
    {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw std::system_error(errno, std::generic_category(), "send");
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    /// Sends a whole multipart message.
    void send_message(const strings& frames)
    {
        std::string out;
        for (std::size_t i = 0; i < frames.size(); ++i)
            out += encode_frame(frames[i], i + 1 < frames.size());
        send_bytes(out);
    }

    struct frame {
        std::uint8_t flags = 0;
        std::string body;
    };

    /// Reads one frame (command or message frame); nullopt on timeout or end of stream.
    std::optional<frame> read_frame(std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (buffer_.size() >= 2) {
                const auto flags = static_cast<std::uint8_t>(buffer_[0]);
                std::size_t header = 2;
                std::uint64_t size = static_cast<std::uint8_t>(buffer_[1]);
                if (flags & 2) {
                    header = 9;
                    if (buffer_.size() >= 9) {
                        size = 0;
                        for (int i = 1; i <= 8; ++i)
                            size = (size << 8) | static_cast<std::uint8_t>(buffer_[static_cast<std::size_t>(i)]);
                    }
                }
                if (buffer_.size() >= header && buffer_.size() >= header + size) {
                    frame f{flags, buffer_.substr(header, size)};
                    buffer_.erase(0, header + size);
                    return f;
                }
            }
            if (!fill(deadline))
                return std::nullopt;
        }
    }

    /// Reads one whole message, skipping commands (PING...); nullopt on timeout or end.
    std::optional<strings> read_message(std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        strings out;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            auto f = read_frame(std::max(left, 0ms));
            if (!f)
                return std::nullopt;
            if (f->flags & 4)
                continue;
            out.push_back(std::move(f->body));
            if (!(f->flags & 1))
                return out;
        }
    }

    /// Reads exactly `n` bytes (fewer on timeout or end of stream).
    std::string read_exact(std::size_t n, std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (buffer_.size() < n && fill(deadline)) {
        }
        std::string out = buffer_.substr(0, n);
        buffer_.erase(0, out.size());
        return out;
    }

    /// Closes with SO_LINGER 0: the kernel sends RST, as for a crashed host's reset.
    void reset()
    {
        if (fd_ < 0)
            return;
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    void close()
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    int fd() const noexcept { return fd_; }

private:
    /// Reads what is available into buffer_, waiting until `deadline`; false on timeout/EOF.
    bool fill(std::chrono::steady_clock::time_point deadline)
    {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return false;
            char chunk[64 * 1024];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
    }

    int fd_ = -1;
    std::string buffer_;
};

// --- child processes ------------------------------------------------------------------

/// This test executable run again as `--fault-child ROLE ARGS...` (see main.cpp), with its
/// stdout on a pipe and no other inherited descriptor. It dies with us (PR_SET_PDEATHSIG) and is SIGKILLed on destruction.
class child_process {
public:
    explicit child_process(const strings& args)
    {
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        std::vector<std::string> argv_strings{"/proc/self/exe", "--fault-child"};
        argv_strings.insert(argv_strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (std::string& s : argv_strings)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) { // only async-signal-safe calls until exec
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent)
                ::_exit(2);
            ::dup2(out[1], STDOUT_FILENO); // dup2 clears CLOEXEC on the copy
            // Our sockets (Asio does not make them close-on-exec) must not live on in the
            // child: an inherited listener would keep a "closed" port accepting.
            ::close_range(3, ~0U, 0);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = out[0];
    }
    ~child_process()
    {
        kill(SIGKILL);
        wait();
        if (out_ >= 0)
            ::close(out_);
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const noexcept { return pid_; }

    /// The next line the child printed (without the newline); nullopt on timeout or EOF.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || out_ < 0)
                return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return std::nullopt;
            char chunk[4096];
            const ssize_t n = ::read(out_, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                ::close(out_);
                out_ = -1;
                if (buffer_.empty())
                    return std::nullopt;
                buffer_ += '\n'; // a last line without newline
                continue;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void kill(int signal)
    {
        if (pid_ > 0 && !reaped_)
            ::kill(pid_, signal);
    }

    /// Waits for the child to end; its wait status.
    int wait()
    {
        if (pid_ <= 0 || reaped_)
            return status_;
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        return status_;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_;
    int status_ = 0;
    bool reaped_ = false;
};

} // namespace faults
