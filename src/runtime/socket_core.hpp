// The implementation behind zmtp::socket: endpoints, connections, pipes and the socket
// type's routing, guarded by one mutex so the public socket may be used from any thread.
#pragma once

#include "pattern/fair_queue.hpp"
#include "pattern/socket_pattern.hpp"
#include "runtime/frame_handover.hpp"
#include "runtime/handler_memory.hpp"
#include "runtime/handover_ring.hpp"
#include "runtime/pipe.hpp"
#include "zmtp/detail/pending_op.hpp"
#include "zmtp/detail/ring_buffer.hpp"
#include "zmtp/detail/socket_core.hpp"
#include "zmtp/endpoint.hpp"
#include "zmtp/wire/connection.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace zmtp::detail {

class session;
class connector;
class listener;
class zap_client;

/// Theory of operation. Every entry point (public calls and Asio handlers) takes `mutex`.
/// Connections are `session`s: a listener creates one per accepted stream, a connector one
/// per successful connect. When a session's handshake succeeds it is attached to a `pipe`
/// (the connector's long-lived pipe, or a new one). The socket type's routing is its
/// `pattern`, told of each pipe's life (pattern::socket_pattern); the core keeps the pipes,
/// their high-water marks and the fair queue of pipes that hold received messages. The
/// pattern chooses where each send goes and which received messages the application
/// sees, and acts on the core through the peer_queues interface. Sends go into a pipe's `out` queue (bounded by
/// send_hwm) and the session drains it in batches, one gather-write at a time; received
/// messages go into the pipe's `in` queue (bounded by receive_hwm: a full pipe stops its
/// session reading). Operations that cannot proceed wait in FIFO lists and are retried
/// when something changes; completions are always posted, never run under the lock.
///
/// A socket's one sending (receiving) thread may bypass the lock (send_exclusive,
/// receive_exclusive, for the C API): sends go into `handed_over_`, a lock-free ring the
/// executor drains into the pattern, as long as the pattern's send_room() allows; receives
/// take messages `received_ahead_` under one lock per batch. Every other operation takes
/// the handed-over messages first, so it sees them as sent. On the executor, sessions make
/// their write system calls without the lock (session::flush).
class socket_core final : public std::enable_shared_from_this<socket_core>, private pattern::peer_queues<pipe> {
public:
    /// Throws std::system_error(errc::not_supported) for a type zmtp has no pattern for.
    socket_core(asio::any_io_executor ex, socket_type type, socket_options options);
    ~socket_core();

    std::mutex mutex;
    const asio::any_io_executor executor;
    const socket_type type;

    // --- public socket operations (lock held) ---
    std::error_code bind(std::string_view endpoint_text);
    std::error_code connect(std::string_view endpoint_text);
    /// connect(); `handshaken` completes once the handshake of the connection it made at
    /// once (an inproc endpoint already bound) is over, or at once when it made none.
    std::error_code connect_watched(std::string_view endpoint_text, pending_op<>& handshaken);
    /// `handshaken` of connect_watched() is no longer completed.
    void forget_watch(pending_op<>& handshaken) noexcept;
    std::error_code unbind(std::string_view endpoint_text);
    std::error_code disconnect(std::string_view endpoint_text);
    std::error_code subscribe(std::string_view topic) { return change_subscription(true, topic); }
    std::error_code unsubscribe(std::string_view topic) { return change_subscription(false, topic); }
    void close();
    bool closed() const noexcept { return closed_; }
    /// The context was shut down: closes as close() does (lingering), and every call, the
    /// waiting ones included, fails with errc::context_terminated from now on.
    void terminate();
    /// The execution context is being destroyed: lets go of every I/O object now (no
    /// lingering), so the core keeps nothing of the context; then as terminate().
    void orphan();
    bool orphaned() const noexcept { return orphaned_.load(std::memory_order_acquire); }
    /// The error of a call on a closed socket: socket_closed or context_terminated.
    std::error_code closed_error() const noexcept;
    std::string last_endpoint() const { return last_endpoint_; }
    const socket_options& options() const noexcept { return options_; }
    void set_options(socket_options options)
    {
        take_handed_over(); // sent before the change: the old options apply to them
        options_ = std::move(options);
        if (options_.curve_secret_key)
            curve_keys_.reset(); // the given pair replaces the one in use (a made one stays)
        pattern_->configure(options_);
        set_conflation();
        retry_waiting(); // a high-water mark may have risen
        grant_sends();   // or fallen
    }
    void enable_monitor(bool on);

