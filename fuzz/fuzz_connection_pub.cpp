// libFuzzer target: zmtp::wire::connection as a PUB or XPUB from its first byte, where a
// subscriber's input turns into subscribe/cancel events: SUBSCRIBE and CANCEL commands
// (ZMTP 3.1) and one-frame 01/00 + topic messages (ZMTP 3.0's form, taken from peers of
// either version), next to the greeting, the handshake (only SUB and XSUB are compatible),
// framing, heartbeats and timeouts of fuzz_connection_server.
//
// Input: mode(1) script(...) (script format and invariants: connection_script.hpp; its
// model reports a one-frame 01/00 message on a PUB/XPUB as the subscribe/cancel event it
// must be, with the topic alone). The mode byte picks:
//   bit 0  XPUB instead of PUB
//   bit 1  tiny limits: max_command_size and max_message_size 64 bytes, so that oversized
//          subscriptions in both forms (command_too_large, message_too_large) are reached
//          by short inputs
// Other options as fuzz_options() (connection_script.hpp). The seed corpus starts with
// valid SUB/XSUB greetings (3.1 and 3.0) and READYs, so that the fuzzer reaches the ready
// state, then subscriptions of every form.
#include "connection_script.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t mode = data[0];
    zmtp::wire::connection_options options =
        zmtp_fuzz::fuzz_options((mode & 0x01) ? zmtp::socket_type::xpub : zmtp::socket_type::pub);
    if (mode & 0x02) {
        options.limits.max_command_size = 64;
        options.limits.max_message_size = 64;
    }
    zmtp_fuzz::script_harness harness(options);
    harness.run(zmtp_fuzz::as_bytes(data + 1, size - 1));
    return 0;
}
