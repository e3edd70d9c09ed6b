// One ZMTP 3.x connection as a sans-I/O state machine: greeting, NULL handshake, framing,
// heartbeats and timeouts. No sockets, no clocks: bytes and the current time go in,
// events, bytes to write and the next deadline come out.
#pragma once

#include "zmtp/curve_key.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"
#include "zmtp/wire/frame_decoder.hpp"
#include "zmtp/wire/greeting.hpp"
#include "zmtp/wire/metadata.hpp"
#include "zmtp/wire/mechanism.hpp"
#include "zmtp/wire/output_queue.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace zmtp::wire {

/// The security mechanism of a connection and its settings (RFC 23: NULL, PLAIN, CURVE).
struct security_options {
    enum class mechanism_type { null, plain, curve };
    mechanism_type mechanism = mechanism_type::null;
    /// PLAIN or CURVE: this side is the server, which authenticates its peers (always
    /// asking for authentication: event authenticate).
    bool server = false;
    /// NULL: ask for authentication of every peer before sending our READY (a socket with
    /// a ZAP domain, as in libzmq).
    bool authenticate_null = false;
    /// PLAIN client: the credentials HELLO carries (at most 255 bytes each).
    std::string plain_username;
    std::string plain_password;
    /// CURVE: our long-term key pair (both sides) and the server's public key (client).
    curve_public_key curve_public{};
    curve_secret_key curve_secret;
    curve_public_key curve_server{};
    /// CURVE: where randomness comes from (transient keys, nonces, cookies); unset, the
    /// system's (libsodium's randombytes_buf). Tests and fuzz targets pass a seeded one.
    random_source random;
};

/// Settings of one connection; defaults follow libzmq's documented option defaults.
/// zmtp::socket_options takes its defaults from here and from frame_limits.
struct connection_options {
    static constexpr std::size_t default_max_handshake_size = 64 * 1024;
    static constexpr std::chrono::milliseconds default_handshake_timeout{30'000};

    /// Our socket type, announced as Socket-Type and checked against the peer's.
    socket_type type = socket_type::dealer;
    /// The Identity we announce (REQ, DEALER and ROUTER only); empty means "let the peer
    /// generate one". At most 255 bytes, not starting with a zero byte.
    std::string routing_id;
    /// Extra properties for our READY (application X-* properties, Resource ...).
    metadata properties;
    /// The security mechanism (NULL by default).
    security_options security;
    /// Frame and message size limits (max_message_size: none by default, as libzmq).
    frame_limits limits;
    /// Most bytes the peer may send before its handshake completes, greeting included.
    /// 64 KiB bounds memory per unauthenticated peer yet fits any real READY.
    std::size_t max_handshake_size = default_max_handshake_size;
    /// Time allowed from creation to a completed handshake; zero disables (libzmq: 30 s).
    std::chrono::milliseconds handshake_timeout = default_handshake_timeout;
    /// Interval between our PINGs once ready; zero disables heartbeats (libzmq default).
    std::chrono::milliseconds heartbeat_interval{0};
    /// How long to wait for any traffic after a PING; unset means heartbeat_interval.
    std::optional<std::chrono::milliseconds> heartbeat_timeout;
    /// TTL announced in our PINGs: the peer closes if it hears nothing from us this long.
    /// Sent in deciseconds, so it is rounded down to 100 ms and capped at 6553.5 s.
    std::chrono::milliseconds heartbeat_ttl{0};
};

/// A ZMTP 3.x connection, either role (NULL is symmetric); or, for a STREAM socket, a raw
/// one: ready from the start, each piece of input one single-frame message, each message
/// sent as its bytes alone (no greeting, handshake, framing, heartbeat or timeout).
///
/// Theory of operation. The connection moves greeting -> handshake -> ready -> closed and
/// never back. Creating it queues our 64-byte greeting at once (a libzmq peer waits for
/// our first bytes before it sends more than 10 of its own). Once the peer's greeting is
/// valid and its mechanism matches, the mechanism's commands (READY for NULL) are queued;
/// when the peer's READY arrives its metadata is checked (Socket-Type compatible, Identity
/// valid), and the connection is ready: message frames are assembled into whole messages,
/// PINGs are answered with PONGs (at most one waiting to be written), unknown commands are
/// ignored. What it keeps because of the peer is bounded by the options: see
/// docs/RELIABILITY.md, "What a peer can make us hold"; a failed allocation for the
/// peer's input closes it with errc::out_of_memory. Any violation, timeout or
/// peer ERROR closes it for good; handshake refusals first queue an ERROR for the peer.
///
/// Input: `receive()` consumes bytes until one event (or input runs out); the caller loops.
/// Output: `start_write()`/`finish_write()` hand out what to send, one batch at a time,
/// while sends and PONGs that arrive meanwhile queue behind it (double buffering).
/// Time: every call takes `now`; `next_deadline()` says when to call `on_timer()`.
class connection {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    enum class state { greeting, handshake, ready, closed };

