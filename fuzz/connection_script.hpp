// What fuzz_connection_server and fuzz_connection_client share: a script interpreter that
// drives one zmtp::wire::connection on a simulated clock, and a checker that decodes
// everything the connection wrote and verifies it is a well-formed ZMTP 3.x stream.
//
// Script format (the fuzz input after any target-specific prefix): records of
//     op(1) len(1) [len-hi(1) len-lo(1) when len == 255] data(len)
// A record cut short by the end of input uses the bytes that remain. `op % 10` selects:
//   0 feed      receive(data) in a loop until consumed, taking every message/topic
//   1 feed_one  one receive(data) call; a message it reports is left untaken (pending)
//   2 advance   clock += ms (data: none = 0, 1 byte = b * 10 ms, 2+ bytes = BE16 ms),
//               then on_timer(now)
//   3 write_all finish the write in flight (all of it), then start/finish whole batches
//               until nothing is left
//   4 start     start_write() and keep the batch in flight
//   5 finish    finish the write in flight: BE16(data) % (batch size + 1) bytes, or all
//               of it when data is empty
//   6 send      send a small message: data[0] % 5 frames (0: an empty message), the rest
//               of the data split between them by the following bytes
//   7 send_big  send a message with a >= 4 KiB frame (the referenced, not copied, path of
//               output_queue), optionally followed by a small frame
//   8 feed_bytewise  as feed, one byte per receive() call
//   9 close     close() locally
// At the end the harness flushes all output, then replays every byte the connection
// consumed into a fresh one and checks the memory rule (check_memory_bound).
//
// Invariants checked after every step (trap on violation):
//   - receive() consumes at most what it was given; event::none means all of it;
//     it makes progress; after event::closed, receive() consumes nothing
//   - state closed <=> error() set; closed => no deadline; greeting/handshake => a
//     deadline (the handshake timeout); ready with heartbeats => a deadline within one
//     heartbeat interval; no deadline is at or before `now` once on_timer(now) ran
//   - on_timer() before the earliest deadline changes nothing; a close by on_timer is a
//     handshake or heartbeat timeout
//   - a message/subscribe/cancel event hands out a non-empty message within the limits
//   - once ready, a model (ready_model: its own frame decoder plus the command rules)
//     reads the same consumed bytes: every message/topic taken is the model's next one,
//     the connection closes exactly when the model sees a fatal error, with that error,
//     and every PONG written echoes the context of the next PING answered (a PING that
//     arrives while a PONG waits for a write is not answered: one PONG waits at most)
//   - send(): ok when ready (empty_message for no frames), not_ready before, the closing
//     error after
//   - write batches stay readable until finish_write() (ASan catches a dangling batch);
//     wants_write() is false while a write is in flight
//   - the bytes written form a valid stream: our greeting (NULL, 3.1) first, then our
//     READY (or an ERROR) before anything else, commands only READY/ERROR/PING/PONG,
//     nothing after ERROR, and the data messages are exactly the messages send()
//     accepted, in order (a prefix of them if the connection closed).
//
#pragma once

#include "fuzz_util.hpp"
#include "support/tracking_allocator.hpp"
#include "zmtp/error.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/connection.hpp"
#include "zmtp/wire/frame_decoder.hpp"
#include "zmtp/wire/greeting.hpp"
#include "zmtp/wire/metadata.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace zmtp_fuzz {

using namespace std::chrono_literals;
using zmtp::errc;
using zmtp::wire::connection;

/// Script operations (op byte % op_count).
enum class script_op : std::uint8_t {
    feed = 0,
    feed_one = 1,
    advance = 2,
    write_all = 3,
    start = 4,
    finish = 5,
    send = 6,
    send_big = 7,
    feed_bytewise = 8,
    close = 9,
};
inline constexpr std::uint8_t op_count = 10;

/// How far an `advance` record moves the clock: no data 0, one byte b * 10 ms, more
/// bytes BE16 ms.
inline std::chrono::milliseconds clock_step(std::span<const std::byte> data)
{
    if (data.empty())
        return 0ms;
    return data.size() == 1 ? std::chrono::milliseconds(static_cast<int>(data[0]) * 10)
                            : std::chrono::milliseconds(be16(data));
}