    std::error_code try_send(message& msg);
    /// try_send() for the socket's one sending thread (socket::try_send_exclusive), called
    /// WITHOUT the lock: while the pattern's send_room() granted it credit, a message of up
    /// to message::inline_frames frames goes into a ring the executor drains, no lock
    /// taken; otherwise (after yielding to an executor that is taking, which grants more)
    /// it takes the lock, and grants new credit.
    std::error_code send_exclusive(message& msg);
    void wait_send(message&& msg, send_op* op);
    void cancel_send(send_op* op);
    std::error_code send_or_wait(message& msg, async_send_op* op, bool woken);
    void cancel_async_send(async_send_op* op);
    std::error_code try_receive(message& msg);
    /// try_receive() for the socket's one receiving thread (socket::try_receive_exclusive),
    /// called WITHOUT the lock: a message an earlier call took ahead, if there is one;
    /// else it takes the lock, and with it up to receive_ahead_batch messages more, where
    /// the pattern may_receive_ahead().
    std::error_code receive_exclusive(message& msg);
    void wait_receive(receive_op* op);
    void cancel_receive(receive_op* op);
    /// What a send and a receive could do now without waiting. (For REQ and REP it drops
    /// the messages they would drop, to find one they accept.)
    wait_type ready_for();
    /// What try_send() would say of a message now, without one, or of one that starts with
    /// `*first` (socket::can_send()).
    std::error_code can_send(const frame* first = nullptr);
    void wait_ready(wait_type what, wait_op* op);
    void cancel_wait(wait_op* op);
    std::error_code try_next_event(monitor_event& event);
    void wait_event(event_op* op);
    void cancel_event(event_op* op);

