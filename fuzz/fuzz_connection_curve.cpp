// libFuzzer target: zmtp::wire::connection as a CURVE server (ROUTER, the zmq_curve(7)
// server keys, seeded randomness) fed the bytes a peer sends: arbitrary ones, and those of
// a genuine CURVE client connection beside it (DEALER, Identity "fuzz-client", the client
// keys, seeded too), in pieces, changed at one place, or mixed with arbitrary ones. The
// genuine client reads everything the server writes. Deterministic: fixed keys, seeded
// randomness, a simulated clock.
//
// Input: mode(1) script. Mode bit 0 set: before the script the harness runs the genuine
// handshake (the client's greeting and HELLO, WELCOME, INITIATE, admitted with 200, READY),
// so that the script starts with both sides ready and reaches MESSAGE decoding at once;
// clear: the script starts at the server's first byte. The script (mechanism_script.hpp)
// has records whose `op % 7` selects:
//   0 feed         data arrives from the peer
//   1 genuine      the next bytes the genuine client wrote arrive: BE16(data) of them (all
//                  when data has fewer than 2 bytes), changed as data[2..] says
//   2 advance      the clock moves on (data: none = 0, 1 byte = b * 10 ms, 2+ bytes = BE16
//                  ms); on_timer() on both sides
//   3 deliver      all the server has to write goes to the genuine client, which reads it
//   4 client_send  the genuine client sends data[0] % 4 + 1 frames, each its serial number
//                  (BE32) and a share of data[1..]; with data[0] bit 7 the last one is
//                  4 KiB longer (a long frame, read by the decoder, not in place)
//   5 server_send  the server sends data as one frame, or with data[0] bit 0 as two
//                  (split at data[1]), again 4 KiB longer with bit 7
//   6 decide       the answer to the server's authentication request: status data[0] % 5
//                  picks 200, 300, 400, 500, 999 (User-Id "fuzz-user")
// Bytes that arrive while the server waits for a decision wait for it, as in a socket.
// Options: fuzz_options(ROUTER) (connection_script.hpp) with CURVE; the client has no
// heartbeats of its own (it answers the server's PINGs).
//
// Invariants (trap on violation):
//   - receive() consumes at most what it was given, all of it unless an event stops it,
//     nothing once closed (and says closed again); it makes progress; it never closes
//     with out_of_memory (no input here comes near a limit)
//   - closed <=> error(); deadlines as connection_script.hpp checks them; a close by
//     on_timer() is a timeout
//   - the server asks to authenticate only the genuine client: CURVE, Identity
//     "fuzz-client", the client's public key; and it becomes ready only through
//     authenticate() with 200, never by receive(); then its peer is a DEALER with User-Id
//     "fuzz-user". 400 and 500 close it with authentication_denied and
//     authentication_error, 300 with authentication_unavailable, 999 with
//     authentication_error; authenticate() unasked changes nothing
//   - every message the server delivers is made of frames the genuine client sent, byte
//     for byte, with strictly increasing serial numbers, every frame but the last one
//     sent with MORE and the last one without (no forged, replayed, reordered or
//     re-assembled frame gets through)
//   - while the server has received nothing but the genuine client's bytes, in order and
//     unchanged, receive() never closes it (only a timeout or a refusal does), and once it
//     has read everything, it has delivered exactly the client's messages that arrived
//     whole
//   - the genuine client never fails but by a timeout or the server's refusal ERROR; it
//     receives exactly the messages the server's send() accepted, in order, all of them
//     while both are open
//   - send(): not_ready before the handshake completes, the closing error after
//   - the memory rule of connection_script.hpp (check_memory_bound) for what the server
//     consumed
#include "connection_script.hpp"
#include "mechanism_script.hpp"
#include "support/curve_fixture.hpp"

#include "zmtp/curve_key.hpp"
#include "zmtp/detail/big_endian.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;
using zmtp::wire::connection;
using zmtp::wire::connection_options;
using zmtp::wire::security_options;
using event = connection::event;
using state = connection::state;
namespace keys = zmtp_test::curve;

constexpr std::string_view client_identity = "fuzz-client";
constexpr std::string_view user_id = "fuzz-user";
constexpr std::size_t long_extra = 4096;

/// A fresh set of server options: a fresh seeded random source each time, so that a
/// replay (check_memory_bound) sees the same keys and cookies as the run.
connection_options server_options()
{
    connection_options o = zmtp_fuzz::fuzz_options(socket_type::router);
    o.security.mechanism = security_options::mechanism_type::curve;
    o.security.server = true;
    o.security.curve_public = keys::server_public;
    o.security.curve_secret = zmtp::curve_secret_key(keys::server_secret);
    o.security.random = keys::seeded_random(2);
    return o;
}