/// The options both connection targets use: small limits (16 frames per message, bodies
/// over 512 bytes allocated as they arrive), heartbeats on.
inline zmtp::wire::connection_options fuzz_options(zmtp::socket_type type)
{
    zmtp::wire::connection_options o;
    o.type = type;
    o.limits.max_message_size = 1024 * 1024;
    o.limits.max_command_size = 64 * 1024;
    o.limits.max_message_frames = 16; // reachable: dropped messages
    o.limits.first_body_block = 512;  // reachable: bodies that grow as they arrive
    o.max_handshake_size = 64 * 1024;
    o.heartbeat_interval = 1s;
    o.heartbeat_ttl = 3s;
    return o;
}

/// What a connection may hold beyond twice the bytes it received (docs/RELIABILITY.md,
/// "What a peer can make us hold"): the first block of a large body, the frame list of one
/// message, the peer's metadata, its greeting, READY and one PONG or ERROR waiting to be
/// written, the allocator's rounding, and a doubling body's moment at three times its size.
inline constexpr std::size_t fixed_connection_bytes = 400 * 1024;

/// The rule itself: a fresh connection with `options` fed `received` (whole, taking and
/// dropping every message as it completes, admitting every peer it asks about) never
/// holds more heap than twice those bytes plus fixed_connection_bytes (peak, measured by
/// the tracking operator new).
inline void check_memory_bound(const zmtp::wire::connection_options& options, std::span<const std::byte> received)
{
    const std::size_t total = received.size();
    const std::size_t base = zmtp_test::tracked::live_bytes;
    zmtp_test::tracked::reset_peak();
    {
        connection c(options, connection::time_point{});
        while (!received.empty()) {
            const connection::receive_result r = c.receive(received, connection::time_point{});
            received = received.subspan(r.consumed);
            if (r.what == connection::event::closed)
                break;
            if (r.what == connection::event::authenticate) {
                const zmtp::wire::authentication_result admitted{.status_code = "200", .status_text = {},
                                                                 .user_id = {}, .properties = {}};
                if (c.authenticate(admitted, connection::time_point{}) == connection::event::closed)
                    break;
            } else if (r.what != connection::event::none && r.what != connection::event::handshake_succeeded) {
                (void)c.take_message();
            }
        }
    }
    ZMTP_FUZZ_CHECK(zmtp_test::tracked::peak_bytes - base <= 2 * total + fixed_connection_bytes);
}

/// Decodes the bytes a connection wrote and checks that they form a valid ZMTP stream
/// from a NULL-mechanism peer of type `ours`.
class output_checker {
public:
    explicit output_checker(zmtp::socket_type ours) : ours_(ours) {}

    /// A message send() accepted; it must appear in the output after those before it.
    void expect_message(const zmtp::message& m) { expected_.push_back(m); }
    /// A PING the connection received; its PONG must echo `context`, in order.
    void expect_pong(std::string context) { expected_pongs_.push_back(std::move(context)); }

    /// The next `bytes` that went out on the wire.
    void feed(std::span<const std::byte> bytes)
    {
        if (!greeting_.done()) {
            std::error_code ec;
            const std::size_t n = greeting_.parse(bytes, ec);
            ZMTP_FUZZ_CHECK(!ec); // output starts with a valid greeting
            bytes = bytes.subspan(n);
            if (!greeting_.done())
                return;
            const zmtp::wire::greeting g = greeting_.result();
            ZMTP_FUZZ_CHECK(g.major == 3 && g.minor == 1);
            ZMTP_FUZZ_CHECK(g.mechanism == "NULL" && !g.as_server);
        }
        while (!bytes.empty()) {
            std::error_code ec;
            const std::size_t n = decoder_.decode(bytes, ec);
            ZMTP_FUZZ_CHECK(!ec);
            bytes = bytes.subspan(n);
            if (decoder_.ready())
                on_frame(decoder_.take());
        }
    }

