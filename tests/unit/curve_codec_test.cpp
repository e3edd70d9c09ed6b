// The MESSAGE boxes made with a direction's prefix key are crypto_box_easy_afternm's boxes
// under the shared key and the full nonce, byte for byte, and open alike.
#include "wire/curve_codec.hpp"

#include <doctest/doctest.h>

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

std::vector<std::byte> pattern(std::size_t size, unsigned seed)
{
    std::vector<std::byte> v(size);
    for (std::size_t i = 0; i < size; ++i)
        v[i] = static_cast<std::byte>((i * 131 + seed * 7 + 3) & 0xff);
    return v;
}

} // namespace

TEST_CASE("curve codec: a prefix key's boxes are the shared key's, at every size around the Salsa20 blocks")
{
    namespace curve = zmtp::wire::curve; // not at file scope: it would meet zmtp_test::curve in a unity build
    REQUIRE(sodium_init() >= 0);
    curve::secret_key shared;
    const std::vector<std::byte> key_bytes = pattern(curve::key_size, 1);
    shared.assign(std::span<const std::byte, curve::key_size>(key_bytes.data(), curve::key_size));
    for (const std::string_view prefix : {curve::message::client_prefix, curve::message::server_prefix}) {
        curve::secret_key prefix_key;
        curve::derive_prefix_key(prefix_key, shared, prefix);
        for (std::size_t size = 0; size <= 200; ++size) {
            for (const std::uint64_t counter : {std::uint64_t{1}, std::uint64_t{0x0102030405060708}}) {
                CAPTURE(size);
                CAPTURE(counter);
                const std::vector<std::byte> plain = pattern(size, static_cast<unsigned>(size));
                std::vector<std::byte> expected(size + curve::box_overhead);
                curve::seal_shared(expected, plain, curve::short_nonce(prefix, counter), shared);

                // Sealed in place, as MESSAGE writes it: the plaintext where its ciphertext goes.
                std::vector<std::byte> sealed(size + curve::box_overhead);
                std::copy(plain.begin(), plain.end(), sealed.begin() + curve::box_overhead);
                curve::seal_with_prefix_key(sealed, std::span(sealed).subspan(curve::box_overhead), counter,
                                            prefix_key);
                CHECK(sealed == expected);

                // Opened in place, and into another buffer.
                std::vector<std::byte> opened(size);
                CHECK(curve::open_with_prefix_key(opened, expected, counter, prefix_key));
                CHECK(opened == plain);
                std::vector<std::byte> in_place = expected;
                CHECK(curve::open_with_prefix_key(std::span(in_place).subspan(curve::box_overhead), in_place, counter,
                                                  prefix_key));
                CHECK(std::equal(plain.begin(), plain.end(), in_place.begin() + curve::box_overhead));

                // Any changed byte, another counter or another direction's key: refused, untouched.
                std::vector<std::byte> untouched(size, std::byte{0x55});
                for (std::size_t at : {std::size_t{0}, curve::box_overhead - 1, expected.size() - 1}) {
                    std::vector<std::byte> tampered = expected;
                    tampered[at] ^= std::byte{0x01};
                    std::vector<std::byte> out = untouched;
                    CHECK_FALSE(curve::open_with_prefix_key(out, tampered, counter, prefix_key));
                    CHECK(out == untouched);
                }
                std::vector<std::byte> out = untouched;
                CHECK_FALSE(curve::open_with_prefix_key(out, expected, counter + 1, prefix_key));
                CHECK(out == untouched);
            }
        }
        CHECK_FALSE(curve::open_with_prefix_key({}, std::vector<std::byte>(curve::box_overhead - 1), 1, prefix_key));
    }
}
