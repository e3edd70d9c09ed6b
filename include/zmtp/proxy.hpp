// zmtp::async_proxy: forwards whole messages between two sockets, as zmq_proxy does.
#pragma once

#include "zmtp/detail/pending_op.hpp"
#include "zmtp/socket.hpp"

#include <asio/async_result.hpp>
#include <asio/cancellation_type.hpp>

#include <memory>

#include <system_error>

namespace zmtp {

namespace detail {
class proxy_engine; // src/proxy.cpp

/// Makes the engine; `done` completes once, when it stops after start_proxy().
std::shared_ptr<proxy_engine> make_proxy(socket& frontend, socket& backend, socket* capture, socket* control,
                                         pending_op<std::error_code>* done);
void start_proxy(const std::shared_ptr<proxy_engine>& engine);
/// Ends the proxy as if cancelled (completion: operation_aborted).
void stop_proxy(proxy_engine& engine);

/// Stops the proxy when its handler's cancellation slot is emitted.
struct proxy_canceller {
    std::shared_ptr<proxy_engine> engine;
    void operator()(asio::cancellation_type) const
    {
        const std::shared_ptr<proxy_engine> keep = engine; // completing clears the slot
        stop_proxy(*keep);
    }
};
} // namespace detail

/// Forwards every message received on `frontend` to `backend` and back, whole (all
/// frames), until either socket is closed or the operation is cancelled; with `capture`,
/// a copy of each message also goes there (dropped when capture cannot take it at once).
/// With `control`, the proxy is steerable: a single-frame message "PAUSE" stops
/// forwarding (messages wait in the sockets' queues), "RESUME" restarts it and
/// "TERMINATE" ends the proxy, and "STATISTICS" is answered on `control` with 8 frames of a
/// native-endian uint64 each: the messages and bytes the frontend received, those it sent,
/// then the same for the backend (libzmq's zmq_proxy_steerable commands).
///
/// The usual pairs: ROUTER/DEALER (requests one way, replies back), XSUB/XPUB (messages
/// from publishers down, subscriptions from subscribers up) and PULL/PUSH (one way: a
/// socket that receives nothing, as a PUSH, is only watched for its closing). Frontend and
/// backend may be the same socket: each message received goes back out of it.
///
/// Completion signature `void(std::error_code)`: empty after TERMINATE, errc::socket_closed
/// when a socket was closed, operation_aborted when cancelled. Each direction holds at
/// most one message in flight, so a slow side pushes back on the other through the
/// high-water marks; messages that are already waiting are forwarded in batches without a
/// round trip through the executor. The sockets must outlive the operation.
template <class CompletionToken>
auto async_proxy(socket& frontend, socket& backend, socket* capture, socket* control, CompletionToken&& token)
{
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [&frontend, &backend, capture, control](auto handler) {
            using impl = detail::pending_op_impl<std::decay_t<decltype(handler)>, std::error_code>;
            impl* done = impl::create(std::move(handler), frontend.get_executor());
            auto slot = done->cancellation_slot();
            std::shared_ptr<detail::proxy_engine> engine = detail::make_proxy(frontend, backend, capture, control, done);
            if (slot.is_connected())
                slot.template emplace<detail::proxy_canceller>(detail::proxy_canceller{engine});
            detail::start_proxy(engine);
        },
        token);
}

/// The plain form: frontend and backend only.
template <class CompletionToken>
auto async_proxy(socket& frontend, socket& backend, CompletionToken&& token)
{
    return async_proxy(frontend, backend, nullptr, nullptr, std::forward<CompletionToken>(token));
}

/// Blocking form: runs until the proxy ends and returns why (see async_proxy). Needs the
/// sockets' executor running on another thread (a zmtp::context, for instance).
std::error_code proxy(socket& frontend, socket& backend, socket* capture = nullptr, socket* control = nullptr);

} // namespace zmtp