    bool greeting_seen() const noexcept { return greeting_.done(); }
    bool ready_seen() const noexcept { return ready_seen_; }
    bool error_seen() const noexcept { return error_seen_; }
    std::size_t pings_seen() const noexcept { return pings_; }

private:
    void on_frame(zmtp::wire::decoded_frame f)
    {
        ZMTP_FUZZ_CHECK(!error_seen_); // ERROR is the last thing we send
        if (!f.command) {
            ZMTP_FUZZ_CHECK(ready_seen_); // no message before our READY
            current_.push_back(std::move(f.body));
            if (f.more)
                return;
            ZMTP_FUZZ_CHECK(!expected_.empty()); // only what send() accepted
            ZMTP_FUZZ_CHECK(current_ == expected_.front()); // whole and in order
            expected_.pop_front();
            current_.clear();
            return;
        }
        zmtp::wire::command cmd;
        ZMTP_FUZZ_CHECK(!zmtp::wire::parse_command(f.body.bytes(), cmd));
        if (cmd.name == "ERROR") {
            std::string reason;
            ZMTP_FUZZ_CHECK(!zmtp::wire::parse_error(cmd.data, reason));
            error_seen_ = true;
            return;
        }
        if (cmd.name == "READY") {
            ZMTP_FUZZ_CHECK(!ready_seen_);
            zmtp::wire::metadata m;
            ZMTP_FUZZ_CHECK(!zmtp::wire::parse_metadata(cmd.data, m));
            const auto type = m.get("Socket-Type");
            ZMTP_FUZZ_CHECK(type && *type == zmtp::to_string(ours_));
            ready_seen_ = true;
            return;
        }
        ZMTP_FUZZ_CHECK(ready_seen_); // heartbeats only after the handshake
        if (cmd.name == "PING") {
            zmtp::wire::ping p;
            ZMTP_FUZZ_CHECK(!zmtp::wire::parse_ping(cmd.data, p));
            ZMTP_FUZZ_CHECK(p.ttl_deciseconds == 30); // heartbeat_ttl 3 s
            ++pings_;
            return;
        }
        ZMTP_FUZZ_CHECK(cmd.name == "PONG");
        ZMTP_FUZZ_CHECK(cmd.data.size() <= zmtp::wire::max_ping_context_size);
        ZMTP_FUZZ_CHECK(!expected_pongs_.empty()); // a PONG answers a PING
        ZMTP_FUZZ_CHECK(to_string(cmd.data) == expected_pongs_.front()); // echoes its context
        expected_pongs_.pop_front();
    }

    zmtp::socket_type ours_;
    zmtp::wire::greeting_parser greeting_;
    zmtp::wire::frame_decoder decoder_{{.max_message_size = zmtp::wire::no_limit,
                                        .max_command_size = zmtp::wire::no_limit}};
    bool ready_seen_ = false;
    bool error_seen_ = false;
    std::size_t pings_ = 0;
    zmtp::message current_;
    std::deque<zmtp::message> expected_;
    std::deque<std::string> expected_pongs_;
};

/// What a ready connection should make of the bytes it consumed, derived independently:
/// a frame decoder with the same limits plus the command rules of connection.hpp (PING
/// answered, SUBSCRIBE/CANCEL events on PUB/XPUB only, and there one-frame 01/00 messages
/// too, ERROR and READY fatal, other commands ignored). Fed exactly the bytes receive()
/// reports consumed, from the end of the handshake on.
class ready_model {
public:
    struct expected_event {
        connection::event what;
        zmtp::message msg;
    };

    ready_model(zmtp::wire::frame_limits limits, zmtp::socket_type ours, output_checker& out)
        : decoder_(limits), ours_(ours), out_(out)
    {
    }

    void feed(std::span<const std::byte> bytes)
    {
        while (!bytes.empty()) {
            // The connection consumes nothing after the frame that closed it.
            ZMTP_FUZZ_CHECK(!error_);
            std::error_code ec;
            const std::size_t n = decoder_.decode(bytes, ec);
            bytes = bytes.subspan(n);
            if (ec)
                error_ = ec;
            else if (decoder_.ready())
                on_frame(decoder_.take());
        }
    }

