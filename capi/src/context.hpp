// What a void* from zmq_ctx_new points to: a zmtp::context and libzmq's context rules.
#pragma once

#include "zmtp/context.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace zmtp::capi {

/// A context of the C API. zmq_ctx_term first shuts the zmtp::context down (blocked calls
/// wake with ETERM, later ones fail so), then waits until the application has closed every
/// socket, then lets the sockets linger out as libzmq does, and frees it.
class context {
public:
    context();
    ~context();
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    /// The context behind `handle`, or null (errno EFAULT) if it is not one (or no more).
    static context* from(void* handle) noexcept;

    zmtp::context& zmtp_context() noexcept { return *context_; }
    /// The inproc names of this context's sockets (libzmq's are per context).
    const std::string& inproc_scope() const noexcept { return inproc_scope_; }

    /// A socket was made on it; false (nothing counted) once it terminates.
    bool socket_opened();
    /// A socket of it was closed.
    void socket_closed();
    /// zmq_ctx_shutdown: every socket's calls fail with ETERM from now on.
    void shutdown();
    /// zmq_ctx_term: shutdown, wait for every socket to be closed, then end.
    void terminate();

    // zmq_ctx_set's values (any thread may set or read them at any time).
    std::atomic<int> io_threads = 1;
    std::atomic<int> max_sockets = 1023;
    std::atomic<bool> blocky = true;
    std::atomic<bool> ipv6 = false;
    std::atomic<int> max_message_size = 0x7fffffff;

private:
    std::unique_ptr<zmtp::context> context_ = std::make_unique<zmtp::context>();
    std::string inproc_scope_;
    std::mutex mutex_;
    std::condition_variable all_closed_;
    int open_sockets_ = 0;
    bool shut_down_ = false;
};

} // namespace zmtp::capi
