// zmtp::authenticator: a ready-made ZAP handler (RFC 27) with address, PLAIN and CURVE
// policies, in the spirit of czmq's zauth and pyzmq's ThreadAuthenticator.
#pragma once

#include "zmtp/curve_key.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/execution_context.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace zmtp {

class context;

namespace detail {
struct authenticator_state; // src/authenticator.cpp
}

/// One ZAP request (RFC 27), as a server socket of this process asks it about a peer.
struct zap_request {
    /// The server socket's zap_domain (empty when it has none).
    std::string domain;
    /// The peer's address: IPv4 dotted ("127.0.0.1") or IPv6 text; for an ipc peer
    /// "localhost:UID:GID:PID", its process's credentials (libzmq's form); empty for inproc.
    std::string address;
    /// The Identity frame: the asking server socket's own routing_id, as libzmq sends it
    /// (empty when it has none).
    std::string identity;
    /// The security mechanism: "NULL", "PLAIN", "CURVE", or another name a peer used.
    std::string mechanism;
    /// The credentials: none for NULL; user name and password for PLAIN; the client's
    /// 32-byte long-term public key for CURVE.
    std::vector<std::string> credentials;

    /// The client's key of a CURVE request (mechanism "CURVE" and one credential of 32
    /// bytes); std::nullopt for anything else.
    std::optional<curve_public_key> curve_key() const;
};

/// A ZAP status code (RFC 27).
enum class zap_status {
    ok = 200,                ///< admitted
    temporary_failure = 300, ///< try again later: the server refuses the peer for now
    denied = 400,            ///< authentication failed
    internal_error = 500,    ///< the request was malformed, or the handler failed
};

/// What the authenticator answers to a zap_request.
struct zap_decision {
    zap_status status = zap_status::denied;
    /// Explains the status; for the server's logs (the peer gets only the code). At most
    /// 255 bytes are sent.
    std::string status_text;
    /// With status ok: the User-Id the server gives the peer's messages (at most 255
    /// bytes); not sent with any other status.
    std::string user_id;
    /// With status ok: properties the server adds to the peer's messages. Names follow
    /// ZMTP's property names (1..255 of [A-Za-z0-9-_.+], compared case-insensitively).
    std::map<std::string, std::string> metadata;

    /// Status ok, text "OK".
    static zap_decision admit(std::string user_id = {}, std::map<std::string, std::string> metadata = {});
    /// Status denied (400) with `reason` as the text.
    static zap_decision deny(std::string reason);
    /// Status internal_error (500) with `reason` as the text.
    static zap_decision error(std::string reason);

    bool admitted() const noexcept { return status == zap_status::ok; }
};

/// The ZAP handler of this process: binds a ROUTER at inproc://zeromq.zap.01 and answers
/// every server socket's requests (PLAIN and CURVE servers, NULL sockets with a
/// zap_domain) from policies set in code, a password file or a directory of certificates.
///
/// It has no thread: it serves on the executor it was made with (an io_context you run, a
/// zmtp::context, a thread pool), one request at a time. Configuration calls may come
/// from any thread, before or while it runs, and apply to the next request.
///
/// A request is decided in this order (czmq's zauth's order):
/// 1. The address: if any address is allowed (allow()), only those pass; otherwise the
///    denied ones (deny()) are refused. Either refusal is final (400).
/// 2. The request's shape: a NULL request with credentials, a PLAIN one without exactly
///    user name and password, a CURVE one without exactly one 32-byte key is malformed
///    (500), as is any request with another ZAP version than "1.0" or missing frames.
///    Messages that are not requests at all (no empty delimiter frame, or no request id)
///    are ignored.
/// 3. The callback (set_callback()), if any: a decision it returns is the answer.
/// 4. The mechanism: NULL is admitted (User-Id empty). PLAIN is admitted when the user
///    name and password are in the password table (User-Id: the user name). CURVE is
///    admitted when allow_any_curve() is on or the key was allowed (allow_curve()) or
///    found in the certificate directory (User-Id: the key's 40-character Z85 text, as
///    pyzmq does). Every other mechanism is denied. So until configured, NULL peers pass
///    and PLAIN and CURVE peers are refused, as with zauth.
/// Every answer carries a status text: "OK", or why the peer was refused.
///
/// RFC 27 allows one handler per process: start() fails with errc::address_in_use while
/// another is bound. While none is bound, PLAIN servers refuse every peer and NULL and
/// CURVE sockets admit them (libzmq's behaviour; see zap_enforce_domain).
///
/// Addresses are compared as text, after writing an IP address in its canonical form
/// ("::1" for "0:0:0:0:0:0:0:1"). An ipc peer's address is "localhost:UID:GID:PID" and an
/// inproc peer's is empty: a non-empty allow list refuses them unless allowed so.
class authenticator {
public:
    using executor_type = asio::any_io_executor;
    /// Decides a request, or returns std::nullopt to leave it to the built-in policies.
    /// Runs on the authenticator's executor, with no lock held (it may configure the
    /// authenticator); it delays every handshake waiting for ZAP while it runs. An
    /// exception it throws answers 500.
    using callback = std::function<std::optional<zap_decision>(const zap_request&)>;

