#include "zmtp/wire/connection.hpp"

#include "zmtp/error.hpp"
#include "zmtp/wire/curve_mechanism.hpp"
#include "zmtp/wire/null_mechanism.hpp"
#include "zmtp/wire/plain_mechanism.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace zmtp::wire {
namespace {

/// Socket-Type first and Identity second, as in the RFC's examples, then the extras.
metadata announced_properties(const connection_options& options)
{
    metadata m;
    m.set("Socket-Type", to_string(options.type));
    if (sends_identity(options.type))
        m.set("Identity", options.routing_id);
    options.properties.for_each([&](property p) { m.set(p.name, p.value); });
    return m;
}

/// The mechanism `security` names, announcing `ours`: the one place that chooses.
std::unique_ptr<mechanism> make_mechanism(const security_options& security, metadata ours)
{
    using type = security_options::mechanism_type;
    switch (security.mechanism) {
    case type::plain:
        if (security.server)
            return std::make_unique<plain_server>(std::move(ours));
        return std::make_unique<plain_client>(security.plain_username, security.plain_password, std::move(ours));
    case type::curve: {
        const random_source random = security.random ? security.random : system_random();
        std::array<std::byte, 32> secret;
        std::copy(security.curve_secret.bytes().begin(), security.curve_secret.bytes().end(), secret.begin());
        std::unique_ptr<mechanism> m;
        if (security.server)
            m = std::make_unique<curve_server>(security.curve_public, secret, std::move(ours), random);
        else
            m = std::make_unique<curve_client>(security.curve_public, secret, security.curve_server, std::move(ours), random);
        secure_wipe(secret);
        return m;
    }
    case type::null: break;
    }
    return std::make_unique<null_mechanism>(std::move(ours), security.authenticate_null);
}

std::uint16_t to_deciseconds(std::chrono::milliseconds ttl) noexcept
{
    return static_cast<std::uint16_t>(std::min<std::chrono::milliseconds::rep>(ttl.count() / 100, 0xFFFF));
}

bool valid_identity(std::string_view id) noexcept
{
    return id.size() <= 255 && (id.empty() || id.front() != '\0');
}

} // namespace

connection::connection(connection_options options, time_point now)
    : options_(std::move(options)),
      raw_(!speaks_zmtp(options_.type)),
      takes_subscriptions_(takes_subscriptions(options_.type)),
      sends_subscription_commands_(sends_subscription_commands(options_.type)),
      mechanism_(make_mechanism(options_.security, announced_properties(options_))),
      last_received_(now)
{
    if (raw_) {
        state_ = state::ready; // raw bytes both ways from the start
        return;
    }
    pending_.append(encode_greeting({.mechanism = std::string(mechanism_->name()), .as_server = mechanism_->as_server()}));
    if (options_.handshake_timeout.count() > 0)
        handshake_deadline_ = now + options_.handshake_timeout;
}

