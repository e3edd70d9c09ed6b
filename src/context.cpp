#include "zmtp/context.hpp"

#include "runtime/core_registry.hpp"

namespace zmtp {

context::context() : io_(1), work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

void context::shutdown()
{
    asio::use_service<detail::core_registry>(io_).terminate_all();
}

context::~context()
{
    shutdown();
    work_.reset(); // run() returns once the lingering is over
    thread_.join();
}

} // namespace zmtp
