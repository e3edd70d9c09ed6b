// zmtp::poll: wait on several sockets and file descriptors at once (zmq_poll).
#pragma once

#include "zmtp/on_signal.hpp"
#include "zmtp/socket.hpp"
#include "zmtp/wait_type.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <system_error>

namespace zmtp {

/// One thing for poll() to watch: a zmtp socket or, when `socket` is null, a file
/// descriptor (a pipe, a plain socket, stdin...). libzmq's zmq_pollitem_t.
struct poll_item {
    zmtp::socket* socket = nullptr;
    int fd = -1;
    wait_type events = wait_type::read; ///< what to wait for
    wait_type revents{};                ///< set by poll(): what is ready
};

/// Waits until at least one item is ready for one of its `events`, or `timeout` passes
/// (nullopt: no limit; zero: just look), and sets every item's `revents`. Returns the
/// number of ready items (0 on timeout). The sockets' executors must run on other threads
/// (a zmtp::context does): called from the thread that runs one of them, a wait fails with
/// errc::blocking_in_executor. Errors: a socket closed or terminated (socket_closed,
/// context_terminated), a file descriptor poll(2) refuses. For blocking code; coroutines
/// use socket::async_wait or `||` of receives.
std::size_t poll(std::span<poll_item> items, std::optional<std::chrono::milliseconds> timeout, std::error_code& ec,
                 on_signal signals = on_signal::resume);
/// As above; errors throw std::system_error.
std::size_t poll(std::span<poll_item> items, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

} // namespace zmtp