// A function-try-block: memory for the peer's input (frames, metadata) that cannot be had
// ends this connection, not the program; what was consumed no longer matters once closed.
connection::receive_result connection::receive(std::span<const std::byte> input, time_point now)
try {
    if (waiting_event_ != event::none)
        return {0, waiting_event_};
    if (state_ == state::closed)
        return {0, event::closed};
    if (state_ == state::handshake && mechanism_->authentication_wanted())
        return {0, event::authenticate};
    forget_taken_message();
    if (!input.empty()) {
        last_received_ = now;
        pong_deadline_.reset();
    }
    if (raw_) {
        if (input.empty())
            return {0, event::none};
        incoming_.push_back(frame(input));
        waiting_event_ = event::message;
        return {input.size(), waiting_event_};
    }

    std::size_t pos = 0;
    if (state_ == state::greeting) {
        std::error_code ec;
        pos = greeting_.parse(input, ec);
        handshake_bytes_ += pos;
        if (ec)
            return {pos, fail(ec)};
        if (!greeting_.done())
            return {pos, event::none};
        if (event e = on_greeting_done(now); e != event::none)
            return {pos, e};
    }

    while (pos < input.size()) {
        if (state_ == state::ready && !box_) { // the usual case under load: one small frame, one message
            if (const std::size_t n = decoder_.decode_short_message(input.subspan(pos), incoming_)) {
                pos += n;
                waiting_event_ = takes_subscriptions_ ? subscription_in_message_form() : event::message;
                return {pos, waiting_event_};
            }
        } else if (state_ == state::ready) { // the same under CURVE: a MESSAGE opened where it lies
            std::span<const std::byte> sealed;
            if (const std::size_t n = decoder_.take_short_message(input.subspan(pos), sealed)) {
                pos += n;
                std::uint8_t flags = 0;
                frame body;
                if (std::error_code ec = box_->open(sealed, flags, body))
                    return {pos, fail(ec)};
                if (event e = on_opened_frame(flags, std::move(body), now); e != event::none)
                    return {pos, e};
                continue;
            }
        }
        std::error_code ec;
        const std::size_t n = decoder_.decode(input.subspan(pos), ec);
        pos += n;
        if (state_ == state::handshake) {
            handshake_bytes_ += n;
            if (ec == errc::command_too_large || handshake_bytes_ > options_.max_handshake_size)
                ec = errc::handshake_too_large;
            else if (ec == errc::message_too_large)
                ec = errc::message_before_handshake;
        }
        if (ec)
            return {pos, fail(ec)};
        if (decoder_.ready()) {
            if (event e = on_frame(decoder_.take(), now); e != event::none)
                return {pos, e};
        }
    }
    return {pos, event::none};
} catch (const std::bad_alloc&) {
    return {0, fail(errc::out_of_memory)};
}

std::span<std::byte> connection::direct_input() noexcept
{
    if (state_ != state::ready || waiting_event_ != event::none)
        return {};
    return decoder_.body_space();
}

connection::receive_result connection::receive_direct(std::size_t n, time_point now)
{
    if (state_ == state::closed)
        return {0, event::closed};
    forget_taken_message();
    if (n > 0) {
        last_received_ = now;
        pong_deadline_.reset();
    }
    decoder_.commit_body(n);
    if (!decoder_.ready())
        return {n, event::none};
    try {
        return {n, on_frame(decoder_.take(), now)};
    } catch (const std::bad_alloc&) {
        return {n, fail(errc::out_of_memory)};
    }
}

connection::event connection::on_greeting_done(time_point now)
{
    const greeting peer = greeting_.result();
    if (peer.mechanism != mechanism_->name())
        return fail(errc::mechanism_mismatch);
    minor_version_ = peer.major > our_major_version ? our_minor_version
                                                    : std::min(peer.minor, our_minor_version);
    if (std::error_code ec = mechanism_->start(pending_, now))
        return fail(ec, farewell::as_queued);
    state_ = state::handshake;
    // Before the handshake ends only commands are legal, and only within the budget:
    // a zero message limit turns any data frame into an error before its body is read.
    const std::uint64_t budget = options_.max_handshake_size - std::min(options_.max_handshake_size, handshake_bytes_);
    frame_limits handshake_limits = options_.limits;
    handshake_limits.max_message_size = 0;
    handshake_limits.max_command_size = std::min(options_.limits.max_command_size, budget);
    decoder_.set_limits(handshake_limits);
    return mechanism_->authentication_wanted() ? event::authenticate : event::none;
}

