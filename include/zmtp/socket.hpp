// zmtp::socket: a ZeroMQ socket (REQ, REP, DEALER, ROUTER) on an Asio executor.
#pragma once

#include "zmtp/detail/socket_core.hpp"
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/on_signal.hpp"
#include "zmtp/options.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution_context.hpp>

#include <chrono>
#include <functional>

#include <memory>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace zmtp {

class context;
struct poll_item; // zmtp/poll.hpp

/// Flags of the blocking send().
enum class send_flags { none = 0, dontwait = 1 };
/// Flags of the blocking receive().
enum class recv_flags { none = 0, dontwait = 1 };

/// A ZeroMQ socket speaking ZMTP 3.1 over tcp, ipc and inproc.
///
/// Its connections run on the executor it was made with. Every member function may be
/// called from any thread. Asynchronous operations take any Asio completion token
/// (callbacks, `use_future`, `use_awaitable`, `deferred`...), never complete inline, and
/// complete on the handler's associated executor.
///
/// Cancellation (per-operation, through the handler's cancellation slot, any type) holds
/// until the handler runs, even when the result is already on its way, which is what
/// `a || b` does to the operation that lost the race:
/// - a cancelled `async_receive` completes with `asio::error::operation_aborted` and has
///   taken no message: a message it had taken is first in line again;
/// - a cancelled `async_send` completes with `operation_aborted` and has queued nothing: a
///   message is either queued whole for its peer or not at all (an async send that can be
///   cancelled is queued from the handler's executor, just before its handler runs; one
///   without a cancellation slot is queued at once, as the blocking send is).
/// So `co_await (a.async_receive(use_awaitable) || b.async_receive(use_awaitable))` and
/// receive-or-timer loops lose nothing. As for Asio's own operations, emit cancellation
/// from the handler's executor (one thread or a strand).
/// Closing the socket completes pending operations with `operation_aborted` (an async send
/// not yet attempted when the socket closed with errc::socket_closed).
///
/// The blocking `send`/`receive` wait on the calling thread while the executor runs
/// elsewhere (for instance in a zmtp::context); called on the only thread that runs the
/// socket's io_context they fail with errc::blocking_in_executor instead of deadlocking.
///
/// A moved-from socket is closed: every call fails with errc::socket_closed (async
/// operations complete with it, on the handler's executor or the one the socket was made
/// with), close() does nothing, get_executor() and type() still answer. A socket whose execution context ended fails with errc::context_terminated
/// (see zmtp::context).
class socket {
public:
    using executor_type = asio::any_io_executor;

    /// Throws std::system_error: errc::invalid_argument for an invalid option (the message
    /// names it), errc::not_supported for a socket type zmtp has no pattern for yet.
    socket(const executor_type& ex, socket_type type, socket_options options = {});
    template <class ExecutionContext,
              std::enable_if_t<std::is_convertible_v<ExecutionContext&, asio::execution_context&>, int> = 0>
    socket(ExecutionContext& ctx, socket_type type, socket_options options = {})
        : socket(executor_type(ctx.get_executor()), type, std::move(options))
    {
    }
    socket(context& ctx, socket_type type, socket_options options = {});

    socket(socket&& other) noexcept;
    socket& operator=(socket&& other) noexcept;
    /// Closes the socket (see close()).
    ~socket();

    executor_type get_executor() const noexcept { return executor_; }
    socket_type type() const noexcept { return type_; }

    /// The current options.
    socket_options options() const;
    /// One option's current value, without copying the rest:
    /// `s.get(&zmtp::socket_options::receive_timeout)`.
    template <class T>
    T get(T socket_options::*option) const
    {
        T value{};
        read_options([&](const socket_options& o) { value = o.*option; });
        return value;
    }
    /// Calls `read(options)` under the socket's lock; it must not call the socket.
    void read_options(const std::function<void(const socket_options&)>& read) const;
    /// Replaces every option; they apply to connections made afterwards. An invalid value
    /// changes nothing and fails with errc::invalid_argument (the exception names it).
    void set_options(socket_options options);
    void set_options(socket_options options, std::error_code& ec);
    /// Changes some options and keeps the rest, in one step (other threads see all of the
    /// change or none of it): `s.update_options([](auto& o) { o.linger = 0ms; })`.
    /// Validated as set_options(). `change` runs under the socket's lock: it must not call
    /// the socket.
    void update_options(const std::function<void(socket_options&)>& change);
    /// Sets one option, keeping the rest: `s.set(&zmtp::socket_options::send_hwm, 10)`.
    template <class T, class U>
    void set(T socket_options::*option, U&& value)
    {
        update_options([&](socket_options& o) { o.*option = std::forward<U>(value); });
    }

