// One transport connection of a socket: a stream driven by a sans-I/O wire::connection.
#pragma once

#include "runtime/handler_memory.hpp"
#include "zmtp/peer_properties.hpp"
#include "zmtp/wire/connection.hpp"

#include <asio/buffer.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <sys/uio.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zmtp::detail {

class socket_core;
class connector;
class pipe;

using stream_socket = asio::generic::stream_protocol::socket;

/// Reads into a buffer, feeds the wire::connection, hands whole messages to the core; drains
/// its pipe's `out` queue into the connection and writes everything queued with one
/// gather-write, one write in flight at a time; arms one timer at the connection's next
/// deadline. Every handler takes the core's lock, except that flush() makes its sendmsg
/// calls without it. It ends on an I/O error, a protocol error or on request, and tells the
/// core once.
class session : public std::enable_shared_from_this<session> {
public:
    session(std::shared_ptr<socket_core> core, stream_socket stream, std::string endpoint,
            std::shared_ptr<connector> origin);

    /// Starts the handshake. Lock held.
    void start();
    /// The pipe has messages to send. Lock held.
    void notify_output();
    /// Starts the write that a take of handed-over messages deferred (socket_core::
    /// defer_write); the executor makes its system call. Lock held.
    void write_deferred();
    /// Encodes `msg` into the connection at once if the handshake is done; false otherwise
    /// (then it must wait in the pipe). Lock held.
    bool send_now(const message& msg);
    /// The pipe's `in` queue has room again; resumes reading (deferred; once however often
    /// it is called before that). Lock held.
    void resume_input();
    /// True while reading waits for room in the pipe's `in` queue. Lock held.
    bool input_paused() const noexcept { return input_paused_; }
    /// Closes now. Lock held.
    void stop(std::error_code reason);
    /// Closes once everything queued is written (linger). Lock held.
    void stop_after_flush();

    const std::string& endpoint() const noexcept { return endpoint_; }
    const std::shared_ptr<connector>& origin() const noexcept { return origin_; }
    const wire::connection& connection() const noexcept { return conn_; }
    pipe* attached_pipe() const noexcept { return pipe_; }
    void attach(pipe& p) noexcept { pipe_ = &p; }
    bool flushed() const noexcept;
    /// The connection's descriptor as it was when the session began; -1 for inproc.
    int descriptor() const noexcept { return descriptor_; }

private:
    void read();
    void process_input();
    /// Acts on one connection event; false when the session stopped or awaits an
    /// authentication decision (no more input is handled either way).
    bool handle(wire::connection::event e);
    /// Starts writing what is queued, if no write is in flight: flush() makes the call.
    void write();
    /// Encodes the next batch into output_ and sets writing_; false if none is to go.
    bool prepare_write();
    struct write_result {
        std::size_t written;
        int error; ///< errno of a failed sendmsg, else 0
    };
    /// Has flush() write the batch prepared, from the executor; or, with `done`, finish the
    /// write another thread made.
    void post_flush(std::optional<write_result> done = std::nullopt);
    /// Writes output_ without the lock (unless `done` tells how that went), on the
    /// executor; then the next batch, if any.
    void flush(std::optional<write_result> done);
    /// One sendmsg of output_.
    write_result send_batch() noexcept;
    /// After send_batch() (lock held): false if the batch waits for the peer to take some
    /// (await_writable), else the write is over (it may have stopped the session).
    bool write_done(write_result r);
    /// The peer's window is full: flush() again once the descriptor is writable.
    void await_writable();
    void close_stream();
    void arm_timer();
    void on_protocol_close();
    /// The handshake wants a decision: asks the core (ZAP), pausing input until it comes.
    void ask_authentication();
    void on_authenticated(const wire::authentication_result& result);
    /// The peer's address as libzmq gives it (ZAP's address frame, the Peer-Address
    /// property): its IP as text, "localhost:UID:GID:PID" for ipc, empty for inproc.
    std::string peer_address();
    /// True for a connection within the process (its stream a socketpair).
    bool is_inproc() const noexcept { return endpoint_.starts_with("inproc://"); }

    std::shared_ptr<socket_core> core_;
    stream_socket stream_;
    std::string endpoint_;
    std::shared_ptr<connector> origin_;
    wire::connection conn_;
    peer_properties_source properties_; ///< who the peer is, for its messages (once attached)
    pipe* pipe_ = nullptr;

    std::vector<std::byte> input_;
    std::size_t input_begin_ = 0;
    std::size_t input_end_ = 0;
    std::vector<iovec> output_; ///< the batch being written: pieces of conn_'s output

    asio::steady_timer timer_;
    std::optional<wire::connection::time_point> timer_deadline_;
    int descriptor_;

    /// One block each for the read, write and timer operations (one of each in flight);
    /// a write holds up to 64 buffers, hence its size.
    handler_memory<256> read_memory_;
    handler_memory<2048> write_memory_;
    handler_memory<256> timer_memory_;

    bool reading_ = false;
    bool writing_ = false;
    bool input_paused_ = false;
    bool resume_posted_ = false; // resume_input() posted and not run yet
    bool write_deferred_ = false; // in the core's deferred writes, till its take ends
    bool flush_posted_ = false;  // flush() is posted or running: its system call may use the descriptor
    bool authenticating_ = false;       ///< a decision is awaited: no input is read or handled
    std::uint64_t authentication_id_ = 0; ///< the ZAP request to cancel if we stop first
    bool stopped_ = false;
    bool stop_after_flush_ = false;
    bool attached_ = false;
};

} // namespace zmtp::detail