connection::event connection::on_frame(decoded_frame&& f, time_point now)
{
    if (box_ && state_ == state::ready) { // after CURVE's handshake every frame is a MESSAGE
        if (f.command || f.more)
            return fail(errc::unexpected_command);
        std::uint8_t flags = 0;
        frame body;
        if (std::error_code ec = box_->open(std::move(f.body), flags, body))
            return fail(ec);
        return on_opened_frame(flags, std::move(body), now);
    }
    if (!f.command) {
        if (state_ != state::ready)
            return fail(errc::message_before_handshake);
        if (f.dropped) { // more than max_message_frames: none of it is delivered
            incoming_ = message{};
            return event::none;
        }
        incoming_.push_back(std::move(f.body));
        if (f.more)
            return event::none;
        waiting_event_ = takes_subscriptions_ ? subscription_in_message_form() : event::message;
        return waiting_event_;
    }
    return on_command_frame(f.body.bytes(), now);
}

connection::event connection::on_opened_frame(std::uint8_t flags, frame&& body, time_point now)
{
    if (!(flags & frame_flag::command))
        return on_boxed_data_frame(std::move(body), flags & frame_flag::more);
    if (boxed_.frames > 0)
        return fail(errc::command_inside_message);
    return on_command_frame(body.bytes(), now);
}

connection::event connection::on_boxed_data_frame(frame&& body, bool more)
{
    // The decoder saw one-frame MESSAGEs: the limits on the message inside apply here.
    boxed_.bytes += body.size();
    if (boxed_.bytes > options_.limits.max_message_size)
        return fail(errc::message_too_large);
    boxed_.dropping = boxed_.dropping || boxed_.frames >= options_.limits.max_message_frames;
    ++boxed_.frames;
    if (!boxed_.dropping) // too many frames: the message is dropped whole
        incoming_.push_back(std::move(body));
    if (more)
        return event::none;
    const bool dropped = boxed_.dropping;
    boxed_ = {};
    if (dropped) {
        incoming_ = message{};
        return event::none;
    }
    waiting_event_ = takes_subscriptions_ ? subscription_in_message_form() : event::message;
    return waiting_event_;
}

connection::event connection::on_command_frame(std::span<const std::byte> body, time_point now)
{
    command cmd;
    if (std::error_code ec = parse_command(body, cmd)) {
        // libzmq 4.3.4's PLAIN server words its refusal `5E "RROR" 03 "400"` (the name's
        // length byte and its E run together). Read in a handshake as the ERROR it means,
        // so that we stop as after any refusal instead of retrying as after garbage.
        constexpr std::string_view libzmq_plain_error = "\x5E" "RROR";
        if (state_ != state::handshake || body.size() < libzmq_plain_error.size()
            || std::string_view(reinterpret_cast<const char*>(body.data()), libzmq_plain_error.size()) != libzmq_plain_error)
            return fail(ec);
        cmd.name = "ERROR";
        cmd.data = body.subspan(libzmq_plain_error.size());
    }
    if (cmd.name == "ERROR") {
        std::string reason;
        if (std::error_code ec = parse_error(cmd.data, reason))
            return fail(ec);
        peer_error_reason_ = std::move(reason);
        return fail(state_ == state::handshake ? peer_refusal(peer_error_reason_) : make_error_code(errc::peer_error));
    }
    if (state_ == state::handshake)
        return on_handshake_command(cmd, now);
    return on_ready_command(cmd);
}

connection::event connection::on_handshake_command(const command& cmd, time_point now)
{
    if (std::error_code ec = mechanism_->on_command(cmd, pending_, now))
        return fail(ec, farewell::as_queued);
    return after_handshake_step(now);
}

connection::event connection::after_handshake_step(time_point now)
{
    if (mechanism_->authentication_wanted())
        return event::authenticate;
    if (!mechanism_->done())
        return event::none;
    if (std::error_code ec = check_peer_metadata())
        return fail(ec, farewell::error);
    enter_ready(now);
    return event::handshake_succeeded;
}

connection::event connection::authenticate(const authentication_result& result, time_point now)
{
    if (state_ != state::handshake || !mechanism_->authentication_wanted())
        return state_ == state::closed ? event::closed : event::none;
    if (std::error_code ec = mechanism_->on_authentication(result, pending_))
        return fail(ec, farewell::as_queued);
    user_id_ = result.user_id;
    authentication_properties_ = result.properties;
    return after_handshake_step(now);
}

