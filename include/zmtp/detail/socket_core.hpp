// The narrow interface between zmtp::socket's templates and its implementation.
#pragma once

#include "zmtp/detail/pending_op.hpp"
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/options.hpp"
#include "zmtp/socket_type.hpp"
#include "zmtp/wait_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/error.hpp>
#include <asio/experimental/append.hpp>
#include <asio/post.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

namespace zmtp::detail {

class socket_core; // src/runtime/socket_core.hpp

using send_op = pending_op<std::error_code>;
using receive_op = pending_op<std::error_code, message>;
using event_op = pending_op<std::error_code, monitor_event>;
using wait_op = pending_op<std::error_code>;

std::shared_ptr<socket_core> make_socket_core(asio::any_io_executor ex, socket_type type, socket_options options);
const asio::any_io_executor& core_executor(socket_core& core) noexcept;
/// Async operations cannot start once the core's execution context is gone (there is no
/// executor left to complete them on): this throws std::system_error (context_terminated).
void throw_if_orphaned(socket_core& core);
/// Every call below needs this lock held, except the cancel_* ones, which take it.
std::unique_lock<std::mutex> lock_core(socket_core& core);

/// Cancels a blocking send that waits. Takes the core lock.
void cancel_send(socket_core& core, send_op* op);

/// An async send that can be cancelled sends from its handler's executor (run(), core lock
/// held) and, when it cannot, waits in the core until woken to try again. Nothing is
/// queued before the handler is about to run, so a send cancelled at any point before has
/// sent nothing.
class async_send_op {
public:
    /// Core lock held: room may have appeared (woken) or the op was cancelled while
    /// waiting; either way it leaves the core's list and its run() is posted.
    virtual void wake() = 0;
    /// Core lock held: the op will complete with `reason` (operation_aborted...) without sending.
    virtual void cancel(std::error_code reason) noexcept = 0;

protected:
    ~async_send_op() = default;
};
/// Sends `msg` or, on errc::would_block, keeps `op` waiting (first in line if `woken`: it
/// waited before). Core lock held.
std::error_code send_or_wait(socket_core& core, message& msg, async_send_op* op, bool woken);
/// Cancels `op`: wakes it if it waits. Takes the core lock.
void cancel_async_send(socket_core& core, async_send_op* op);
/// A woken send gave up its turn (cancelled): the sends behind it try. Core lock held.
void pass_send_turn(socket_core& core);

/// Receives now if possible; errc::would_block if nothing is there.
std::error_code try_receive(socket_core& core, message& msg);
void wait_receive(socket_core& core, receive_op* op);
void cancel_receive(socket_core& core, receive_op* op);

/// Completes `op` once the socket is ready for any of `what` (at once if it is), or
/// fails (closed). Core lock held.
void wait_ready(socket_core& core, wait_type what, wait_op* op);
void cancel_wait(socket_core& core, wait_op* op);

/// Takes the next monitor event; errc::would_block if none is queued.
std::error_code try_next_event(socket_core& core, monitor_event& event);
void wait_event(socket_core& core, event_op* op);
void cancel_event(socket_core& core, event_op* op);

/// Completes `handler` with errc::socket_closed and `values` on its executor (or
/// `fallback`): an operation on a socket that has no core (moved from).
template <class Handler, class... Values>
void complete_closed(Handler handler, const asio::any_io_executor& fallback, Values... values)
{
    const auto ex = asio::get_associated_executor(handler, fallback);
    asio::post(ex, asio::experimental::append(std::move(handler), make_error_code(errc::socket_closed), std::move(values)...));
}

/// Cancels a pending op of type Op when its handler's cancellation slot is emitted: one
/// still waiting completes with operation_aborted; one whose handler was posted but has
/// not run gives its result back to the core.
template <class Op, void (*Cancel)(socket_core&, Op*)>
struct op_canceller {
    std::shared_ptr<socket_core> core;
    Op* op;
    void operator()(asio::cancellation_type) const { Cancel(*core, op); }
};

/// Starts an async op under the core's lock. `start(op)` either completes the op at once
/// (complete() posts the handler, never runs it inline) or queues it in the core; either
/// way it is cancellable through its handler's slot until its handler runs.
template <class Op, class Handler>
struct op_impl;
template <class... Args, class Handler>
struct op_impl<pending_op<Args...>, Handler> {
    using type = pending_op_impl<Handler, Args...>;
};

template <class Op, void (*Cancel)(socket_core&, Op*), class Handler, class Start>
void start_op(const std::shared_ptr<socket_core>& core, Handler&& handler, Start start)
{
    using impl = typename op_impl<Op, std::decay_t<Handler>>::type;
    std::unique_lock<std::mutex> lock = lock_core(*core);
    throw_if_orphaned(*core);
    impl* op = impl::create(std::forward<Handler>(handler), core_executor(*core));
    // Before start(): once completed, the op may run (and clear its slot) on another thread.
    try {
        if (auto slot = op->cancellation_slot(); slot.is_connected())
            slot.template emplace<op_canceller<Op, Cancel>>(op_canceller<Op, Cancel>{core, op});
        start(static_cast<Op*>(op)); // queues the op whole, or not at all
    } catch (...) {
        op->abandon();
        throw;
    }
}

/// The async_send op for one handler (see async_send_op).
template <class Handler>
class async_send_impl final : public async_send_op, public handler_owner<async_send_impl<Handler>, Handler> {
    using owner = handler_owner<async_send_impl, Handler>;

public:
    /// Starts sending `msg`. A send that can be cancelled makes its first attempt from the
    /// handler's executor; one that cannot (no cancellation slot: callbacks, `detached`,
    /// `use_future`) is sent at once, as the blocking send is, so that sends from one
    /// thread keep their order and a close() right after it lingers on it.
    static void start(std::shared_ptr<socket_core> core, Handler handler, message msg)
    {
        std::unique_lock<std::mutex> lock = lock_core(*core);
        throw_if_orphaned(*core);
        async_send_impl* op = owner::create(std::move(handler), core_executor(*core), core, std::move(msg));
        try {
            auto slot = op->cancellation_slot();
            if (!slot.is_connected()) {
                const std::error_code ec = send_or_wait(*core, op->msg_, op, false);
                if (ec == errc::would_block)
                    return; // waiting in the core; wake() posts the next attempt
                op->outcome_ = ec;
            } else {
                slot.template emplace<canceller>(canceller{std::move(core), op});
            }
            op->post();
        } catch (...) { // std::bad_alloc: nothing was queued
            op->abandon();
            throw;
        }
    }

