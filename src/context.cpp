#include "zmtp/context.hpp"

#include "runtime/core_registry.hpp"

#include <signal.h>

namespace zmtp {
namespace {

/// Blocks every signal on the calling thread while it lives, so that a thread started
/// meanwhile takes none, then restores the thread's mask.
class signals_blocked {
public:
    signals_blocked()
    {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &saved_);
    }
    ~signals_blocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    signals_blocked(const signals_blocked&) = delete;
    signals_blocked& operator=(const signals_blocked&) = delete;

private:
    sigset_t saved_;
};

/// Starts the I/O thread with every signal blocked: signals go to the application's
/// threads, whose waits they may interrupt (as libzmq's I/O threads take none).
std::thread start_io_thread(asio::io_context& io)
{
    const signals_blocked during_start;
    return std::thread([&io] { io.run(); });
}

} // namespace

context::context() : io_(1), work_(io_.get_executor()), thread_(start_io_thread(io_)) {}

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