    /// A write took everything queued so far: a waiting PONG is on its way.
    void write_started() noexcept { pong_waiting_ = false; }

    /// The error that the consumed bytes call for (empty while they are fine).
    std::error_code error() const noexcept { return error_; }
    /// Events not yet matched with take_message().
    std::deque<expected_event>& events() noexcept { return events_; }

private:
    void on_frame(zmtp::wire::decoded_frame f)
    {
        if (f.dropped) { // more than max_message_frames frames: nothing of it is delivered
            current_ = {};
            return;
        }
        if (!f.command) {
            current_.push_back(std::move(f.body));
            if (!f.more)
                events_.push_back(message_event(std::exchange(current_, {})));
            return;
        }
        zmtp::wire::command cmd;
        if (zmtp::wire::parse_command(f.body.bytes(), cmd)) {
            error_ = errc::malformed_command;
        } else if (cmd.name == "ERROR") {
            std::string reason;
            error_ = zmtp::wire::parse_error(cmd.data, reason) ? make_error_code(errc::malformed_error_command)
                                                               : make_error_code(errc::peer_error);
        } else if (cmd.name == "READY") {
            error_ = errc::unexpected_command;
        } else if (cmd.name == "PING") {
            zmtp::wire::ping p;
            if (zmtp::wire::parse_ping(cmd.data, p))
                error_ = errc::malformed_ping;
            else if (!pong_waiting_) { // one PONG waits at most; later PINGs get none
                out_.expect_pong(to_string(p.context));
                pong_waiting_ = true;
            }
        } else if ((cmd.name == "SUBSCRIBE" || cmd.name == "CANCEL")
                   && (ours_ == zmtp::socket_type::pub || ours_ == zmtp::socket_type::xpub)) {
            zmtp::message topic;
            topic.push_back(zmtp::frame(cmd.data));
            events_.push_back({cmd.name == "SUBSCRIBE" ? connection::event::subscribe
                                                       : connection::event::cancel,
                               std::move(topic)});
        }
    }

    bool takes_subscriptions() const noexcept
    {
        return ours_ == zmtp::socket_type::pub || ours_ == zmtp::socket_type::xpub;
    }

    /// A completed message: on a PUB/XPUB a one-frame 0x01/0x00 + topic is a subscription
    /// (ZMTP 3.0's form, taken from peers of any version), reported with the topic alone.
    expected_event message_event(zmtp::message m) const
    {
        if (!takes_subscriptions() || m.size() != 1 || m[0].empty())
            return {connection::event::message, std::move(m)};
        const std::span<const std::byte> body = m[0].bytes();
        if (body[0] != std::byte{1} && body[0] != std::byte{0})
            return {connection::event::message, std::move(m)};
        zmtp::message topic;
        topic.push_back(zmtp::frame(body.subspan(1)));
        return {body[0] == std::byte{1} ? connection::event::subscribe : connection::event::cancel, std::move(topic)};
    }

    zmtp::wire::frame_decoder decoder_;
    zmtp::socket_type ours_;
    output_checker& out_;
    std::error_code error_;
    zmtp::message current_;
    std::deque<expected_event> events_;
    bool pong_waiting_ = false;
};

/// Drives one connection through a script; see the top of this file.
class script_harness {
public:
    explicit script_harness(zmtp::wire::connection_options options)
        : options_(options), now_(connection::time_point{} + 1h), conn_(options, now_),
          out_(options.type)
    {
        check_state();
    }

    connection& conn() noexcept { return conn_; }
    connection::time_point now() const noexcept { return now_; }