    /// Listens on `endpoint` (tcp://host:port, tcp://*:*, ipc://path, inproc://name).
    void bind(std::string_view endpoint);
    void bind(std::string_view endpoint, std::error_code& ec);
    /// Connects to `endpoint` in the background, reconnecting as needed. Messages sent
    /// meanwhile wait in the peer's queue (unless the immediate option is set). To an
    /// inproc endpoint that is already bound, it returns once the handshake is over
    /// (waiting at most 1 s, and not at all on the socket's executor), as
    /// libzmq's inproc connect is complete when it returns: a subscription made next goes
    /// straight to the peer.
    void connect(std::string_view endpoint);
    void connect(std::string_view endpoint, std::error_code& ec);
    /// Stops listening on an endpoint given to bind() (or its resolved form).
    void unbind(std::string_view endpoint);
    void unbind(std::string_view endpoint, std::error_code& ec);
    /// Stops connecting to an endpoint given to connect(); its queued messages are dropped.
    void disconnect(std::string_view endpoint);
    void disconnect(std::string_view endpoint, std::error_code& ec);
    /// The endpoint last bound (with its ephemeral port resolved) or connected.
    std::string last_endpoint() const;

    /// SUB, XSUB: receive the messages whose first frame starts with `topic` (any bytes;
    /// "" matches all). Subscriptions are counted: a topic subscribed twice needs two
    /// unsubscribes; peers hear of the first subscribe and the last unsubscribe, and get
    /// every subscription again when they reconnect. XPUB with xpub_manual: applies the
    /// subscription for the peer whose subscription the application received last.
    /// Errors: errc::not_supported for other types (and XPUB without xpub_manual),
    /// errc::socket_closed.
    void subscribe(std::string_view topic);
    void subscribe(std::string_view topic, std::error_code& ec);
    /// Undoes one subscribe() of `topic`; one never made is ignored.
    void unsubscribe(std::string_view topic);
    void unsubscribe(std::string_view topic, std::error_code& ec);

    /// Closes the socket: listeners stop and pending operations are aborted. Messages
    /// already queued keep flushing in the background for up to `linger` (forever by
    /// default, as libzmq), as long as the executor runs.
    void close() noexcept;

