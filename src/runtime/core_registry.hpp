// The sockets of one execution context, so that the context's end reaches every one of them.
#pragma once

#include <asio/execution_context.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace zmtp::detail {

class socket_core;

/// An Asio service (one per execution context) that knows the context's socket cores.
/// zmtp::context::shutdown() terminates them all (terminate_all()). When the context
/// itself is destroyed, Asio calls shutdown() first: every core then lets go of its I/O
/// objects while the context still exists, so a socket that outlives its context holds
/// nothing of it and fails every call with errc::context_terminated instead.
class core_registry final : public asio::execution_context::service {
public:
    using key_type = core_registry;
    static inline asio::execution_context::id id;

    explicit core_registry(asio::execution_context& ctx);

    /// Registers a new core (pruning the ones that are gone); after terminate_all(), throws
    /// std::system_error (context_terminated) instead, as libzmq's zmq_socket fails then.
    void add(const std::shared_ptr<socket_core>& core);
    /// Closes every socket as close() does (lingering) and fails their calls, waiting ones
    /// included, with errc::context_terminated.
    void terminate_all();

private:
    void shutdown() override;
    std::vector<std::shared_ptr<socket_core>> live();

    std::mutex mutex_;
    std::vector<std::weak_ptr<socket_core>> cores_;
    std::size_t prune_at_ = 16;
    bool terminated_ = false;
};

} // namespace zmtp::detail