connection::event connection::on_ready_command(const command& cmd)
{
    if (cmd.name == "PING") {
        ping p;
        if (std::error_code ec = parse_ping(cmd.data, p))
            return fail(ec);
        if (p.ttl_deciseconds > 0)
            peer_ttl_ = std::chrono::milliseconds(p.ttl_deciseconds * 100);
        // One PONG waiting is answer enough: a peer that PINGs without reading must not
        // make us queue a PONG per PING.
        if (!pong_queued_) {
            queue_command(encode_pong(p.context));
            pong_queued_ = true;
        }
        return event::none;
    }
    const bool subscribe = cmd.name == "SUBSCRIBE";
    if (subscribe || cmd.name == "CANCEL") {
        if (!takes_subscriptions_)
            return event::none;
        incoming_.push_back(frame(cmd.data));
        waiting_event_ = subscribe ? event::subscribe : event::cancel;
        return waiting_event_;
    }
    if (cmd.name == "READY")
        return fail(errc::unexpected_command);
    return event::none; // PONG, or a command from a newer revision: ignored.
}

connection::event connection::subscription_in_message_form()
{
    if (incoming_.size() != 1 || incoming_[0].empty())
        return event::message;
    const std::span<const std::byte> body = incoming_[0].bytes();
    if (body[0] != std::byte{1} && body[0] != std::byte{0})
        return event::message;
    const event kind = body[0] == std::byte{1} ? event::subscribe : event::cancel;
    incoming_[0] = frame(body.subspan(1));
    return kind;
}

std::error_code connection::check_peer_metadata()
{
    const metadata& peer = mechanism_->peer_metadata();
    const std::optional<std::string_view> type_name = peer.get("Socket-Type");
    if (!type_name)
        return errc::missing_socket_type;
    const std::optional<socket_type> type = parse_socket_type(*type_name);
    if (!type)
        return errc::unknown_socket_type;
    if (!is_compatible(options_.type, *type))
        return errc::incompatible_socket_type;
    if (const auto id = peer.get("Identity"); id && !valid_identity(*id))
        return errc::invalid_identity;
    peer_type_ = *type;
    return {};
}

void connection::enter_ready(time_point now)
{
    state_ = state::ready;
    handshake_deadline_.reset();
    box_ = mechanism_->box();
    frame_limits limits = options_.limits;
    if (box_) { // each frame arrives as a one-frame MESSAGE, its size checked once opened
        constexpr std::uint64_t message_overhead = 33; // 07 MESSAGE, nonce, MAC, flags
        limits.max_message_size = limits.max_message_size > no_limit - message_overhead
                                      ? no_limit
                                      : limits.max_message_size + message_overhead;
        limits.max_message_frames = 1;
    }
    decoder_.set_limits(limits);
    // PING exists from ZMTP 3.1 on; a 3.0 peer gets no heartbeats.
    if (options_.heartbeat_interval.count() > 0 && minor_version_ >= 1)
        next_ping_ = now + options_.heartbeat_interval;
}

connection::event connection::fail(std::error_code ec, farewell to_peer)
{
    if (state_ != state::closed) {
        state_ = state::closed;
        error_ = ec;
        stop_timers();
        incoming_ = message{}; // and its storage: a closed connection holds nothing of the peer's
        waiting_event_ = event::none;
        if (to_peer == farewell::error) // after our greeting and READY, if they are still queued
            pending_.append(encode_error(ec.message()));
        else if (to_peer == farewell::none)
            pending_ = output_queue{};
    }
    return event::closed;
}

message&& connection::take_message() noexcept
{
    waiting_event_ = event::none;
    message_taken_ = true;
    return std::move(incoming_);
}

