// The narrow interface between zmtp::socket's templates and its implementation.
#pragma once

#include "zmtp/detail/pending_op.hpp"
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/options.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <memory>
#include <mutex>
#include <system_error>

namespace zmtp::detail {

class socket_core; // src/asio/socket_core.hpp

using send_op = pending_op<std::error_code>;
using receive_op = pending_op<std::error_code, message>;
using event_op = pending_op<std::error_code, monitor_event>;

std::shared_ptr<socket_core> make_socket_core(asio::any_io_executor ex, socket_type type, socket_options options);
const asio::any_io_executor& core_executor(socket_core& core) noexcept;
/// Every call below needs this lock held, except the cancel_* ones, which take it.
std::unique_lock<std::mutex> lock_core(socket_core& core);

/// Sends now if possible (then `msg` is consumed); errc::would_block if it must wait.
std::error_code try_send(socket_core& core, message& msg);
/// Queues a blocking send that must wait; `op` completes when the message is queued or fails.
void wait_send(socket_core& core, message&& msg, send_op* op);
void cancel_send(socket_core& core, send_op* op);

/// An async send. It sends from its handler's executor (run(), core lock held) and, when
/// it cannot, waits in the core until woken to try again. Nothing is queued before the
/// handler is about to run, so a send cancelled at any point before has sent nothing.
class async_send_op {
public:
    /// Core lock held: room may have appeared (woken) or the op was cancelled while
    /// waiting; either way it leaves the core's list and its run() is posted.
    virtual void wake() = 0;
    /// Core lock held: the op will complete with operation_aborted without sending.
    virtual void cancel() noexcept = 0;

protected:
    ~async_send_op() = default;
};
/// Sends `msg` or, on errc::would_block, keeps `op` waiting (first in line if `woken`: it
/// waited before). Core lock held.
std::error_code send_or_wait(socket_core& core, message& msg, async_send_op* op, bool woken);
/// Cancels `op`: wakes it if it waits. Takes the core lock.
void cancel_async_send(socket_core& core, async_send_op* op);

/// Receives now if possible; errc::would_block if nothing is there.
std::error_code try_receive(socket_core& core, message& msg);
void wait_receive(socket_core& core, receive_op* op);
void cancel_receive(socket_core& core, receive_op* op);

/// Takes the next monitor event; errc::would_block if none is queued.
std::error_code try_next_event(socket_core& core, monitor_event& event);
void wait_event(socket_core& core, event_op* op);
void cancel_event(socket_core& core, event_op* op);

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
    impl* op = impl::create(std::forward<Handler>(handler), core_executor(*core));
    // Before start(): once completed, the op may run (and clear its slot) on another thread.
    if (auto slot = op->cancellation_slot(); slot.is_connected())
        slot.template emplace<op_canceller<Op, Cancel>>(op_canceller<Op, Cancel>{core, op});
    std::unique_lock<std::mutex> lock = lock_core(*core);
    start(static_cast<Op*>(op));
}

/// The async_send op for one handler (see async_send_op).
template <class Handler>
class async_send_impl final : public async_send_op {
public:
    using allocator_type = typename std::allocator_traits<
        asio::associated_allocator_t<Handler, op_allocator<void>>>::template rebind_alloc<async_send_impl>;

    /// Starts sending `msg`: the first attempt is posted to the handler's executor.
    static void start(std::shared_ptr<socket_core> core, Handler handler, message msg)
    {
        allocator_type alloc(asio::get_associated_allocator(handler, op_allocator<void>()));
        async_send_impl* op = std::allocator_traits<allocator_type>::allocate(alloc, 1);
        ::new (static_cast<void*>(op)) async_send_impl(std::move(core), std::move(handler), std::move(msg));
        if (auto slot = op->cancellation_slot(); slot.is_connected())
            slot.template emplace<canceller>(canceller{op->core_, op});
        op->post();
    }

    void wake() override
    {
        woken_ = true;
        post();
    }
    void cancel() noexcept override { cancelled_ = true; }

private:
    friend posted_run<async_send_impl>;
    struct canceller {
        std::shared_ptr<socket_core> core;
        async_send_impl* op;
        void operator()(asio::cancellation_type) const { cancel_async_send(*core, op); }
    };
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;

    async_send_impl(std::shared_ptr<socket_core> core, Handler handler, message msg)
        : core_(std::move(core)),
          work_(asio::get_associated_executor(handler, core_executor(*core_))),
          handler_(std::move(handler)),
          msg_(std::move(msg))
    {
    }
    ~async_send_impl() = default;

    asio::associated_cancellation_slot_t<Handler> cancellation_slot() const noexcept
    {
        return asio::get_associated_cancellation_slot(handler_);
    }
    void post() { asio::post(work_.get_executor(), posted_run<async_send_impl>{this}); }
    allocator_type get_allocator() const noexcept
    {
        return allocator_type(asio::get_associated_allocator(handler_, op_allocator<void>()));
    }

    void run()
    {
        std::error_code ec;
        {
            std::unique_lock<std::mutex> lock = lock_core(*core_);
            if (cancelled_) {
                ec = asio::error::operation_aborted;
            } else {
                ec = send_or_wait(*core_, msg_, this, woken_);
                if (ec == errc::would_block)
                    return; // waiting in the core; wake() posts the next attempt
            }
        }
        if (auto slot = cancellation_slot(); slot.is_connected())
            slot.clear();
        allocator_type alloc = get_allocator();
        Handler handler = std::move(handler_);
        auto work = std::move(work_);
        this->~async_send_impl();
        std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
        std::move(handler)(ec);
    }

    std::shared_ptr<socket_core> core_;
    asio::executor_work_guard<executor_type> work_;
    Handler handler_;
    message msg_;
    bool woken_ = false;     // core lock
    bool cancelled_ = false; // core lock
};

} // namespace zmtp::detail