    // --- from sessions, connectors and listeners (lock held) ---
    /// The connection options for a new session of this socket.
    wire::connection_options connection_options() const;
    /// Decides on a peer's authentication: through the ZAP handler of this process if one
    /// is bound, else as libzmq does without one. `done` runs later (never inline), on the
    /// executor, without the lock. Returns an id for cancel_authentication() (0: none).
    std::uint64_t authenticate(const wire::authentication_request& request, std::string_view address,
                               std::function<void(wire::authentication_result)> done);
    void cancel_authentication(std::uint64_t id);
    /// This socket's CURVE key pair: its options', or one made at first use.
    const curve_key_pair& curve_keys() const;
    /// Adopts and starts a new session.
    void start_session(const std::shared_ptr<session>& s);
    /// A session's handshake succeeded; an error refuses the peer (the session then closes
    /// with it).
    std::error_code attach(session& s);
    /// A message arrived on `p` (its session checks receive_room() before reading more).
    /// False, with nothing changed, when there was no memory to queue it.
    bool received(pipe& p, message&& msg);
    /// `p`'s peer subscribed to `topic` (`on`) or cancelled it.
    void subscription(pipe& p, bool on, std::span<const std::byte> topic);
    /// A session started a write / a write ended (its handler runs, whatever the outcome).
    void write_started() noexcept { ++writes_in_flight_; }
    void write_finished();
    /// True while take_handed_over() runs: a session's write waits for the end of the
    /// take (defer_write), so that one write carries all the take gave it.
    bool taking_handed_over() const noexcept { return taking_handed_over_; }
    /// `s` starts its write when the take running now ends (still under the lock, so no
    /// other thread sees the messages queued without their write begun).
    void defer_write(std::shared_ptr<session> s) { deferred_writes_.push_back(std::move(s)); }
    /// True while the sending thread hands messages over and only a few wait (under 128
    /// frames): the executor then lets it run before writing, so that the write carries more.
    bool few_handed_over() const noexcept
    {
        const std::size_t waiting = handed_over_ ? handed_over_->frames_waiting() : 0;
        return waiting > 0 && waiting < frame_handover::capacity / 8;
    }
    /// `p`'s session took messages from its `out` queue: waiting sends may proceed.
    void pipe_drained(pipe& p);
    /// Waiting sends and readiness waits look again (a woken send gave up its turn).
    void retry_waiting();
    /// A session ended; `attached` tells whether its handshake had succeeded.
    void session_ended(session& s, std::error_code reason, bool attached);
    /// A connector's long-lived pipe (created at connect() unless `immediate`); with a
    /// `routing_id` (connect_routing_id), one the pattern knows by it, or null if it is in use.
    pipe* make_pipe(connector* origin, std::string routing_id = {});
    void monitor(monitor_event_type type, std::string endpoint, std::error_code ec = {}, std::string routing_id = {},
                 int fd = -1);
    bool receive_room(const pipe& p) const noexcept
    {
        return p.below_receive_hwm(options_.receive_hwm);
    }

private:
    // --- pattern::peer_queues ---
    bool has_room(const pipe& p) const noexcept override
    {
        return !p.terminating && (conflation_.outgoing || p.below_send_hwm(options_.send_hwm));
    }
    std::size_t room(const pipe& p) const noexcept override
    {
        return p.terminating ? 0 : conflation_.outgoing ? SIZE_MAX : p.send_room(options_.send_hwm);
    }
    void push(pipe& p, message&& msg) override;
    void deliver(pipe& p, message&& msg) override;
    void discard_output(pipe& p) noexcept override { p.discard_output(); }
    void disconnect(pipe& p, std::error_code reason) override;
    void close_after_flush(pipe& p) override;
    void discard_given_back() noexcept override { returned_.clear(); }

    std::error_code change_subscription(bool on, std::string_view topic);
    void set_conflation() noexcept
    {
        conflation_ = options_.conflate ? pattern_->may_conflate() : pattern::conflation{};
    }
    /// Queues `msg` on `p` for the application and serves waiting receives.
    void queue_received(pipe& p, message&& msg);
    /// Puts a received message first in line again, as if never received.
    void give_back(message&& msg);
    /// True when a receive would get a message (its state allowing it).
    bool has_receivable();
    /// try_send and try_receive, without waking the readiness waits.
    std::error_code send_message(message& msg);
    std::error_code take_message(message& msg);
    /// The next message the pattern accepts from the pipes, fairly; false if none.
    bool take_from_pipes(message& msg);
    void retry_sends();
    void serve_receivers();
    void serve_monitors();
    /// Completes the readiness waits that the socket's state now satisfies.
    void serve_waits();
    bool has_waits() const noexcept { return !read_waits_.empty() || !write_waits_.empty(); }
    void terminate(pipe& p);
    void destroy(pipe& p);
    void finish_close();
    /// Closes, completing waiting operations with `reason`.
    void close_with(std::error_code reason);

    socket_options options_;
    std::shared_ptr<zap_client> zap_; // made at the first request while a ZAP handler is bound
    mutable std::optional<curve_key_pair> curve_keys_; // reset when the options change
    bool closed_ = false;
    bool terminated_ = false;
    std::atomic<bool> orphaned_{false}; // read without the lock by async initiations