    /// Feeds bytes until consumed (take_all) or until the first event (!take_all).
    /// Returns the last event seen.
    connection::event feed(std::span<const std::byte> data, bool take_all = true)
    {
        std::size_t pos = 0;
        std::size_t rounds = 0;
        while (true) {
            const connection::state before = conn_.current_state();
            const bool modelled = model_.has_value();
            const connection::receive_result r = conn_.receive(data.subspan(pos), now_);
            ZMTP_FUZZ_CHECK(r.consumed <= data.size() - pos);
            received_.insert(received_.end(), data.begin() + pos, data.begin() + pos + r.consumed);
            if (modelled) {
                model_->feed(data.subspan(pos, r.consumed));
                // The model and the connection fail on the same byte, for the same reason.
                if (model_->error())
                    ZMTP_FUZZ_CHECK(conn_.current_state() == connection::state::closed);
                if (before != connection::state::closed
                    && conn_.current_state() == connection::state::closed)
                    ZMTP_FUZZ_CHECK(conn_.error() == model_->error());
            }
            pos += r.consumed;
            check_state();
            // Each round either consumes or produces an event that we resolve, so the
            // number of rounds is bounded by the input size plus the events it holds.
            ZMTP_FUZZ_CHECK(++rounds <= 2 * data.size() + 4);
            switch (r.what) {
            case connection::event::none:
                ZMTP_FUZZ_CHECK(pos == data.size());
                return r.what;
            case connection::event::handshake_succeeded:
                ZMTP_FUZZ_CHECK(before != connection::state::ready);
                ZMTP_FUZZ_CHECK(conn_.current_state() == connection::state::ready);
                ZMTP_FUZZ_CHECK(!model_);
                model_.emplace(options_.limits, options_.type, out_);
                break;
            case connection::event::message:
            case connection::event::subscribe:
            case connection::event::cancel:
                if (!take_all)
                    return r.what;
                take(r.what);
                break;
            case connection::event::closed:
                ZMTP_FUZZ_CHECK(conn_.current_state() == connection::state::closed);
                ZMTP_FUZZ_CHECK(static_cast<bool>(conn_.error()));
                {
                    const connection::receive_result again = conn_.receive(data.subspan(pos), now_);
                    ZMTP_FUZZ_CHECK(again.consumed == 0);
                    ZMTP_FUZZ_CHECK(again.what == connection::event::closed);
                }
                return r.what;
            case connection::event::authenticate:
                ZMTP_FUZZ_CHECK(!"asked to authenticate: these connections never authenticate");
                return r.what;
            }
            if (!take_all)
                return r.what;
        }
    }

    /// Runs the script records in `script`.
    void run(std::span<const std::byte> script)
    {
        std::size_t pos = 0;
        while (pos < script.size()) {
            const auto op = static_cast<script_op>(static_cast<std::uint8_t>(script[pos++]) % op_count);
            std::size_t len = 0;
            if (pos < script.size()) {
                len = static_cast<std::uint8_t>(script[pos++]);
                if (len == 255 && script.size() - pos >= 2) {
                    len = (static_cast<std::size_t>(script[pos]) << 8) | static_cast<std::size_t>(script[pos + 1]);
                    pos += 2;
                }
            }
            len = std::min(len, script.size() - pos);
            step(op, script.subspan(pos, len));
            pos += len;
        }
        flush();
        check_memory_bound(options_, received_);
    }

    /// Writes everything that is queued (finishing a write in flight first).
    void flush()
    {
        if (writing_)
            finish(batch_size());
        for (int i = 0; conn_.wants_write(); ++i) {
            ZMTP_FUZZ_CHECK(i < 4);
            start();
            ZMTP_FUZZ_CHECK(batch_size() > 0);
            finish(batch_size());
        }
        ZMTP_FUZZ_CHECK(!conn_.wants_write());
        // Everything queued went out: an open connection has sent its greeting and, past
        // the greeting, its READY.
        if (conn_.current_state() != connection::state::closed) {
            ZMTP_FUZZ_CHECK(out_.greeting_seen());
            if (conn_.current_state() != connection::state::greeting)
                ZMTP_FUZZ_CHECK(out_.ready_seen());
        }
    }

private:
    void step(script_op op, std::span<const std::byte> data)
    {
        switch (op) {
        case script_op::feed: feed(data); break;
        case script_op::feed_one: feed(data, false); break;
        case script_op::feed_bytewise:
            for (std::size_t i = 0; i < data.size(); ++i)
                feed(data.subspan(i, 1));
            break;
        case script_op::advance: advance(data); break;
        case script_op::write_all: flush(); break;
        case script_op::start:
            if (!writing_)
                start();
            break;
        case script_op::finish:
            if (writing_) {
                const std::size_t total = batch_size();
                finish(data.empty() ? total : be16(data) % (total + 1));
            }
            break;
        case script_op::send: send_small(data); break;
        case script_op::send_big: send_big(data); break;
        case script_op::close:
            conn_.close();
            ZMTP_FUZZ_CHECK(conn_.current_state() == connection::state::closed);
            ZMTP_FUZZ_CHECK(static_cast<bool>(conn_.error()));
            break;
        }
        check_state();
    }

