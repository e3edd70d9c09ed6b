// The narrow interface between zmtp::socket's templates and its implementation.
#pragma once

#include "zmtp/detail/pending_op.hpp"
#include "zmtp/message.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/options.hpp"
#include "zmtp/socket_type.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>

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
/// Queues a send that must wait; `op` completes when the message is queued or fails.
void wait_send(socket_core& core, message&& msg, send_op* op);
void cancel_send(socket_core& core, send_op* op);

/// Receives now if possible; errc::would_block if nothing is there.
std::error_code try_receive(socket_core& core, message& msg);
void wait_receive(socket_core& core, receive_op* op);
void cancel_receive(socket_core& core, receive_op* op);

/// Takes the next monitor event; errc::would_block if none is queued.
std::error_code try_next_event(socket_core& core, monitor_event& event);
void wait_event(socket_core& core, event_op* op);
void cancel_event(socket_core& core, event_op* op);

/// Cancels a pending op of type Op when its handler's cancellation slot is emitted.
template <class Op, void (*Cancel)(socket_core&, Op*)>
struct op_canceller {
    std::shared_ptr<socket_core> core;
    Op* op;
    void operator()(asio::cancellation_type) const
    {
        // Completing the op clears the slot, which destroys *this: copy first.
        const std::shared_ptr<socket_core> keep = core;
        Op* const target = op;
        Cancel(*keep, target);
    }
};

/// Starts an async op under the core's lock. `start(op)` either completes the op at once
/// (complete() posts the handler, never runs it inline) and returns false, or queues it in
/// the core and returns true; a queued op is cancelled through its handler's slot.
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
    impl* op = impl::create(std::forward<Handler>(handler), core_executor(*core));
    auto slot = op->cancellation_slot(); // read before start(): the op may be gone after
    if (start(static_cast<Op*>(op)) && slot.is_connected())
        slot.template emplace<op_canceller<Op, Cancel>>(op_canceller<Op, Cancel>{core, op});
}

} // namespace zmtp::detail
