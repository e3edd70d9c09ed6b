// libFuzzer target: zmtp::wire::connection on the accepting side (ROUTER), from its first
// byte: greeting, NULL handshake, framing, heartbeats and timeouts on a simulated clock.
//
// Input: a script (format and invariants: connection_script.hpp). Options: ROUTER,
// max_message_size 1 MiB, max_command_size and max_handshake_size 64 KiB, 16 frames per
// message, bodies over 512 bytes grown as they arrive, heartbeat interval 1 s, TTL 3 s,
// handshake timeout 30 s (the default). The seed corpus starts with valid peer greetings
// and READYs so that the fuzzer also reaches the ready state.
#include "connection_script.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    zmtp_fuzz::script_harness harness(zmtp_fuzz::fuzz_options(zmtp::socket_type::router));
    harness.run(zmtp_fuzz::as_bytes(data, size));
    return 0;
}