    void take(connection::event what)
    {
        const zmtp::message m = conn_.take_message();
        ZMTP_FUZZ_CHECK(!m.empty()); // the event promised a message
        ZMTP_FUZZ_CHECK(m.total_size() <= options_.limits.max_message_size);
        // Exactly the next message (or topic) the consumed bytes hold.
        ZMTP_FUZZ_CHECK(model_ && !model_->events().empty());
        ZMTP_FUZZ_CHECK(model_->events().front().what == what);
        ZMTP_FUZZ_CHECK(model_->events().front().msg == m);
        model_->events().pop_front();
        if (what != connection::event::message) {
            ZMTP_FUZZ_CHECK(m.size() == 1); // the topic
            ZMTP_FUZZ_CHECK(options_.type == zmtp::socket_type::pub
                            || options_.type == zmtp::socket_type::xpub);
        }
        // A second take without a new event hands out nothing.
        ZMTP_FUZZ_CHECK(conn_.take_message().empty());
    }

    void advance(std::span<const std::byte> data)
    {
        const std::chrono::milliseconds step = clock_step(data);
        const std::optional<connection::time_point> due = conn_.next_deadline();
        const connection::state before = conn_.current_state();
        const bool wanted_write = conn_.wants_write();
        now_ += step;
        conn_.on_timer(now_);
        if (!due || now_ < *due) {
            // Nothing was due: nothing may happen.
            ZMTP_FUZZ_CHECK(conn_.current_state() == before);
            ZMTP_FUZZ_CHECK(conn_.wants_write() == wanted_write);
            ZMTP_FUZZ_CHECK(conn_.next_deadline() == due);
        }
        if (before != connection::state::closed && conn_.current_state() == connection::state::closed)
            ZMTP_FUZZ_CHECK(conn_.error() == errc::handshake_timeout
                            || conn_.error() == errc::heartbeat_timeout);
    }

    void start()
    {
        ZMTP_FUZZ_CHECK(!writing_);
        const bool wanted = conn_.wants_write();
        if (model_ && !conn_.batch_unfinished())
            model_->write_started(); // the new batch takes all that was queued
        batch_ = conn_.start_write(); // copy the spans: they must stay valid until finish
        writing_ = true;
        ZMTP_FUZZ_CHECK((batch_size() > 0) == wanted);
        ZMTP_FUZZ_CHECK(!conn_.wants_write());
    }

    void finish(std::size_t written)
    {
        ZMTP_FUZZ_CHECK(writing_ && written <= batch_size());
        // Read the bytes now, long after start_write(): a batch invalidated by later
        // appends shows up here as a use-after-free or as a corrupt stream.
        std::size_t left = written;
        for (const std::span<const std::byte> piece : batch_) {
            if (left == 0)
                break;
            const std::size_t n = std::min(left, piece.size());
            out_.feed(piece.first(n));
            left -= n;
        }
        conn_.finish_write(written);
        writing_ = false;
        batch_.clear();
    }

    std::size_t batch_size() const noexcept
    {
        std::size_t total = 0;
        for (const std::span<const std::byte> piece : batch_)
            total += piece.size();
        return total;
    }

    void send_small(std::span<const std::byte> data)
    {
        zmtp::message m;
        const std::size_t frames = data.empty() ? 1 : static_cast<std::uint8_t>(data[0]) % 5;
        std::span<const std::byte> rest = data.empty() ? data : data.subspan(1);
        for (std::size_t i = 0; i < frames; ++i) {
            std::size_t len = rest.size();
            if (i + 1 < frames && !rest.empty()) {
                len = static_cast<std::uint8_t>(rest[0]) % rest.size();
                rest = rest.subspan(1);
                len = std::min(len, rest.size());
            } else if (i + 1 < frames) {
                len = 0;
            }
            m.push_back(zmtp::frame(rest.first(len)));
            rest = rest.subspan(len);
        }
        send(m);
    }

