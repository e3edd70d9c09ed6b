#include "readiness_signal.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace zmtp::capi {

/// The eventfd and which waits are in flight; the last wait to finish closes it if the
/// socket went first.
struct readiness_signal::state {
    int fd = -1;
    std::atomic<bool> waiting_read{false};
    std::atomic<bool> waiting_write{false};

    ~state()
    {
        if (fd >= 0)
            ::close(fd);
    }
    void signal() const noexcept
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
    }
    void clear() const noexcept
    {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto n = ::read(fd, &count, sizeof count);
    }
};

readiness_signal::readiness_signal() : state_(std::make_shared<state>())
{
    state_->fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (state_->fd < 0)
        throw std::system_error(errno, std::generic_category(), "eventfd");
}

readiness_signal::~readiness_signal() = default;

int readiness_signal::fd() const noexcept { return state_->fd; }

void readiness_signal::rearm(zmtp::socket& socket, zmtp::wait_type ready)
{
    state_->clear();
    if (!has(ready, wait_type::read))
        wait_for(socket, wait_type::read, state_->waiting_read);
    if (!has(ready, wait_type::write))
        wait_for(socket, wait_type::write, state_->waiting_write);
}

void readiness_signal::wait_for(zmtp::socket& socket, zmtp::wait_type what, std::atomic<bool>& waiting)
{
    if (waiting.exchange(true))
        return; // one wait per direction is enough
    socket.async_wait(what, [s = state_, &waiting](std::error_code ec) {
        // Free to wait again before signalling: a rearm() that still saw this wait in
        // flight is then followed by the signal, and wakes its caller to look again. A
        // wait that failed (closed, terminated) stays "in flight": the socket has no more
        // to tell, and waiting again would only signal again at once.
        if (!ec)
            waiting.store(false);
        s->signal();
    });
}

} // namespace zmtp::capi