    /// Sends `msg` (signature `void(std::error_code)`). Waits while the socket type has no
    /// peer that can take it (DEALER/REQ: all queues at send_hwm or no peer); REP and ROUTER
    /// never wait, except ROUTER with router_mandatory on a full peer.
    /// Errors: errc::invalid_state (REQ/REP order), errc::host_unreachable (ROUTER with
    /// router_mandatory), errc::empty_message, errc::socket_closed, operation_aborted.
    template <class CompletionToken>
    auto async_send(message msg, CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [core = core_, ex = executor_](auto handler, message m) {
                if (!core)
                    return detail::complete_closed(std::move(handler), ex);
                detail::async_send_impl<std::decay_t<decltype(handler)>>::start(core, std::move(handler), std::move(m));
            },
            token, std::move(msg));
    }

    /// Receives one whole message (signature `void(std::error_code, zmtp::message)`).
    /// A ROUTER's messages start with the sender's routing id; REQ and REP strip envelopes.
    /// Errors: errc::invalid_state (REQ/REP order), errc::socket_closed, operation_aborted.
    template <class CompletionToken>
    auto async_receive(CompletionToken&& token)
    {
        return async_take<detail::receive_op, message, &detail::try_receive, &detail::wait_receive, &detail::cancel_receive>(
            std::forward<CompletionToken>(token));
    }

    /// Sends `msg` if that needs no waiting: then `msg` is consumed and the result is
    /// empty. errc::would_block leaves `msg` untouched. Never waits; any thread.
    std::error_code try_send(message& msg);
    /// try_send() for a thread that is, until its next other call on this socket, the only
    /// one sending on it (as libzmq's sockets are used). While the socket has room for
    /// more messages than it has been given, a message of up to message::inline_frames
    /// frames is handed to the executor's thread without taking the socket's lock, so a
    /// thread that sends a stream of messages does not contend with the I/O. What it hands
    /// over counts as sent: the socket's other operations (from any thread) see it so, and
    /// it is queued in the order sent. PUSH, DEALER, PAIR and PUB (without xpub_nodrop)
    /// have such room; other types always take the lock, as try_send(). Should the peer
    /// the room was counted on be gone before the message is queued, it is dropped, as
    /// the messages already queued for that peer were.
    std::error_code try_send_exclusive(message& msg);
    /// Takes a waiting message; errc::would_block (and nullopt) when none is there.
    std::optional<message> try_receive(std::error_code& ec);
    /// try_receive() into `msg` (which it replaces; emptied on an error), for a thread
    /// that is, until its next other call on this socket, the only one receiving on it (as
    /// libzmq's sockets are used). Where the type allows it (PULL, DEALER, PAIR, ROUTER,
    /// SUB, XSUB; not with conflate) a call that takes the socket's lock also takes up to
    /// 256 more waiting messages, and the next calls hand those out without the lock. They
    /// count as received for the high-water mark, and as waiting for ready_for(), poll()
    /// and the other receives.
    std::error_code try_receive_exclusive(message& msg);

    /// Blocking send; with dontwait, fails with errc::would_block instead of waiting (the
    /// message is then dropped: use try_send() to keep it).
    /// Waits at most options().send_timeout, then fails with errc::would_block.
    void send(message msg, send_flags flags = send_flags::none);
    void send(message msg, send_flags flags, std::error_code& ec);
    /// Blocking send of a one-frame message holding `text`.
    void send(std::string_view text, send_flags flags = send_flags::none);
    void send(std::string_view text, send_flags flags, std::error_code& ec);
    /// Blocking receive; with dontwait (or after receive_timeout) errc::would_block.
    message receive(recv_flags flags = recv_flags::none);
    message receive(recv_flags flags, std::error_code& ec);
    /// Blocking receive that waits at most `timeout` (zero: only takes a waiting message)
    /// and reports the timeout as an empty optional, as cppzmq's recv() does. Other errors
    /// throw std::system_error.
    std::optional<message> receive_for(std::chrono::milliseconds timeout);

    /// Waits until the socket is ready for `what` (signature `void(std::error_code)`) and
    /// takes nothing, like Asio's basic_socket::async_wait: wait_type::read once a receive
    /// would not wait, write once a send would not, `read | write` for either. Another
    /// receiver may take the message first; the next receive then says would_block.
    /// Errors: errc::socket_closed, context_terminated, operation_aborted.
    template <class CompletionToken>
    auto async_wait(wait_type what, CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [core = core_, ex = executor_](auto handler, wait_type w) {
                if (!core)
                    return detail::complete_closed(std::move(handler), ex);
                detail::start_op<detail::wait_op, &detail::cancel_wait>(
                    core, std::move(handler), [&](detail::wait_op* op) { detail::wait_ready(*core, w, op); });
            },
            token, what);
    }
    /// What the socket is ready for now: read, write, both or none (libzmq's ZMQ_EVENTS).
    /// wait_type::none for a closed socket.
    wait_type ready_for() const;
    /// What try_send() would answer now, without a message: empty if one would go,
    /// errc::would_block, or its error (errc::invalid_state for REQ/REP order,
    /// errc::not_supported for a type that does not send, errc::socket_closed). Where a
    /// message's fate depends on its content (ROUTER's routing id, PUB's topic), empty.
    /// libzmq's C API refuses a multipart message at its first frame with this.
    std::error_code can_send() const;
    /// As above, for a message whose first frame is `first`: a ROUTER with
    /// router_mandatory, or a STREAM, answers errc::host_unreachable for an unknown peer.
    std::error_code can_send(const frame& first) const;

    /// Starts (or stops) recording monitor events; enable it before bind/connect.
    void enable_monitor(bool on = true);
    /// The next monitor event (signature `void(std::error_code, zmtp::monitor_event)`).
    template <class CompletionToken>
    auto async_next_event(CompletionToken&& token)
    {
        return async_take<detail::event_op, monitor_event, &detail::try_next_event, &detail::wait_event, &detail::cancel_event>(
            std::forward<CompletionToken>(token));
    }

private:
    /// An async op that takes a `Result` (a message, a monitor event) from the core: at
    /// once if one is there, else when one arrives.
    template <class Op, class Result, std::error_code (*Try)(detail::socket_core&, Result&),
              void (*Wait)(detail::socket_core&, Op*), void (*Cancel)(detail::socket_core&, Op*), class CompletionToken>
    auto async_take(CompletionToken&& token)
    {
        return asio::async_initiate<CompletionToken, void(std::error_code, Result)>(
            [core = core_, ex = executor_](auto handler) {
                if (!core)
                    return detail::complete_closed(std::move(handler), ex, Result{});
                detail::start_op<Op, Cancel>(core, std::move(handler), [&](Op* op) {
                    Result r;
                    const std::error_code ec = Try(*core, r);
                    if (ec != errc::would_block) {
                        op->complete(ec, std::move(r));
                        return false;
                    }
                    Wait(*core, op);
                    return true;
                });
            },
            token);
    }

    std::error_code locked(std::error_code (detail::socket_core::*call)(std::string_view), std::string_view text);
    /// connect(), waiting (from a thread other than the executor's) for the handshake of
    /// an inproc connection made at once.
    std::error_code connect_now(std::string_view endpoint);
    /// receive(), waiting at most `*timeout_override` if given, else receive_timeout.
    message receive_within(recv_flags flags, const std::chrono::milliseconds* timeout_override, std::error_code& ec);
    /// The core, or std::system_error(socket_closed) naming `what` for a moved-from socket.
    detail::socket_core& core(const char* what) const;

    friend std::size_t poll(std::span<poll_item> items, std::optional<std::chrono::milliseconds> timeout,
                            std::error_code& ec, on_signal signals);

    std::shared_ptr<detail::socket_core> core_; // null once moved from
    executor_type executor_;
    socket_type type_;
};

} // namespace zmtp