    void send_big(std::span<const std::byte> data)
    {
        const std::size_t extra = data.empty() ? 0 : static_cast<std::size_t>(data[0]) * 64;
        zmtp::frame big = zmtp::frame::with_size(zmtp::wire::output_queue::reference_threshold + extra);
        for (std::size_t i = 0; i < big.size(); ++i)
            big.data()[i] = static_cast<std::byte>(i * 7 + extra);
        zmtp::message m;
        m.push_back(std::move(big));
        if (data.size() > 1)
            m.push_back(zmtp::frame(data.subspan(1)));
        send(m);
    }

    void send(const zmtp::message& m)
    {
        const connection::state st = conn_.current_state();
        const std::error_code ec = conn_.send(m);
        switch (st) {
        case connection::state::greeting:
        case connection::state::handshake: ZMTP_FUZZ_CHECK(ec == errc::not_ready); break;
        case connection::state::closed: ZMTP_FUZZ_CHECK(ec && ec == conn_.error()); break;
        case connection::state::ready:
            if (m.empty()) {
                ZMTP_FUZZ_CHECK(ec == errc::empty_message);
            } else {
                ZMTP_FUZZ_CHECK(!ec);
                out_.expect_message(m);
            }
            break;
        }
        ZMTP_FUZZ_CHECK(conn_.current_state() == st);
    }

    /// Invariants that hold between any two calls.
    void check_state()
    {
        const connection::state st = conn_.current_state();
        const std::optional<connection::time_point> due = conn_.next_deadline();
        ZMTP_FUZZ_CHECK((st == connection::state::closed) == static_cast<bool>(conn_.error()));
        if (writing_)
            ZMTP_FUZZ_CHECK(!conn_.wants_write());
        switch (st) {
        case connection::state::closed: ZMTP_FUZZ_CHECK(!due); break;
        case connection::state::greeting:
        case connection::state::handshake: ZMTP_FUZZ_CHECK(due.has_value()); break;
        case connection::state::ready:
            if (conn_.minor_version() >= 1)
                ZMTP_FUZZ_CHECK(due && *due <= now_ + options_.heartbeat_interval);
            break;
        }
        // on_timer() has run at every clock value, so nothing can be overdue.
        ZMTP_FUZZ_CHECK(!due || *due > now_);
    }

    zmtp::wire::connection_options options_;
    connection::time_point now_;
    connection conn_;
    output_checker out_;
    std::optional<ready_model> model_;
    bool writing_ = false;
    std::vector<std::span<const std::byte>> batch_;
    std::vector<std::byte> received_; ///< every byte the connection consumed
};

/// The 64 bytes of a peer greeting as libzmq sends them (ZMTP-FACTS section 9: padding
/// `00 .. 00 01`, version 3.minor, NULL, not as-server).
inline std::vector<std::byte> peer_greeting(std::uint8_t minor = 1)
{
    std::vector<std::byte> g(zmtp::wire::greeting_size, std::byte{0});
    g[0] = std::byte{0xFF};
    g[8] = std::byte{0x01};
    g[9] = std::byte{0x7F};
    g[10] = std::byte{3};
    g[11] = std::byte{minor};
    const char* mech = "NULL";
    for (int i = 0; i < 4; ++i)
        g[12 + i] = static_cast<std::byte>(mech[i]);
    return g;
}

/// A READY command frame carrying Socket-Type `type` (and an empty Identity when `identity`).
inline std::vector<std::byte> peer_ready(zmtp::socket_type type, bool identity)
{
    zmtp::wire::metadata m;
    m.set("Socket-Type", zmtp::to_string(type));
    if (identity)
        m.set("Identity", "");
    return zmtp::wire::encode_ready(m);
}

} // namespace zmtp_fuzz
