// A connect() endpoint: connects, reconnects with backoff, and owns the peer's pipe.
#pragma once

#include "runtime/session.hpp"
#include "zmtp/detail/pending_op.hpp"
#include "zmtp/endpoint.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace zmtp::detail {

class socket_core;
class pipe;

/// Keeps one outgoing connection alive: resolves and connects (tcp, from the endpoint's
/// source if it has one, within connect_timeout if set; ipc, inproc), hands the stream to
/// a new session, and after a failure or a disconnect tries again after
/// reconnect_interval (doubling up to reconnect_interval_max when that is larger).
class connector : public std::enable_shared_from_this<connector> {
public:
    connector(std::shared_ptr<socket_core> core, endpoint ep, std::string text);

    /// Starts connecting. Lock held.
    void start();
    /// No more attempts. Lock held.
    void stop();
    /// Our session ended; try again later. Lock held.
    void session_ended();
    /// Our session's handshake succeeded: the backoff starts over. Lock held.
    void handshake_succeeded();
    /// Completes `op` once the handshake of the connection this connector has just made
    /// is over, whatever its outcome (at once if there is none: only an inproc connect
    /// makes its connection within start()). One at a time. Lock held.
    void notify_when_handshaken(pending_op<>& op);
    /// No longer completes `op` (its waiter gave up). Lock held.
    void forget(pending_op<>& op) noexcept;

    const std::string& text() const noexcept { return text_; }
    bool stopped() const noexcept { return stopped_; }
    /// The pipe messages for this peer wait in (null with the immediate option until a
    /// connection exists).
    pipe* peer_pipe = nullptr;

private:
    void attempt();
    void connect_next(asio::ip::tcp::resolver::results_type results, std::size_t index);
    /// A fresh tcp socket in stream_, tuned as the options say and bound to the endpoint's
    /// source, if any.
    std::error_code open_tcp(const asio::generic::stream_protocol::endpoint& target);
    /// Connecting to results[index] failed: the next address, else retry later.
    void connect_failed(asio::ip::tcp::resolver::results_type results, std::size_t index, std::error_code ec);
    void connected(stream_socket stream);
    /// Connected to the socks_proxy: asks it for the endpoint (greeting, credentials if it
    /// wants them, CONNECT), within handshake_timeout; then connected(), or retry later.
    void socks_greet();
    void socks_connect();
    /// Writes `request`, reads `reply_size` bytes into socks_reply_, then calls `next`
    /// (lock held); a failure ends the attempt.
    void socks_exchange(std::vector<std::uint8_t> request, std::size_t reply_size, void (*next)(connector&));
    void socks_failed(std::error_code ec);
    void retry_later(std::error_code reason);

    std::shared_ptr<socket_core> core_;
    endpoint endpoint_;
    std::string text_;
    asio::steady_timer timer_;
    asio::ip::tcp::resolver resolver_;
    stream_socket stream_;
    std::chrono::milliseconds interval_;
    /// Counts tcp connect attempts and their ends: a connect_timeout timer or connect
    /// handler that finds another value than its attempt's has lost the race.
    std::uint64_t attempts_ = 0;
    bool stopped_ = false;
    bool handshaking_ = false;               ///< a session of ours is in its handshake
    pending_op<>* handshake_watch_ = nullptr; ///< completed when that handshake is over
    void handshake_over();
    std::vector<std::uint8_t> socks_request_;
    std::array<std::uint8_t, 260> socks_reply_{}; ///< the longest: a domain name's bound address
};

} // namespace zmtp::detail
