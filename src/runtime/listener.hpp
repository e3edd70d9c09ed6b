// A bind() endpoint: a tcp or ipc acceptor, or an inproc name.
#pragma once

#include "runtime/session.hpp"
#include "zmtp/endpoint.hpp"

#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/address.hpp>

#include <memory>
#include <string>
#include <system_error>

namespace zmtp::detail {

class socket_core;

/// Accepts connections and gives each to a new session. tcp and ipc use one acceptor type
/// (Asio's generic stream protocol); inproc registers a process-wide name that connectors
/// find, and receives one end of a socketpair per connection.
class listener : public std::enable_shared_from_this<listener> {
public:
    listener(std::shared_ptr<socket_core> core, endpoint ep, std::string text);

    /// Binds and listens; then bound_endpoint() is the resolved endpoint. A tcp host may be
    /// "*", an address, an interface name (bound to its address: IPv4 first) or a host name;
    /// one that is none of these fails with std::errc::no_such_device. With use_fd set, tcp
    /// and ipc take that listening descriptor instead (see socket_options::use_fd). Lock held.
    std::error_code open();
    /// Starts accepting. Lock held.
    void start();
    /// Stops accepting, removes our ipc file (none in the abstract namespace) or inproc
    /// name. Lock held.
    void stop();
    /// An inproc connection arrived (on our executor). Takes the lock.
    void accept_inproc(stream_socket stream);

    /// The endpoint as given to bind().
    const std::string& text() const noexcept { return text_; }
    /// The endpoint actually bound, e.g. with the ephemeral port filled in.
    const std::string& bound_endpoint() const noexcept { return bound_; }
    /// The listening socket's descriptor; -1 for inproc.
    int descriptor() noexcept { return acceptor_.is_open() ? acceptor_.native_handle() : -1; }
    const asio::any_io_executor& executor() const noexcept;
    /// Whether this listener accepts on descriptor `fd`.
    bool holds(int fd) noexcept { return acceptor_.is_open() && acceptor_.native_handle() == fd; }

private:
    std::error_code open_tcp();
    std::error_code open_ipc();
    /// Takes the listening descriptor socket_options::use_fd as the acceptor and names
    /// bound_ after its address.
    std::error_code adopt(int fd);
    void accept();
    void accepted(stream_socket stream);
    /// Whether the accept filters (tcp_accept_filters, the ipc_accept_* ones) admit the
    /// peer of an accepted connection.
    bool admits(stream_socket& stream) const;
    /// What the options ask of an accepted connection: for tcp TCP_NODELAY and what
    /// tune_tcp_connection() sets, for ipc what tune_socket() sets.
    std::error_code tune_accepted(stream_socket& stream);

    std::shared_ptr<socket_core> core_;
    endpoint endpoint_;
    std::string text_;
    std::string bound_;
    std::string inproc_scope_; // where an inproc name was registered
    asio::basic_socket_acceptor<asio::generic::stream_protocol> acceptor_;
    bool stopped_ = false;
    bool owns_ipc_file_ = false;
};

/// The address bind() means by `host`: "*" (every IPv4 interface), a numeric address, an
/// interface name (its address: IPv4 first), or else a host name resolved now. A name
/// that is neither an interface nor known to the resolver is std::errc::no_such_device
/// (libzmq's ENODEV); an interface without an address is std::errc::address_not_available.
std::error_code bind_address(const std::string& host, const asio::any_io_executor& ex, asio::ip::address& out);

/// The Unix socket address of an ipc endpoint: its path, or for "@name" the abstract
/// name (a zero byte, then "name").
asio::generic::stream_protocol::endpoint ipc_address(const endpoint& ep);

/// The process-wide inproc name table: names within scopes (socket_options::inproc_scope).
std::error_code register_inproc(const std::string& scope, const std::string& name, const std::shared_ptr<listener>& l);
void unregister_inproc(const std::string& scope, const std::string& name, const listener* l);
std::shared_ptr<listener> find_inproc(const std::string& scope, const std::string& name);

} // namespace zmtp::detail
