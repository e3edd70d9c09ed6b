// zmtp::wait_type: what a socket (or file descriptor) is waited on for.
#pragma once

namespace zmtp {

/// Readiness to wait for: `read` (a message can be received without waiting) or `write`
/// (a message can be sent without waiting); a bitmask, so `read | write` waits for either.
/// libzmq's ZMQ_POLLIN and ZMQ_POLLOUT. For a file descriptor in zmtp::poll they are
/// poll(2)'s POLLIN and POLLOUT, and two more apply, never to a socket: `priority`, urgent
/// data (POLLPRI, ZMQ_POLLPRI), and `error`, an error or hang-up (POLLERR, POLLHUP,
/// POLLNVAL; ZMQ_POLLERR), reported whatever the item waits for, as poll(2) does.
enum class wait_type : unsigned char { none = 0, read = 1, write = 2, priority = 4, error = 8 };

constexpr wait_type operator|(wait_type a, wait_type b) noexcept
{
    return static_cast<wait_type>(static_cast<unsigned char>(a) | static_cast<unsigned char>(b));
}
constexpr wait_type operator&(wait_type a, wait_type b) noexcept
{
    return static_cast<wait_type>(static_cast<unsigned char>(a) & static_cast<unsigned char>(b));
}
/// True when `set` includes any of `bits`.
constexpr bool has(wait_type set, wait_type bits) noexcept { return (set & bits) != wait_type::none; }

} // namespace zmtp
