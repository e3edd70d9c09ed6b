// What a void* from zmq_socket points to: a zmtp::socket, and libzmq's frame-at-a-time view
// of its whole messages.
#pragma once

#include "context.hpp"
#include "monitor.hpp"
#include "readiness_signal.hpp"
#include "stored_options.hpp"

#include "zmtp/message.hpp"
#include "zmtp/socket.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>

namespace zmtp::capi {

/// A socket of the C API. zmtp sends and receives whole messages; libzmq's API goes a
/// frame at a time. Frames sent with ZMQ_SNDMORE gather in `outgoing` until the last one,
/// so a message goes whole or not at all (a refused one is dropped whole: EAGAIN comes at
/// the last frame, where libzmq gives it at the first); a received message is handed out a
/// frame per call from `incoming`.
class socket_handle {
public:
    static constexpr std::uint32_t live_tag = 0x7a6d736b; // "zmsk"

    socket_handle(context& owner, zmtp::socket_type type, zmtp::socket_options options);

    /// The socket behind `handle`, or null (errno ENOTSOCK) if it is not one (or no more).
    static socket_handle* from(void* handle) noexcept;

    /// A handle's memory is never given back, only kept for the next socket: programs do
    /// call a closed socket (pyzmq asks ZMQ_TYPE to learn whether it is closed) and must
    /// get ENOTSOCK, not a read of freed memory. So memory stays bounded by the most
    /// sockets open at once. operator delete marks the memory dead.
    static void* operator new(std::size_t size);
    static void operator delete(void* memory) noexcept;

    /// Adds a frame; with `more` false sends the gathered message. 0 or -1 with errno. A
    /// message is refused at its first frame if it could not go now (as libzmq's).
    int send_frame(zmtp::frame body, bool more, bool dontwait);
    /// The next frame of the current message, or of a new one (waiting unless `dontwait`);
    /// `more` tells whether others follow. Sets `*sender`, if given, to who sent it.
    std::error_code receive_frame(zmtp::frame& body, bool& more, detail::peer_properties_ref* sender, bool dontwait);
    /// True while the current message has frames not yet received (ZMQ_RCVMORE).
    bool receiving_more() const noexcept { return next_frame_ < incoming_.size(); }

    /// What a send or receive could do now without waiting (ZMQ_EVENTS); restarts the
    /// ZMQ_FD signal, if there is one, from this state.
    zmtp::wait_type events();
    /// The descriptor of ZMQ_FD, made at the first call; -1 with errno if it cannot be.
    int readiness_fd();

    zmtp::socket& zmtp_socket() noexcept { return socket_; }
    /// What zmtp does not hold of the socket's options (socket_options.cpp's business).
    stored_options& options_beside_zmtp() noexcept { return options_beside_zmtp_; }
    context& owner() noexcept { return owner_; }
    /// The zmq_socket_monitor forwarder of this socket, if one runs.
    std::unique_ptr<monitor_forwarder>& monitor() noexcept { return monitor_; }
    /// Closes the zmtp socket (it lingers per its options) and forgets the handle.
    void close() noexcept;

private:
    using deadline = std::chrono::steady_clock::time_point;
    /// When a wait of `timeout` (SNDTIMEO, RCVTIMEO: none = no limit) started now ends.
    static std::optional<deadline> deadline_after(std::optional<std::chrono::milliseconds> timeout);
    /// Waits until the socket may be ready for `what`, at most until `until`: {} then,
    /// would_block when the time is up, std::errc::interrupted when a signal came to this
    /// thread (EINTR, as libzmq's blocking calls give), or the socket's error.
    std::error_code wait_ready(zmtp::wait_type what, const std::optional<deadline>& until);
    /// At a message's `first` frame: {} once a message could be sent (waiting up to
    /// SNDTIMEO unless `dontwait`), else why not (would_block, invalid_state,
    /// host_unreachable...).
    std::error_code wait_until_sendable(const zmtp::frame& first, bool dontwait);
    /// After a send or receive that would have waited: the ZMQ_FD signal starts again.
    void rearm_signal();

    [[maybe_unused]] std::uint32_t tag_ = live_tag; // first: from() reads it at the handle's address, as bytes
    context& owner_;
    zmtp::socket socket_;
    zmtp::message outgoing_;
    zmtp::message incoming_;
    std::size_t next_frame_ = 0;
    std::unique_ptr<readiness_signal> signal_; // made by the first ZMQ_FD
    stored_options options_beside_zmtp_;
    std::unique_ptr<monitor_forwarder> monitor_; // after socket_: destroyed first
};

} // namespace zmtp::capi
