// The ZAP client (RFC 27) of one socket: asks this process's ZAP handler about peers.
#pragma once

#include "zmtp/socket.hpp"
#include "zmtp/wire/mechanism.hpp"

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace zmtp::detail {

/// The endpoint a ZAP handler binds (a REP or ROUTER socket in the same process).
inline constexpr std::string_view zap_endpoint = "inproc://zeromq.zap.01";

/// Sends ZAP requests on an internal DEALER connected to zap_endpoint and hands each
/// reply to the callback of its request (by request id). Replies that do not follow
/// RFC 27 decide as status 500 would (authentication_error). A slow handler delays only
/// the handshakes waiting for it. Callbacks run on the socket's executor, no lock held.
class zap_client : public std::enable_shared_from_this<zap_client> {
public:
    using reply_handler = std::function<void(wire::authentication_result)>;

    /// Asks the handler bound in `inproc_scope` (socket_options::inproc_scope).
    zap_client(const asio::any_io_executor& ex, const std::string& inproc_scope);

    /// True while a handler is bound at zap_endpoint in `inproc_scope`.
    static bool handler_bound(const std::string& inproc_scope);

    /// Who asks: the server socket's zap_domain, the peer's address, and the server
    /// socket's own routing_id (libzmq's identity frame: ours, not the peer's).
    struct asker {
        std::string_view domain;
        std::string_view address;
        std::string_view identity;
    };

    /// Sends [empty, "1.0", id, domain, address, identity, mechanism, credentials...];
    /// `done` gets the reply. Returns the request id, for cancel().
    std::uint64_t ask(const wire::authentication_request& request, const asker& who, reply_handler done);
    /// Forgets a request: its reply, if any comes, is dropped.
    void cancel(std::uint64_t id);
    /// Stops: no more replies are delivered (the owning socket closed).
    void close();

private:
    void receive_next();
    void on_reply(const message& reply);

    socket dealer_;
    std::mutex mutex_; // guards what follows: ask() runs under a socket's lock, replies on the executor
    std::map<std::uint64_t, reply_handler> waiting_;
    std::uint64_t next_id_ = 1;
    bool receiving_ = false;
    bool closed_ = false;
};

} // namespace zmtp::detail