    /// What a call to receive() produced.
    enum class event {
        none,                ///< All input consumed, nothing complete yet.
        handshake_succeeded, ///< Peer metadata is known; messages may flow.
        message,             ///< A whole message waits in take_message().
        /// (PUB/XPUB) a subscription: a SUBSCRIBE command, or a one-frame message 0x01 +
        /// topic (ZMTP 3.0's form, accepted from any version as libzmq does); the topic
        /// is in take_message()[0].
        subscribe,
        cancel, ///< (PUB/XPUB) a cancelled subscription: CANCEL, or 0x00 + topic; as above.
        closed,              ///< The connection closed; error() says why.
        /// The handshake waits for an authentication decision on authentication_wanted();
        /// no input is taken until authenticate() gives it.
        authenticate,
    };

    struct receive_result {
        std::size_t consumed = 0;
        event what = event::none;
    };

    connection(connection_options options, time_point now);

    /// Consumes bytes until one event is produced or `input` is exhausted. While a message
    /// waits to be taken, consumes nothing and reports it again.
    receive_result receive(std::span<const std::byte> input, time_point now);
    /// What the handshake wants authenticated (a ZAP request), while event::authenticate holds.
    const authentication_request* authentication_wanted() const noexcept
    {
        return state_ == state::handshake ? mechanism_->authentication_wanted() : nullptr;
    }
    /// The decision on authentication_wanted(); returns the next event (handshake_succeeded,
    /// closed, or none when the handshake goes on and wants more input).
    event authenticate(const authentication_result& result, time_point now);
    /// The User-Id and the properties ZAP gave the peer (none without ZAP).
    const std::optional<std::string>& user_id() const noexcept { return user_id_; }
    const metadata& authentication_properties() const noexcept { return authentication_properties_; }

    /// The message (or topic) of the last `message`/`subscribe`/`cancel` event, to be
    /// moved from: the next receive() drops whatever is left of it.
    message&& take_message() noexcept;

    /// While a message frame's body is arriving, where its remaining bytes may be read
    /// directly (large bodies then skip the caller's buffer: no copy); empty otherwise.
    std::span<std::byte> direct_input() noexcept;
    /// Reports `n` bytes read into direct_input(); returns as receive() does.
    receive_result receive_direct(std::size_t n, time_point now);

    /// Queues a message for the peer. Errors: not_ready before the handshake completed,
    /// connection_closed (or the closing error) after. A SUB's one-frame messages that
    /// start with 0x01/0x00 are subscriptions: a ZMTP 3.1 peer gets them as SUBSCRIBE/
    /// CANCEL commands, a 3.0 peer as they are (libzmq's SUB does the same since 4.3.3).
    std::error_code send(const message& msg);

    /// True when bytes wait and no write is in flight.
    bool wants_write() const noexcept;
    /// True while the last batch went out only in part: start_write() continues it, and
    /// what was sent meanwhile waits for the next batch.
    bool batch_unfinished() const noexcept { return !in_flight_.empty(); }
    /// Starts a write: returns the first `max_pieces` pieces of the batch's bytes, for one
    /// gather-write. They stay valid until finish_write(). Precondition: no write in flight.
    const std::vector<std::span<const std::byte>>& start_write(std::size_t max_pieces = SIZE_MAX);
    /// Reports that `written` bytes of the batch went out (less than all is fine).
    void finish_write(std::size_t written) noexcept;