connection_options client_options()
{
    connection_options o;
    o.type = socket_type::dealer;
    o.routing_id = client_identity;
    o.security.mechanism = security_options::mechanism_type::curve;
    o.security.curve_public = keys::client_public;
    o.security.curve_secret = zmtp::curve_secret_key(keys::client_secret);
    o.security.curve_server = keys::server_public;
    o.security.random = keys::seeded_random(1);
    return o;
}

bool is_timeout(std::error_code ec)
{
    return ec == errc::handshake_timeout || ec == errc::heartbeat_timeout;
}

/// Appends all that `c` has to write to `out`, in whole writes.
void write_out(connection& c, std::vector<std::byte>& out)
{
    while (c.wants_write()) {
        std::size_t n = 0;
        for (const std::span<const std::byte> piece : c.start_write()) {
            out.insert(out.end(), piece.begin(), piece.end());
            n += piece.size();
        }
        c.finish_write(n);
    }
}

/// Frames of `data[1..]` shared out: `count` of them, the last `extra` bytes longer.
std::vector<std::vector<std::byte>> shares(std::span<const std::byte> data, std::size_t count, std::size_t extra)
{
    const std::span<const std::byte> rest = data.empty() ? data : data.subspan(1);
    std::vector<std::vector<std::byte>> frames(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t from = rest.size() * i / count;
        const std::size_t to = rest.size() * (i + 1) / count;
        frames[i].assign(rest.begin() + static_cast<std::ptrdiff_t>(from), rest.begin() + static_cast<std::ptrdiff_t>(to));
    }
    for (std::size_t i = 0; i < extra; ++i)
        frames.back().push_back(static_cast<std::byte>(i * 13));
    return frames;
}

class harness {
public:
    harness()
    {
        check_server();
        collect_client_output();
    }

    /// The genuine handshake, as mode bit 0 asks.
    void handshake()
    {
        for (int round = 0; round < 8 && !(server_.current_state() == state::ready && client_.current_state() == state::ready); ++round) {
            genuine({});
            if (server_.authentication_wanted())
                decide(0);
            deliver();
        }
        ZMTP_FUZZ_CHECK(server_.current_state() == state::ready && client_.current_state() == state::ready);
    }

    void run(std::span<const std::byte> script)
    {
        zmtp_fuzz::record_reader reader(script);
        zmtp_fuzz::record r;
        while (reader.next(r)) {
            switch (r.op % 7) {
            case 0: feed(r.data); break;
            case 1: genuine(r.data); break;
            case 2: advance(r.data); break;
            case 3: deliver(); break;
            case 4: client_send(r.data); break;
            case 5: server_send(r.data); break;
            default: decide(r.data.empty() ? 0 : static_cast<std::uint8_t>(r.data[0])); break;
            }
            check_server();
            check_pure();
        }
        deliver();
        zmtp_fuzz::check_memory_bound(server_options(), received_);
    }

private:
    struct sent_frame {
        std::vector<std::byte> body;
        bool more = false;
    };

    // ---- what arrives at the server

    void feed(std::span<const std::byte> data)
    {
        pure_ = pure_ && data.empty();
        arrive(data);
    }

    void genuine(std::span<const std::byte> data)
    {
        const std::size_t left = client_stream_.size() - genuine_sent_;
        const std::size_t n = data.size() < 2 ? left : std::min(left, zmtp_fuzz::be16(data));
        const std::span<const std::byte> piece = std::span(client_stream_).subspan(genuine_sent_, n);
        genuine_sent_ += n;
        const std::vector<std::byte> bytes = zmtp_fuzz::changed(piece, data.size() > 2 ? data.subspan(2) : data.first(0));
        pure_ = pure_ && zmtp_fuzz::same(bytes, piece);
        arrive(bytes);
    }

    void arrive(std::span<const std::byte> data)
    {
        unread_.insert(unread_.end(), data.begin(), data.end());
        drain();
    }

