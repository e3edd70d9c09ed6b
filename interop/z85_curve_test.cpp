// zmtp's Z85 and CURVE keys against libzmq's own functions (zmq_z85_encode,
// zmq_z85_decode, zmq_curve_keypair, zmq_curve_public): the same text for the same bytes,
// the same public key for the same secret key, both ways.
#include "zmtp/curve_key.hpp"
#include "zmtp/z85.hpp"

#include <doctest/doctest.h>
#include <zmq.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<std::byte> random_bytes(std::mt19937& rng, std::size_t size)
{
    std::vector<std::byte> data(size);
    for (std::byte& b : data)
        b = static_cast<std::byte>(rng() & 0xFF);
    return data;
}

/// libzmq's Z85 text of `data` (size a multiple of 4).
std::string libzmq_encode(const std::vector<std::byte>& data)
{
    std::string text(data.size() / 4 * 5 + 1, '\0');
    REQUIRE(zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(data.data()),
                           data.size()) != nullptr);
    text.pop_back(); // its NUL
    return text;
}

/// libzmq's decoding of `text` (valid Z85).
std::vector<std::byte> libzmq_decode(const std::string& text)
{
    std::vector<std::byte> data(text.size() / 5 * 4);
    REQUIRE(zmq_z85_decode(reinterpret_cast<std::uint8_t*>(data.data()), text.c_str()) != nullptr);
    return data;
}

} // namespace

TEST_CASE("z85 interop: zmtp and libzmq encode and decode alike")
{
    std::mt19937 rng(85);
    for (std::size_t size = 4; size <= 512; size += 4) {
        CAPTURE(size);
        const std::vector<std::byte> data = random_bytes(rng, size);
        const std::string text = zmtp::z85_encode(data);
        CHECK(libzmq_encode(data) == text);
        CHECK(libzmq_decode(text) == data);
    }
}

TEST_CASE("curve interop: libzmq's key pairs and public keys agree with zmtp's")
{
    if (zmq_has("curve") == 0) {
        MESSAGE("this libzmq has no CURVE: skipped");
        return;
    }
    for (int i = 0; i < 20; ++i) {
        // libzmq's pair: zmtp derives the same public key from its secret.
        char public_z85[41];
        char secret_z85[41];
        REQUIRE(zmq_curve_keypair(public_z85, secret_z85) == 0);
        const zmtp::curve_secret_key secret = zmtp::parse_curve_secret_key(secret_z85);
        CHECK(zmtp::to_z85(zmtp::curve_public(secret)) == public_z85);

        // zmtp's pair: libzmq derives the same public key from its secret.
        const zmtp::curve_key_pair pair = zmtp::curve_keypair();
        std::string ours = zmtp::z85_encode(pair.secret_key.bytes());
        char derived[41];
        REQUIRE(zmq_curve_public(derived, ours.data()) == 0);
        CHECK(std::string(derived) == zmtp::to_z85(pair.public_key));
    }
}
