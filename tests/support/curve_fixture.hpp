// What the CURVE tests and fuzz targets share: the zmq_curve(7) test keys, a seeded
// random_source, and the frames waiting in an output_queue.
#pragma once

#include "zmtp/wire/frame_decoder.hpp"
#include "zmtp/wire/mechanism.hpp"
#include "zmtp/wire/output_queue.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp_test::curve {

using key = std::array<std::byte, 32>;

/// 64 hex digits as a key.
constexpr key key_from_hex(std::string_view hex)
{
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    key k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::byte>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return k;
}

// The key pairs of zmq_curve(7) (ZMTP-FACTS-2 section 3), decoded from Z85.
inline constexpr key client_public = key_from_hex("BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518");
inline constexpr key client_secret = key_from_hex("7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888");
inline constexpr key server_public = key_from_hex("54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652");
inline constexpr key server_secret = key_from_hex("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7");

/// A deterministic random_source (splitmix64 from `seed`): the same seed, the same bytes.
inline zmtp::wire::random_source seeded_random(std::uint64_t seed)
{
    return [state = std::make_shared<std::uint64_t>(seed)](std::span<std::byte> out) {
        for (std::byte& b : out) {
            std::uint64_t z = (*state += 0x9E3779B97F4A7C15u);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
            b = static_cast<std::byte>(z ^ (z >> 31));
        }
    };
}

/// Every whole frame waiting in `q`, decoded with no limits; the queue is emptied. `ec`
/// gets a decoding error.
inline std::vector<zmtp::wire::decoded_frame> take_frames(zmtp::wire::output_queue& q, std::error_code& ec)
{
    std::vector<std::byte> bytes;
    for (std::span<const std::byte> piece : q.buffers())
        bytes.insert(bytes.end(), piece.begin(), piece.end());
    q.consume(q.size());
    zmtp::wire::frame_decoder decoder({.max_message_size = zmtp::wire::no_limit,
                                       .max_command_size = zmtp::wire::no_limit});
    std::vector<zmtp::wire::decoded_frame> frames;
    std::span<const std::byte> rest(bytes);
    while (!rest.empty() && !ec) {
        rest = rest.subspan(decoder.decode(rest, ec));
        if (decoder.ready())
            frames.push_back(decoder.take());
    }
    return frames;
}

} // namespace zmtp_test::curve
