#include "runtime/core_registry.hpp"

#include "runtime/socket_core.hpp"

#include "zmtp/error.hpp"

#include <algorithm>
#include <system_error>

namespace zmtp::detail {

core_registry::core_registry(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}

void core_registry::add(const std::shared_ptr<socket_core>& core)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (terminated_)
        throw std::system_error(errc::context_terminated, "zmtp::socket: its context was shut down");
    if (cores_.size() >= prune_at_) { // amortised: memory follows the live sockets
        std::erase_if(cores_, [](const auto& c) { return c.expired(); });
        prune_at_ = std::max<std::size_t>(16, 2 * cores_.size());
    }
    cores_.push_back(core);
}

std::vector<std::shared_ptr<socket_core>> core_registry::live()
{
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::shared_ptr<socket_core>> result;
    for (const auto& c : cores_)
        if (auto core = c.lock())
            result.push_back(std::move(core));
    return result;
}

void core_registry::terminate_all()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        terminated_ = true;
    }
    for (const auto& core : live()) {
        std::lock_guard<std::mutex> lock(core->mutex);
        core->terminate();
    }
}

void core_registry::shutdown()
{
    for (const auto& core : live()) {
        std::lock_guard<std::mutex> lock(core->mutex);
        core->orphan();
    }
}

} // namespace zmtp::detail
