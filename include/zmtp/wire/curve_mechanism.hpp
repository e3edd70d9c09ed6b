// The CURVE security mechanism (RFC 25, CurveZMQ RFC 26): client and server (sans-I/O).
#pragma once

#include "zmtp/wire/mechanism.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>
#include <system_error>

namespace zmtp::wire {

/// CURVE client: knows the server's long-term public key and has a long-term key pair of
/// its own. Sends HELLO (from a fresh transient key pair C'), answers WELCOME with
/// INITIATE (the server's cookie, a vouch for C' signed by our long-term key, and our
/// metadata), and is done on the server's READY. Its box() then seals and opens MESSAGEs.
///
/// Every command is checked before it is used: its size, its fixed fields, every box
/// (errc::decryption_failed if one does not open) and the server's counters
/// (errc::nonce_not_increasing). A command out of turn is errc::unexpected_command, one of
/// the wrong size errc::malformed_command. Nothing is queued for the server on an error
/// (libzmq closes silently), and errors are sticky (box() is null again). Secrets are
/// wiped (sodium_memzero): our long-term secret's copy and c' once INITIATE is made, the
/// shared key when the box (which keeps its own copy) or the object goes.
class curve_client final : public mechanism {
public:
    static constexpr std::string_view mechanism_name = "CURVE";

    /// Keys are raw 32-byte Curve25519 keys. `random` gives the transient key pair and the
    /// vouch's nonce (libsodium's randombytes_buf in a socket). The secret's copy here is
    /// only as safe as the caller's. Throws std::runtime_error if libsodium cannot start.
    curve_client(std::array<std::byte, 32> client_public, std::array<std::byte, 32> client_secret,
                 std::array<std::byte, 32> server_public, metadata ours, random_source random);
    ~curve_client() override;
    curve_client(const curve_client&) = delete;
    curve_client& operator=(const curve_client&) = delete;

    std::string_view name() const noexcept override { return mechanism_name; }
    bool as_server() const noexcept override { return false; }
    /// Queues HELLO (counter 1).
    std::error_code start(output_queue& out, time_point now) override;
    /// WELCOME: queues INITIATE (counter 2). READY: done.
    std::error_code on_command(const command& cmd, output_queue& out, time_point now) override;
    /// A client is never asked: errc::unexpected_command.
    std::error_code on_authentication(const authentication_result& result, output_queue& out) override;
    bool done() const noexcept override;
    /// The server's READY metadata.
    const metadata& peer_metadata() const noexcept override;
    /// Once done(): seals with the nonce prefix "CurveZMQMESSAGEC" from counter 3, opens
    /// the server's "CurveZMQMESSAGES" above its READY's counter.
    frame_box* box() noexcept override;

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// CURVE server: has a long-term key pair that its clients know. Answers HELLO with
/// WELCOME (a fresh transient key pair S', whose secret it keeps only inside the cookie,
/// under a cookie key this object made), takes INITIATE back, then always asks for
/// authentication: authentication_wanted() is mechanism "CURVE", the Identity of the
/// client's metadata (or empty) and one credential, the client's long-term public key (32
/// raw bytes). Admitted ("200"), it queues READY and is done; refused, it ends as
/// authentication_refused() says.
///
/// INITIATE is taken only if its cookie opens under our cookie key, holds the C' of this
/// connection's HELLO and is at most `cookie_lifetime` old (by the `now` given to
/// on_command), else errc::invalid_cookie; only if its vouch opens with the client's key
/// and holds exactly this C' and our public key, else errc::invalid_vouch; and only if its
/// metadata, read within the decrypted bytes, is well-formed. The other errors and their
/// silence towards the peer are as for curve_client. Secrets are wiped: s' as soon as it
/// is in the cookie (and again once the cookie has given it back), our long-term
/// secret's copy once WELCOME is made, the cookie key once INITIATE is taken, and all that
/// is left when the object goes.
class curve_server final : public mechanism {
public:
    static constexpr std::string_view mechanism_name = "CURVE";

    /// `random` gives the cookie key (made here), S' and the WELCOME and cookie nonces.
    /// Throws std::runtime_error if libsodium cannot start.
    curve_server(std::array<std::byte, 32> server_public, std::array<std::byte, 32> server_secret,
                 metadata ours, random_source random,
                 std::chrono::seconds cookie_lifetime = std::chrono::seconds(60));
    ~curve_server() override;
    curve_server(const curve_server&) = delete;
    curve_server& operator=(const curve_server&) = delete;

    std::string_view name() const noexcept override { return mechanism_name; }
    bool as_server() const noexcept override { return true; }
    /// The client speaks first: queues nothing.
    std::error_code start(output_queue& out, time_point now) override;
    /// HELLO: queues WELCOME. INITIATE: asks for authentication.
    std::error_code on_command(const command& cmd, output_queue& out, time_point now) override;
    const authentication_request* authentication_wanted() const noexcept override;
    /// "200": queues READY (counter 1), done.
    std::error_code on_authentication(const authentication_result& result, output_queue& out) override;
    bool done() const noexcept override;
    /// The client's INITIATE metadata.
    const metadata& peer_metadata() const noexcept override;
    /// Once done(): seals with the nonce prefix "CurveZMQMESSAGES" from counter 2, opens
    /// the client's "CurveZMQMESSAGEC" above its INITIATE's counter.
    frame_box* box() noexcept override;

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// The system's randomness for CURVE: libsodium's randombytes_buf.
random_source system_random();

/// Overwrites `key` with zeros in a way the compiler keeps (sodium_memzero).
void secure_wipe(std::array<std::byte, 32>& key) noexcept;

} // namespace zmtp::wire