    /// Gives the pattern what send_exclusive() handed over, in order. Every operation of
    /// the sending thread that must see those messages as sent calls it first.
    void take_handed_over();
    /// Messages send_exclusive() handed over (made at its first grant); a pattern send
    /// for each is owed, made by take_handed_over() (on the executor, or by the next
    /// operation that needs it, whichever comes first).
    std::unique_ptr<frame_handover> handed_over_;
    /// send_exclusive() hands messages over while the ring's count of those pushed is below
    /// it: the count taken plus the pattern's send_room() when last looked at (under the
    /// lock, by grant_sends()). An operation that may shrink the room sets it to 0.
    std::atomic<std::size_t> send_limit_{0};
    /// Whether the last grant was large enough that send_exclusive(), having used it up,
    /// yields to a taking executor for the next (least_room_to_yield_for).
    std::atomic<bool> yield_for_grant_{false};
    void grant_sends();

    /// Messages receive_exclusive() took ahead, in order, for its next calls: popped by
    /// that thread without the lock (or by any receive under the lock), pushed only by it
    /// under the lock. Made at its first take.
    std::unique_ptr<handover_ring> received_ahead_;
    /// False once the socket is closed: receive_exclusive() pops no more.
    std::atomic<bool> receive_ahead_open_{false};
    /// The executor takes what is handed over without being asked: a wake-up is signalled,
    /// or a write in flight will take when it ends. When false, the sending thread signals
    /// `take_signal_` (an eventfd, not a post: a post would contend for the executor's lock).
    std::atomic<bool> taking_{false};
    std::optional<asio::posix::stream_descriptor> take_signal_; // made with handed_over_; reset by orphan()
    handler_memory<128> take_memory_; // for its wait: one in flight at a time
    /// Waits for the next signal to take (lock held); made after each signal.
    void await_take_signal();
    /// Woken by that signal, before taking the lock: yields the processor while only a few
    /// frames wait and the sending thread is adding more (no lock: handed_over_ is never
    /// reset once made, and its count is atomic).
    void let_handed_over_grow() const;
    /// True when handed_over_ exists and `msg` has 1 to message::inline_frames frames.
    bool may_hand_over(const message& msg) const noexcept
    {
        return handed_over_ && !msg.empty() && msg.size() <= message::inline_frames;
    }
    /// Puts `msg` into handed_over_ if it may, and its grant allows; signals the executor
    /// unless it is taking already.
    bool hand_over(message& msg);
    /// Makes handed_over_ and its signal, and grants the first room (lock held).
    void start_handing_over();
    std::size_t writes_in_flight_ = 0;
    bool taking_handed_over_ = false;
    std::vector<std::shared_ptr<session>> deferred_writes_; ///< by defer_write(), during a take
    /// On the executor: takes what is handed over, and goes on taking while writes are in
    /// flight (each end of a write takes again); else clears taking_.
    void keep_taking();
    std::string last_endpoint_;

    std::vector<std::shared_ptr<listener>> listeners_;
    std::vector<std::shared_ptr<connector>> connectors_;
    std::vector<std::shared_ptr<session>> sessions_;
    std::vector<std::unique_ptr<pipe>> pipes_;

    std::unique_ptr<pattern::socket_pattern<pipe>> pattern_;
    /// The queues that keep only their newest message: the conflate option's, for this type.
    pattern::conflation conflation_;
    pattern::fair_queue<pipe> incoming_;

    /// A blocking send (`op`, with its message) or an async one (`async`, which holds it).
    struct waiting_send {
        message msg;
        send_op* op = nullptr;
        async_send_op* async = nullptr;
    };
    std::vector<waiting_send> waiting_sends_;
    std::vector<receive_op*> waiting_receives_;
    /// Messages given back by receives cancelled after taking them: received first.
    ring_buffer<message> returned_;
    std::vector<event_op*> waiting_events_;
    std::vector<wait_op*> read_waits_;  // async_wait(read), zmtp::poll
    std::vector<wait_op*> write_waits_; // async_wait(write), zmtp::poll

    bool monitoring_ = false;
    ring_buffer<monitor_event> events_;
    std::optional<asio::steady_timer> linger_timer_; // reset by orphan()
};

} // namespace zmtp::detail
