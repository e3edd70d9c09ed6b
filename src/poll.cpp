#include "zmtp/poll.hpp"

#include "runtime/blocking_op.hpp"
#include "runtime/socket_core.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace zmtp {
namespace {

/// An eventfd that socket waits write to, so that one poll(2) sleeps on the sockets and
/// the user's file descriptors at once.
class wakeup {
public:
    wakeup() = default;
    ~wakeup()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;

    /// Makes the eventfd if there is none yet; false (errno set) if the system refuses.
    bool open() noexcept
    {
        if (fd_ < 0)
            fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        return fd_ >= 0;
    }
    int fd() const noexcept { return fd_; }
    void signal() noexcept
    {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
    }
    /// Resets it (non-blocking: fine when nothing was signalled).
    void drain() noexcept
    {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto n = ::read(fd_, &count, sizeof count);
    }

private:
    int fd_ = -1;
};

/// A socket's readiness wait, on the poller's stack: completing it wakes the poller.
class wait_signal final : public detail::pending_op<std::error_code> {
public:
    explicit wait_signal(wakeup& w) : wakeup_(&w) {}
    void complete(std::error_code ec) override
    {
        error = ec;
        wakeup_->signal();
    }
    std::error_code error; // written under the core's lock, read under it

private:
    wakeup* wakeup_;
};

std::error_code last_errno() { return {errno, std::generic_category()}; }

/// A socket wait poll() registered, on its stack.
struct registered {
    detail::socket_core* core;
    wait_signal signal;
};

/// Withdraws the waits; one that failed means its socket closed meanwhile (then `ec`).
void withdraw(std::vector<registered>& waits, std::error_code& ec)
{
    for (registered& w : waits) {
        std::lock_guard<std::mutex> lock(w.core->mutex);
        w.core->cancel_wait(&w.signal);
        if (!ec && w.signal.error && w.signal.error != asio::error::operation_aborted)
            ec = w.signal.error;
    }
    waits.clear();
}

/// The error of a socket item that cannot be waited on, if any. Core lock held.
std::error_code unusable(const detail::socket_core& core)
{
    return core.closed() ? core.closed_error() : std::error_code{};
}

/// poll(2) events for a file descriptor item.
short fd_events(wait_type what)
{
    return static_cast<short>((has(what, wait_type::read) ? POLLIN : 0) | (has(what, wait_type::write) ? POLLOUT : 0)
                              | (has(what, wait_type::priority) ? POLLPRI : 0));
}

/// What poll(2) reported for a file descriptor: the part of `wanted` it satisfies, and
/// `error` for an error or hang-up whatever was wanted.
wait_type fd_ready(short got, wait_type wanted)
{
    wait_type ready = wait_type::none;
    if (got & POLLIN)
        ready = ready | wait_type::read;
    if (got & POLLOUT)
        ready = ready | wait_type::write;
    if (got & POLLPRI)
        ready = ready | wait_type::priority;
    ready = ready & wanted;
    return (got & (POLLERR | POLLHUP | POLLNVAL)) ? ready | wait_type::error : ready;
}

} // namespace

std::size_t poll(std::span<poll_item> items, std::optional<std::chrono::milliseconds> timeout, std::error_code& ec,
                 on_signal signals)
{
    using clock = std::chrono::steady_clock;
    ec.clear();
    const clock::time_point deadline = timeout ? clock::now() + *timeout : clock::time_point::max();
    // One per thread, kept: a poll costs no eventfd of its own. Cleared first, in case a
    // wait of the previous poll signalled it as it was being withdrawn.
    thread_local wakeup woken;
    if (!woken.open()) {
        ec = last_errno();
        return 0;
    }
    woken.drain();
    std::vector<registered> waits;
    waits.reserve(items.size()); // never reallocated: the cores hold pointers into it
    std::vector<pollfd> fds;
    for (;;) {
        // Sockets: ready now? If none is, register a wait on each.
        std::size_t ready = 0;
        for (poll_item& item : items) {
            item.revents = wait_type::none;
            if (!item.socket)
                continue;
            if (!item.socket->core_) {
                ec = errc::socket_closed;
                return 0;
            }
            detail::socket_core& core = *item.socket->core_;
            std::lock_guard<std::mutex> lock(core.mutex);
            if ((ec = unusable(core)))
                return 0;
            item.revents = core.ready_for() & item.events;
            if (item.revents != wait_type::none)
                ++ready;
        }
        const bool may_sleep = ready == 0 && timeout != std::chrono::milliseconds(0);
        waits.clear();
        try {
            for (poll_item& item : items) {
                if (!may_sleep || !item.socket)
                    continue;
                detail::socket_core& core = *item.socket->core_;
                std::lock_guard<std::mutex> lock(core.mutex);
                if ((ec = unusable(core))) // closed since: its context may be gone
                    break;
                if (detail::on_executor_thread(core.executor)) {
                    ec = errc::blocking_in_executor;
                    break;
                }
                waits.push_back({&core, wait_signal(woken)});
                core.wait_ready(item.events, &waits.back().signal); // queued whole or not at all
            }
        } catch (...) {
            withdraw(waits, ec);
            throw;
        }

        // One poll(2) on the user's descriptors and the wakeup.
        fds.assign(1, pollfd{woken.fd(), POLLIN, 0});
        for (const poll_item& item : items)
            if (!item.socket)
                fds.push_back(pollfd{item.fd, fd_events(item.events), 0});
        int wait_ms = -1;
        if (!may_sleep)
            wait_ms = 0;
        else if (timeout)
            wait_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(
                0, std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count()));
        int n = 0;
        if (!ec) {
            do
                n = ::poll(fds.data(), fds.size(), wait_ms);
            while (n < 0 && errno == EINTR && signals == on_signal::resume);
            if (n < 0)
                ec = last_errno(); // std::errc::interrupted for a signal, with on_signal::interrupt
        }
        woken.drain();

        withdraw(waits, ec);
        if (ec)
            return 0;

        std::size_t fd_index = 1;
        for (poll_item& item : items) {
            if (item.socket)
                continue;
            item.revents = fd_ready(fds[fd_index++].revents, item.events);
            if (item.revents != wait_type::none)
                ++ready;
        }
        if (ready > 0 || !may_sleep || clock::now() >= deadline)
            return ready;
        // A socket's wait ended: look again (another reader may have taken its message).
    }
}

std::size_t poll(std::span<poll_item> items, std::optional<std::chrono::milliseconds> timeout)
{
    std::error_code ec;
    const std::size_t n = poll(items, timeout, ec);
    if (ec)
        throw std::system_error(ec, "zmtp::poll");
    return n;
}

} // namespace zmtp
