// zmtp::context: an io_context with its own thread, for programs without an event loop.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <optional>
#include <thread>

namespace zmtp {

/// Runs an asio::io_context on one background thread, so that sockets made on it can be
/// used with the blocking send()/receive() from any other thread. That thread takes no
/// signals (they all stay blocked on it), so a signal reaches the application's threads.
///
/// Its end follows libzmq's zmq_ctx_shutdown/zmq_ctx_term:
/// - shutdown() closes every socket made on it (listeners stop; queued messages linger as
///   after close()) and wakes every waiting call, blocking or async, with
///   errc::context_terminated; every later call on those sockets fails the same way, and
///   making a new socket on the context throws it.
/// - The destructor shuts down, then waits until the sockets have finished lingering (so
///   with the default infinite linger, until their queued messages are delivered, as
///   libzmq's zmq_ctx_term) and stops the thread.
/// A socket may outlive its context: it then holds nothing of it, and every call fails
/// with errc::context_terminated (async operations throw it from the initiating call,
/// having no executor left to complete on). The same holds for sockets made on the
/// executor of any execution context (an asio::io_context of your own, a thread pool) that
/// is destroyed before them. Not for a strand: a strand's executor itself must not outlive
/// its context, so destroy sockets made on a strand first.
class context {
public:
    context();
    ~context();
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    asio::any_io_executor get_executor() noexcept { return io_.get_executor(); }
    asio::io_context& io_context() noexcept { return io_; }

    /// Terminates every socket of this context (see above). Any thread; idempotent.
    void shutdown();

private:
    asio::io_context io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::thread thread_;
};

} // namespace zmtp
