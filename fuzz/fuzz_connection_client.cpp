// libFuzzer target: zmtp::wire::connection after a completed handshake, so that the
// fuzzer spends its time on framing, PING/PONG/ERROR/SUBSCRIBE/CANCEL and timing.
//
// Input: mode(1) script(...). Before the script (format and invariants:
// connection_script.hpp) the harness feeds a valid peer greeting (libzmq's bytes) and the
// peer's READY, and checks that the connection is then ready. The mode byte picks:
//   bits 0-1  our type / peer type: DEALER/ROUTER, REQ/ROUTER, XPUB/SUB, PUB/XSUB
//             (the PUB side is where SUBSCRIBE and CANCEL become events)
//   bit 2     peer speaks ZMTP 3.0 (minor 0: no heartbeats) instead of 3.1
//   bits 3-4  how the peer's handshake arrives: greeting and READY in one read; libzmq's
//             pacing (10, 1, 53 bytes) then READY; one byte per read; greeting, then READY
//   bit 5     write our greeting and READY out before the peer's handshake arrives
// Options as in fuzz_connection_server (fuzz_options() in connection_script.hpp).
#include "connection_script.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using zmtp::socket_type;
    using zmtp::wire::connection;
    if (size == 0)
        return 0;
    const std::uint8_t mode = data[0];
    static constexpr std::array<std::pair<socket_type, socket_type>, 4> pairs{{
        {socket_type::dealer, socket_type::router},
        {socket_type::req, socket_type::router},
        {socket_type::xpub, socket_type::sub},
        {socket_type::pub, socket_type::xsub},
    }};
    const auto [ours, theirs] = pairs[mode & 0x03];
    const std::uint8_t peer_minor = (mode & 0x04) ? 0 : 1;

    zmtp_fuzz::script_harness harness(zmtp_fuzz::fuzz_options(ours));
    if (mode & 0x20)
        harness.flush();

    const std::vector<std::byte> greeting = zmtp_fuzz::peer_greeting(peer_minor);
    // A libzmq ROUTER announces an empty Identity (ZMTP-FACTS section 9).
    const std::vector<std::byte> ready = zmtp_fuzz::peer_ready(theirs, theirs == socket_type::router);
    std::vector<std::byte> handshake = greeting;
    handshake.insert(handshake.end(), ready.begin(), ready.end());
    const std::span<const std::byte> hs(handshake);
    switch ((mode >> 3) & 0x03) {
    case 0: harness.feed(hs); break;
    case 1:
        harness.feed(hs.subspan(0, 10));
        harness.feed(hs.subspan(10, 1));
        harness.feed(hs.subspan(11, 53));
        harness.feed(hs.subspan(64));
        break;
    case 2:
        for (std::size_t i = 0; i < hs.size(); ++i)
            harness.feed(hs.subspan(i, 1));
        break;
    case 3:
        harness.feed(hs.first(greeting.size()));
        harness.feed(hs.subspan(greeting.size()));
        break;
    }
    ZMTP_FUZZ_CHECK(harness.conn().current_state() == connection::state::ready);
    ZMTP_FUZZ_CHECK(harness.conn().peer_type() == theirs);
    ZMTP_FUZZ_CHECK(harness.conn().minor_version() == peer_minor);

    harness.run(zmtp_fuzz::as_bytes(data + 1, size - 1));
    return 0;
}