void connection::forget_taken_message() noexcept
{
    if (message_taken_) {
        incoming_.clear(); // empty already if the caller moved it out
        message_taken_ = false;
    }
}

std::error_code connection::send(const message& msg)
{
    if (state_ == state::closed)
        return error_;
    if (state_ != state::ready)
        return errc::not_ready;
    if (msg.empty())
        return errc::empty_message;
    if (raw_) {
        for (const frame& f : msg)
            pending_.append_body(f);
        return {};
    }
    if (minor_version_ >= 1 && msg.size() == 1 && sends_subscription_commands_) {
        const std::span<const std::byte> body = msg[0].bytes();
        if (!body.empty() && (body[0] == std::byte{1} || body[0] == std::byte{0})) {
            queue_command(encode_command(body[0] == std::byte{1} ? "SUBSCRIBE" : "CANCEL", body.subspan(1)));
            return {};
        }
    }
    if (box_) {
        for (std::size_t i = 0; i < msg.size(); ++i)
            box_->seal(msg[i].bytes(), i + 1 < msg.size() ? frame_flag::more : 0, pending_);
        return {};
    }
    for (std::size_t i = 0; i < msg.size(); ++i)
        pending_.append_frame(msg[i], i + 1 < msg.size());
    return {};
}

void connection::queue_command(const std::vector<std::byte>& framed)
{
    if (!box_) {
        pending_.append(framed);
        return;
    }
    // The command's body, without its 2-byte (04 size) or 9-byte (06 size) header.
    const std::size_t header = framed[0] == std::byte{frame_flag::command} ? 2 : 9;
    box_->seal(std::span(framed).subspan(header), frame_flag::command, pending_);
}

bool connection::wants_write() const noexcept
{
    return !writing_ && (!in_flight_.empty() || !pending_.empty());
}

const std::vector<std::span<const std::byte>>& connection::start_write(std::size_t max_pieces)
{
    writing_ = true;
    if (in_flight_.empty()) {
        in_flight_.swap(pending_);
        pong_queued_ = false;
    }
    return in_flight_.buffers(max_pieces);
}

void connection::finish_write(std::size_t written) noexcept
{
    in_flight_.consume(written);
    writing_ = false;
}

void connection::on_timer(time_point now)
{
    if (state_ == state::closed)
        return;
    if (handshake_deadline_ && now >= *handshake_deadline_) {
        fail(errc::handshake_timeout);
        return;
    }
    if ((pong_deadline_ && now >= *pong_deadline_) || (peer_ttl_ && now >= last_received_ + *peer_ttl_)) {
        fail(errc::heartbeat_timeout);
        return;
    }
    if (next_ping_ && now >= *next_ping_)
        send_ping(now);
}

void connection::send_ping(time_point now)
{
    queue_command(encode_ping(to_deciseconds(options_.heartbeat_ttl), {}));
    next_ping_ = now + options_.heartbeat_interval;
    if (!pong_deadline_)
        pong_deadline_ = now + options_.heartbeat_timeout.value_or(options_.heartbeat_interval);
}

std::optional<connection::time_point> connection::next_deadline() const noexcept
{
    std::optional<time_point> earliest;
    const auto consider = [&](std::optional<time_point> t) {
        if (t && (!earliest || *t < *earliest))
            earliest = t;
    };
    consider(handshake_deadline_);
    consider(next_ping_);
    consider(pong_deadline_);
    if (peer_ttl_)
        consider(last_received_ + *peer_ttl_);
    return earliest;
}

void connection::close() noexcept
{
    if (state_ == state::closed)
        return;
    state_ = state::closed;
    error_ = errc::connection_closed;
    stop_timers();
}

void connection::stop_timers() noexcept
{
    handshake_deadline_.reset();
    next_ping_.reset();
    pong_deadline_.reset();
    peer_ttl_.reset();
}

} // namespace zmtp::wire