    /// An authenticator serving on `ex` once started.
    explicit authenticator(const executor_type& ex);
    template <class ExecutionContext,
              std::enable_if_t<std::is_convertible_v<ExecutionContext&, asio::execution_context&>, int> = 0>
    explicit authenticator(ExecutionContext& ctx) : authenticator(executor_type(ctx.get_executor()))
    {
    }
    explicit authenticator(context& ctx);

    authenticator(const authenticator&) = delete;
    authenticator& operator=(const authenticator&) = delete;
    /// Stops (see stop()).
    ~authenticator();

    executor_type get_executor() const noexcept { return executor_; }

    /// Binds inproc://zeromq.zap.01 and starts answering requests. Starting a running
    /// authenticator does nothing. Throws std::system_error: errc::address_in_use while
    /// another ZAP handler is bound in this process, errc::context_terminated when the
    /// executor's zmtp::context was shut down.
    void start();
    void start(std::error_code& ec);
    /// Unbinds and stops answering: requests not answered yet get no reply (those
    /// handshakes end at their handshake_timeout); servers asking afterwards find no
    /// handler. When it returns, no decision is being made (unless called from the
    /// callback itself) and none will be until start() again. Any thread; idempotent.
    void stop() noexcept;
    /// True between start() and stop().
    bool running() const;

    /// Allows an address: once any address is allowed, peers from other addresses are
    /// refused, whatever their mechanism (deny() then has no effect).
    void allow(std::string_view address);
    /// Refuses every peer from `address` (unless some address is allowed).
    void deny(std::string_view address);

    /// Adds (or changes the password of) a PLAIN user.
    void allow_plain(std::string user, std::string password);
    /// Replaces the PLAIN password table: user name -> password.
    void set_plain_passwords(std::map<std::string, std::string> passwords);
    /// Replaces the PLAIN password table with the contents of `file`, one `user=password`
    /// per line (zauth's format): the user name runs to the first '=', the password is the
    /// rest of the line, spaces included (a trailing CR is dropped); empty lines and lines
    /// starting with '#' are skipped. Call it again to read a changed file. Returns the
    /// number of users. Throws std::system_error: the file's I/O error, or
    /// errc::invalid_argument (naming the line) for a line without '=' or with an empty
    /// user name; the table is then unchanged.
    std::size_t load_plain_passwords(const std::filesystem::path& file);
    std::size_t load_plain_passwords(const std::filesystem::path& file, std::error_code& ec);

    /// Admits CURVE clients with this long-term public key.
    void allow_curve(const curve_public_key& key);
    /// Admits the CURVE clients whose public key is in a certificate file in `directory`:
    /// every regular file there (not in subdirectories) of at most 64 KiB that is ZPL (RFC
    /// 4) with a property `curve/public-key` holding 40 Z85 characters, as czmq's zcert
    /// and pyzmq's zmq.auth.create_certificates write them (public or secret certificate
    /// files). Other files are skipped. Replaces the keys of the previous call (keys from
    /// allow_curve() stay); call it again to read a changed directory. Returns the number
    /// of keys found. Throws std::system_error with the directory's I/O error (then
    /// nothing changes).
    std::size_t load_curve_certificates(const std::filesystem::path& directory);
    std::size_t load_curve_certificates(const std::filesystem::path& directory, std::error_code& ec);
    /// Admits every CURVE client that completes the handshake (`on`), whatever its key
    /// (zauth's and pyzmq's CURVE_ALLOW_ANY): CURVE then encrypts without authenticating.
    void allow_any_curve(bool on = true);

    /// Sets (or with an empty function removes) the callback consulted after the address
    /// check and before the mechanism policies (see the class comment).
    void set_callback(callback decider);

    /// The answer the authenticator would give `request` now (steps 1 to 4 of the class
    /// comment; the callback included), sending nothing: for tests and diagnostics. Any
    /// thread. An exception of the callback propagates.
    zap_decision decide(const zap_request& request) const;

private:
    std::shared_ptr<detail::authenticator_state> state_;
    executor_type executor_;
};

} // namespace zmtp