    /// Fires what is due at `now`: handshake timeout, heartbeat PING or heartbeat timeout.
    void on_timer(time_point now);
    /// The earliest time on_timer() has something to do, if any.
    std::optional<time_point> next_deadline() const noexcept;

    /// Closes locally: no more input is processed and sends fail. Queued output stays
    /// available so that the caller may still flush it.
    void close() noexcept;

    state current_state() const noexcept { return state_; }
    /// Why the connection closed; empty while it is open.
    std::error_code error() const noexcept { return error_; }
    /// Reason text of the peer's ERROR command (after errc::peer_error).
    const std::string& peer_error_reason() const noexcept { return peer_error_reason_; }

    /// The peer's socket type. Valid once ready.
    socket_type peer_type() const noexcept { return peer_type_; }
    /// The peer's READY properties. Valid once ready.
    const metadata& peer_metadata() const noexcept { return mechanism_->peer_metadata(); }
    /// ZMTP minor version in use: the lower of ours (1) and the peer's. Valid after greeting.
    std::uint8_t minor_version() const noexcept { return minor_version_; }

private:
    /// What a failing connection leaves for the peer: nothing (all queued output is
    /// dropped), an ERROR with the error's message, or what is queued already (the
    /// mechanism decided).
    enum class farewell { none, error, as_queued };
    event fail(std::error_code ec, farewell to_peer = farewell::none);
    event on_greeting_done(time_point now);
    event after_handshake_step(time_point now);
    void forget_taken_message() noexcept;
    event on_frame(decoded_frame&& f, time_point now);
    /// A frame opened from a MESSAGE (CURVE), with its MORE and COMMAND flags.
    event on_opened_frame(std::uint8_t flags, frame&& body, time_point now);
    /// A data frame opened from a MESSAGE: the message limits apply to it here.
    event on_boxed_data_frame(frame&& body, bool more);
    event on_command_frame(std::span<const std::byte> body, time_point now);
    /// Queues a command frame (PING, PONG, SUBSCRIBE...), sealed in a MESSAGE under CURVE.
    void queue_command(const std::vector<std::byte>& framed);
    event on_handshake_command(const command& cmd, time_point now);
    event on_ready_command(const command& cmd);
    /// The event for the message just completed on a PUB/XPUB: subscribe/cancel (the
    /// message then reduced to the topic) if it has the 0x01/0x00 form, else message.
    event subscription_in_message_form();
    std::error_code check_peer_metadata();
    void stop_timers() noexcept;
    void enter_ready(time_point now);
    void send_ping(time_point now);

    connection_options options_;
    // Facts of our socket type, looked up once (they are asked per message).
    const bool raw_;                         ///< STREAM: no ZMTP at all
    const bool takes_subscriptions_;         ///< PUB, XPUB
    const bool sends_subscription_commands_; ///< SUB
    state state_ = state::greeting;
    std::error_code error_;
    std::string peer_error_reason_;
    std::optional<std::string> user_id_;
    metadata authentication_properties_;

    greeting_parser greeting_;
    std::unique_ptr<mechanism> mechanism_;
    frame_box* box_ = nullptr; ///< the mechanism's, once ready, when it encrypts (CURVE)
    /// The message in progress inside MESSAGEs: what the decoder would count for it.
    struct boxed_message {
        std::uint64_t bytes = 0;
        std::uint64_t frames = 0;
        bool dropping = false;
    } boxed_;
    frame_decoder decoder_;
    std::size_t handshake_bytes_ = 0;
    std::uint8_t minor_version_ = our_minor_version;
    socket_type peer_type_ = socket_type::pair;

    message incoming_;
    bool message_taken_ = false; // incoming_ was handed out: the next receive() clears it
    event waiting_event_ = event::none;

    output_queue pending_;
    output_queue in_flight_;
    bool writing_ = false;
    bool pong_queued_ = false; ///< A PONG waits in pending_: further PINGs get no other.

    std::optional<time_point> handshake_deadline_;
    std::optional<time_point> next_ping_;
    std::optional<time_point> pong_deadline_;
    std::optional<clock::duration> peer_ttl_;
    time_point last_received_;
};

} // namespace zmtp::wire
