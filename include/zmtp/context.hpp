// zmtp::context: an io_context with its own thread, for programs without an event loop.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <thread>

namespace zmtp {

/// Runs an asio::io_context on one background thread, so that sockets made on it can be
/// used with the blocking send()/receive() from any other thread. Destroy (or close) the
/// sockets first: the destructor waits until their lingering messages are flushed.
class context {
public:
    context();
    ~context();
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    asio::any_io_executor get_executor() noexcept { return io_.get_executor(); }
    asio::io_context& io_context() noexcept { return io_; }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
};

} // namespace zmtp
