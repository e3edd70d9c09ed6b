#include "zmtp/context.hpp"

namespace zmtp {

context::context() : io_(1), work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

context::~context()
{
    work_.reset();
    thread_.join();
}

} // namespace zmtp
