// zmtp::on_signal: what a signal does to a wait.
#pragma once

namespace zmtp {

/// What a signal delivered to a thread waiting in poll() does: nothing visible (the wait
/// goes on), or end the wait with std::errc::interrupted (EINTR: libzmq's zmq_poll, so that
/// a program's signal handlers get their turn, Ctrl-C for one).
enum class on_signal { resume, interrupt };

} // namespace zmtp
