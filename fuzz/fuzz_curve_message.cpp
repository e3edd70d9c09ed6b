// libFuzzer target: CURVE's frame box (RFC 26 MESSAGE) after a real in-memory handshake
// between a curve_client and a curve_server (zmq_curve(7) keys, seeded randomness):
// sealed MESSAGEs delivered in any order, changed at one place, and arbitrary bytes.
//
// Input: a script (curve_script.hpp) whose records' `op % 4` selects, bit 7 of op giving
// the direction (clear: client to server, set: server to client):
//   0 seal     the sender seals data[1..] with flags data[0] (any bits); the MESSAGE is
//              kept, not delivered
//   1 deliver  kept MESSAGE number data[0] (modulo their count) goes to the receiver's
//              open(), changed as data[1..] says
//   2 raw      data, as the body of a MESSAGE data frame, goes to the receiver's open()
//   3 big      the sender seals data[0] KiB (0..255) of a pattern; kept
// At most 64 MESSAGEs and 8 MiB are kept per direction (later seals are skipped).
//
// Invariants (trap on violation), from a model of each direction:
//   - every seal is one data frame (no MORE) of 33 + body bytes holding a MESSAGE whose
//     counter is one above the last sealed
//   - open() takes exactly the bytes of a kept MESSAGE whose counter is above the last
//     opened one (and whose flags are not both MORE and COMMAND: malformed_command);
//     then the flags are the sealed flags' MORE and COMMAND bits and the body is the
//     sealed body
//   - anything else fails, without changing what opens next: under 33 bytes or not
//     named MESSAGE is malformed_command, a counter not above the last opened one is
//     nonce_not_increasing, and the rest is decryption_failed
#include "curve_script.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/wire/curve_mechanism.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace {

using namespace zmtp_fuzz::curve;
namespace keys = zmtp_test::curve;
namespace flag = zmtp::wire::frame_flag;

constexpr std::size_t max_kept = 64;
constexpr std::size_t max_kept_bytes = 8 << 20;

wire::metadata metadata_of(std::string_view socket_type)
{
    wire::metadata m;
    m.set("Socket-Type", socket_type);
    return m;
}

std::uint64_t counter_of(std::span<const std::byte> body)
{
    return zmtp::detail::load_big_endian(body.data() + 8, 8);
}

/// One direction: the sender's box, the receiver's, and the model.
struct direction {
    struct kept {
        std::vector<std::byte> wire;
        std::uint8_t flags;
        std::vector<std::byte> body;
    };

    wire::frame_box* sender = nullptr;
    wire::frame_box* receiver = nullptr;
    std::uint64_t last_sealed = 0;
    std::uint64_t last_opened = 0;
    std::vector<kept> messages;
    std::size_t kept_bytes = 0;

    void seal(std::uint8_t flags, std::span<const std::byte> body)
    {
        if (messages.size() >= max_kept || kept_bytes + body.size() > max_kept_bytes)
            return;
        const zmtp::frame sealed = zmtp_fuzz::curve::seal(*sender, body, flags); // checks the framing
        const std::uint64_t counter = counter_of(sealed.bytes());
        ZMTP_FUZZ_CHECK(counter == last_sealed + 1);
        last_sealed = counter;
        messages.push_back({{sealed.bytes().begin(), sealed.bytes().end()}, flags, {body.begin(), body.end()}});
        kept_bytes += body.size();
    }

    void open(std::span<const std::byte> bytes)
    {
        // What must happen, from the bytes alone.
        const kept* genuine = nullptr;
        for (const kept& k : messages)
            if (same(k.wire, bytes))
                genuine = &k;
        static constexpr std::byte name[] = {std::byte{7}, std::byte{'M'}, std::byte{'E'}, std::byte{'S'},
                                             std::byte{'S'}, std::byte{'A'}, std::byte{'G'}, std::byte{'E'}};
        std::error_code expected = errc::decryption_failed;
        if (bytes.size() < 33 || !same(bytes.first(8), name))
            expected = errc::malformed_command;
        else if (counter_of(bytes) <= last_opened)
            expected = errc::nonce_not_increasing;
        else if (genuine && (genuine->flags & flag::more) && (genuine->flags & flag::command))
            expected = errc::malformed_command;
        else if (genuine)
            expected = {};

        std::uint8_t flags = 0xEE;
        zmtp::frame body;
        const std::error_code ec = receiver->open(zmtp::frame(bytes), flags, body);
        ZMTP_FUZZ_CHECK(ec == expected);
        if (ec)
            return;
        last_opened = counter_of(bytes);
        ZMTP_FUZZ_CHECK(flags == (genuine->flags & (flag::more | flag::command)));
        ZMTP_FUZZ_CHECK(same(body.bytes(), genuine->body));
    }
};

class harness {
public:
    harness()
    {
        // The handshake, all of it in memory.
        ZMTP_FUZZ_CHECK(!client_.start(to_server_, {}));
        ZMTP_FUZZ_CHECK(give(server_, only_command(to_server_), to_client_, {}) == std::error_code{});
        ZMTP_FUZZ_CHECK(give(client_, only_command(to_client_), to_server_, {}) == std::error_code{});
        ZMTP_FUZZ_CHECK(give(server_, only_command(to_server_), to_client_, {}) == std::error_code{});
        ZMTP_FUZZ_CHECK(!server_.on_authentication(status("200"), to_client_));
        ZMTP_FUZZ_CHECK(give(client_, only_command(to_client_), to_server_, {}) == std::error_code{});
        ZMTP_FUZZ_CHECK(client_.done() && server_.done());
        // Counters so far: the client's HELLO 1 and INITIATE 2; the server's READY 1.
        ways_[0] = {client_.box(), server_.box(), 2, 2, {}, 0};
        ways_[1] = {server_.box(), client_.box(), 1, 1, {}, 0};
    }

    void run(std::span<const std::byte> script)
    {
        record_reader reader(script);
        record r;
        while (reader.next(r)) {
            direction& way = ways_[r.op >> 7];
            switch (r.op % 4) {
            case 0:
                way.seal(r.data.empty() ? 0 : static_cast<std::uint8_t>(r.data[0]),
                         r.data.empty() ? r.data : r.data.subspan(1));
                break;
            case 1:
                if (!way.messages.empty() && !r.data.empty())
                    way.open(changed(way.messages[static_cast<std::size_t>(r.data[0]) % way.messages.size()].wire,
                                     r.data.subspan(1)));
                break;
            case 2: way.open(r.data); break;
            default: big(way, r.data.empty() ? 0 : static_cast<std::size_t>(r.data[0])); break;
            }
        }
    }

private:
    static void big(direction& way, std::size_t kib)
    {
        std::vector<std::byte> body(kib * 1024);
        for (std::size_t i = 0; i < body.size(); ++i)
            body[i] = static_cast<std::byte>(i * 31 + kib);
        way.seal(flag::more, body);
    }

    wire::curve_client client_{keys::client_public, keys::client_secret, keys::server_public, metadata_of("DEALER"),
                               keys::seeded_random(5)};
    wire::curve_server server_{keys::server_public, keys::server_secret, metadata_of("ROUTER"), keys::seeded_random(6)};
    wire::output_queue to_server_;
    wire::output_queue to_client_;
    direction ways_[2];
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness h;
    h.run(zmtp_fuzz::as_bytes(data, size));
    return 0;
}