    void wake() override
    {
        woken_ = true;
        this->post();
    }
    void cancel(std::error_code reason) noexcept override { cancelled_ = reason; }

private:
    friend owner;
    friend posted_run<async_send_impl>;
    struct canceller {
        std::shared_ptr<socket_core> core;
        async_send_impl* op;
        void operator()(asio::cancellation_type) const { cancel_async_send(*core, op); }
    };

    async_send_impl(Handler handler, const asio::any_io_executor& fallback, std::shared_ptr<socket_core> core, message msg)
        : owner(std::move(handler), fallback), core_(std::move(core)), msg_(std::move(msg))
    {
    }
    ~async_send_impl() = default;

    /// On the handler's executor: sends, or waits in the core, or reports why not.
    void run()
    {
        if (outcome_) // sent (or failed) by start(); nothing else can reach the op
            return this->finish(*outcome_);
        std::error_code ec;
        {
            std::unique_lock<std::mutex> lock = lock_core(*core_);
            ec = cancelled_ ? cancelled_ : send_or_wait(*core_, msg_, this, woken_);
            if (ec == errc::would_block)
                return; // waiting in the core; wake() posts the next attempt
            if (cancelled_ && woken_)
                pass_send_turn(*core_);
        }
        this->finish(ec);
    }

    std::shared_ptr<socket_core> core_;
    message msg_;
    bool woken_ = false;                     // core lock
    std::error_code cancelled_{};            // core lock
    std::optional<std::error_code> outcome_; // set by start() before the op is posted
};

} // namespace zmtp::detail