    /// Lets the server read what waits for it, until all is read, it asks for a decision,
    /// or it closes.
    void drain()
    {
        std::size_t rounds = 0;
        const std::size_t bound = 2 * unread_.size() + 4;
        while (true) {
            const state before = server_.current_state();
            const connection::receive_result r = server_.receive(unread_, now_);
            ZMTP_FUZZ_CHECK(r.consumed <= unread_.size());
            received_.insert(received_.end(), unread_.begin(), unread_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
            unread_.erase(unread_.begin(), unread_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
            check_server();
            ZMTP_FUZZ_CHECK(++rounds <= bound);
            switch (r.what) {
            case event::none: ZMTP_FUZZ_CHECK(unread_.empty()); return;
            case event::authenticate: check_request(); return;
            case event::message: check_delivered(server_.take_message()); break;
            case event::closed: {
                ZMTP_FUZZ_CHECK(server_.current_state() == state::closed);
                const connection::receive_result again = server_.receive(unread_, now_);
                ZMTP_FUZZ_CHECK(again.consumed == 0 && again.what == event::closed);
                // Nothing here comes near a limit: no input may look like a lack of memory.
                ZMTP_FUZZ_CHECK(server_.error() != errc::out_of_memory);
                // Timeouts and refusals close it elsewhere: the genuine bytes never do.
                ZMTP_FUZZ_CHECK(before == state::closed || !pure_);
                unread_.clear();
                return;
            }
            case event::handshake_succeeded: // only authenticate() admits a CURVE client
            case event::subscribe:
            case event::cancel: ZMTP_FUZZ_CHECK(!"an event a CURVE ROUTER server never reports from receive()"); return;
            }
        }
    }

    void check_request()
    {
        const zmtp::wire::authentication_request* request = server_.authentication_wanted();
        ZMTP_FUZZ_CHECK(request != nullptr && server_.current_state() == state::handshake);
        ZMTP_FUZZ_CHECK(request->mechanism == "CURVE");
        const std::string key(reinterpret_cast<const char*>(keys::client_public.data()), keys::client_public.size());
        ZMTP_FUZZ_CHECK(request->credentials == std::vector<std::string>{key});
    }

    void decide(std::uint8_t pick)
    {
        static constexpr std::string_view codes[] = {"200", "300", "400", "500", "999"};
        const std::string_view code = codes[pick % 5];
        const state before = server_.current_state();
        const bool asked = server_.authentication_wanted() != nullptr;
        zmtp::wire::authentication_result result = zmtp_fuzz::status(code);
        result.user_id = user_id;
        const event e = server_.authenticate(result, now_);
        if (!asked) {
            ZMTP_FUZZ_CHECK(e == (before == state::closed ? event::closed : event::none));
            ZMTP_FUZZ_CHECK(server_.current_state() == before);
            return;
        }
        if (code == "200") {
            ZMTP_FUZZ_CHECK(e == event::handshake_succeeded && server_.current_state() == state::ready);
            ZMTP_FUZZ_CHECK(server_.peer_type() == socket_type::dealer && server_.user_id() == user_id);
            ZMTP_FUZZ_CHECK(server_.peer_metadata().get("Identity") == client_identity);
        } else {
            ZMTP_FUZZ_CHECK(e == event::closed);
            ZMTP_FUZZ_CHECK(server_.error()
                            == (code == "400"   ? errc::authentication_denied
                                : code == "300" ? errc::authentication_unavailable
                                                : errc::authentication_error));
        }
        check_server();
        drain();
    }

    /// A message the server delivered: genuine frames, in order, whole (see the top).
    void check_delivered(const message& m)
    {
        ZMTP_FUZZ_CHECK(!m.empty());
        for (std::size_t i = 0; i < m.size(); ++i) {
            ZMTP_FUZZ_CHECK(m[i].size() >= 4);
            const std::uint64_t serial = zmtp::detail::load_big_endian(m[i].data(), 4);
            const auto it = client_frames_.find(serial);
            ZMTP_FUZZ_CHECK(it != client_frames_.end());
            ZMTP_FUZZ_CHECK(zmtp_fuzz::same(m[i].bytes(), it->second.body));
            ZMTP_FUZZ_CHECK(it->second.more == (i + 1 < m.size()));
            ZMTP_FUZZ_CHECK(!last_delivered_ || serial > *last_delivered_);
            last_delivered_ = serial;
        }
        ++delivered_;
    }

    /// While the server has had only the genuine bytes, and read them all: it delivered
    /// every message that arrived whole.
    void check_pure()
    {
        if (!pure_ || !unread_.empty() || server_.current_state() == state::closed)
            return;
        std::size_t whole = 0;
        for (const std::size_t end : client_message_ends_)
            whole += end <= genuine_sent_ ? 1 : 0;
        ZMTP_FUZZ_CHECK(delivered_ == whole);
    }

    // ---- the clock

    void advance(std::span<const std::byte> data)
    {
        const std::chrono::milliseconds step = zmtp_fuzz::clock_step(data);
        const std::optional<connection::time_point> due = server_.next_deadline();
        const state before = server_.current_state();
        now_ += step;
        server_.on_timer(now_);
        if (!due || now_ < *due)
            ZMTP_FUZZ_CHECK(server_.current_state() == before && server_.next_deadline() == due);
        if (before != state::closed && server_.current_state() == state::closed)
            ZMTP_FUZZ_CHECK(is_timeout(server_.error()));
        client_.on_timer(now_);
        collect_client_output();
    }

    // ---- the genuine client

    /// Everything the client wrote joins the stream of genuine bytes.
    void collect_client_output() { write_out(client_, client_stream_); }

    void deliver()
    {
        std::vector<std::byte> bytes;
        write_out(server_, bytes);
        std::span<const std::byte> rest(bytes);
        while (client_.current_state() != state::closed) {
            const connection::receive_result r = client_.receive(rest, now_);
            rest = rest.subspan(r.consumed);
            if (r.what == event::none)
                break;
            if (r.what == event::message) {
                ZMTP_FUZZ_CHECK(!server_sent_.empty() && client_.take_message() == server_sent_.front());
                server_sent_.pop_front();
            } else if (r.what == event::handshake_succeeded) {
                ZMTP_FUZZ_CHECK(client_.peer_type() == socket_type::router);
            } else {
                ZMTP_FUZZ_CHECK(r.what == event::closed);
                ZMTP_FUZZ_CHECK(is_timeout(client_.error()) || client_.error() == errc::authentication_denied
                                || client_.error() == errc::authentication_error);
            }
        }
        collect_client_output();
        if (server_.current_state() != state::closed && client_.current_state() == state::ready)
            ZMTP_FUZZ_CHECK(server_sent_.empty());
    }

    void client_send(std::span<const std::byte> data)
    {
        if (client_.current_state() != state::ready)
            return;
        const std::uint8_t how = data.empty() ? 0 : static_cast<std::uint8_t>(data[0]);
        message m;
        for (std::vector<std::byte>& share : shares(data, how % 4 + 1, how & 0x80 ? long_extra : 0)) {
            std::vector<std::byte> body(4);
            zmtp::detail::store_big_endian(body.data(), next_serial_, 4);
            body.insert(body.end(), share.begin(), share.end());
            client_frames_[next_serial_++] = {body, true};
            m.push_back(zmtp::frame(std::span<const std::byte>(body)));
        }
        client_frames_[next_serial_ - 1].more = false;
        ZMTP_FUZZ_CHECK(!client_.send(m));
        collect_client_output();
        client_message_ends_.push_back(client_stream_.size());
    }

    void server_send(std::span<const std::byte> data)
    {
        const std::uint8_t how = data.empty() ? 0 : static_cast<std::uint8_t>(data[0]);
        message m;
        for (const std::vector<std::byte>& share : shares(data, how % 2 + 1, how & 0x80 ? long_extra : 0))
            m.push_back(zmtp::frame(std::span<const std::byte>(share)));
        const state st = server_.current_state();
        const std::error_code ec = server_.send(m);
        if (st == state::ready) {
            ZMTP_FUZZ_CHECK(!ec);
            server_sent_.push_back(std::move(m));
        } else if (st == state::closed) {
            ZMTP_FUZZ_CHECK(ec && ec == server_.error());
        } else {
            ZMTP_FUZZ_CHECK(ec == errc::not_ready);
        }
    }

    /// Invariants of the server between any two calls.
    void check_server()
    {
        const state st = server_.current_state();
        const std::optional<connection::time_point> due = server_.next_deadline();
        ZMTP_FUZZ_CHECK((st == state::closed) == static_cast<bool>(server_.error()));
        switch (st) {
        case state::closed: ZMTP_FUZZ_CHECK(!due); break;
        case state::greeting:
        case state::handshake: ZMTP_FUZZ_CHECK(due.has_value()); break;
        case state::ready:
            if (server_.minor_version() >= 1)
                ZMTP_FUZZ_CHECK(due && *due <= now_ + 1s); // the heartbeat interval
            break;
        }
        ZMTP_FUZZ_CHECK(!due || *due > now_);
    }

    connection::time_point now_ = connection::time_point{} + 1h;
    connection server_{server_options(), now_};
    connection client_{client_options(), now_};
    std::vector<std::byte> unread_;        ///< arrived at the server, not read yet
    std::vector<std::byte> received_;      ///< what the server consumed
    std::vector<std::byte> client_stream_; ///< everything the genuine client wrote
    std::size_t genuine_sent_ = 0;         ///< how much of it went to the server
    bool pure_ = true;                     ///< the server got the genuine bytes only
    std::map<std::uint64_t, sent_frame> client_frames_;
    std::vector<std::size_t> client_message_ends_; ///< where each message ends in client_stream_
    std::uint64_t next_serial_ = 0;
    std::optional<std::uint64_t> last_delivered_;
    std::size_t delivered_ = 0;
    std::deque<message> server_sent_; ///< accepted by the server's send(), not yet received
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    harness h;
    if (data[0] & 1)
        h.handshake();
    h.run(zmtp_fuzz::as_bytes(data + 1, size - 1));
    return 0;
}
