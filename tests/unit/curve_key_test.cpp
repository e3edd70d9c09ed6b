// Unit tests for zmtp's CURVE keys: curve_keypair, curve_public, curve_secret_key, the key
// parsers and to_z85, against the test keys of zmq_curve(7).
#include "zmtp/curve_key.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/z85.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

using namespace zmtp_test;
using zmtp::curve_key_pair;
using zmtp::curve_public_key;
using zmtp::curve_secret_key;
using zmtp::errc;

namespace {

/// A key pair of zmq_curve(7), in Z85, with the public key's bytes.
struct test_key {
    const char* name;
    std::string_view public_z85;
    std::string_view secret_z85;
    std::string_view public_hex;
};

constexpr test_key test_keys[] = {
    {"client", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
     "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518"},
    {"server", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
     "54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652"},
};

std::string hex(std::span<const std::byte> key)
{
    return to_hex(key);
}

bool all_zero(std::span<const std::byte> key)
{
    return std::all_of(key.begin(), key.end(), [](std::byte b) { return b == std::byte{0}; });
}

std::string_view as_text(std::span<const std::byte> key)
{
    return {reinterpret_cast<const char*>(key.data()), key.size()};
}

curve_secret_key secret_of(std::string_view hex_digits)
{
    const std::vector<std::byte> b = bytes(hex_digits);
    REQUIRE(b.size() == zmtp::curve_key_size);
    return curve_secret_key(std::span<const std::byte, 32>(b.data(), 32));
}

/// Texts no key parser accepts, with what their refusal says.
struct bad_key {
    std::string text;
    std::string_view why;
};

std::vector<bad_key> bad_keys()
{
    using namespace std::string_literals;
    const std::string good(test_keys[0].public_z85);
    std::vector<bad_key> bad = {
        {"", "not 0"},
        {std::string(31, 'a'), "not 31"},
        {std::string(33, 'a'), "not 33"},
        {good.substr(0, 39), "not 39"},
        {good + '\0', "not 41"}, // libzmq's C form keeps the NUL: not here
        {good + "0", "not 41"},
        {std::string(80, '0'), "not 80"},
    };
    // 40 characters with one outside the alphabet, in each group.
    for (std::size_t at : {0u, 7u, 19u, 39u}) {
        for (char c : {'\0', ' ', '~', '\x80', '\xff'}) {
            std::string text = good;
            text[at] = c;
            bad.push_back({text, "not in the Z85 alphabet"});
        }
    }
    // 40 alphabet characters whose last group exceeds 0xFFFFFFFF.
    bad.push_back({good.substr(0, 35) + "%nSc1", "exceeds 0xFFFFFFFF"});
    bad.push_back({"#####" + good.substr(5), "exceeds 0xFFFFFFFF"});
    return bad;
}

} // namespace

TEST_CASE("curve keys: the types")
{
    static_assert(std::is_same_v<curve_public_key, std::array<std::byte, 32>>);
    static_assert(std::is_nothrow_move_constructible_v<curve_secret_key>);
    static_assert(std::is_nothrow_copy_constructible_v<curve_secret_key>);
    static_assert(std::is_same_v<decltype(curve_secret_key().bytes()), std::span<const std::byte, 32>>);
    CHECK(all_zero(curve_secret_key().bytes()));
}

TEST_CASE("curve keys: zmq_curve(7)'s test keys decode and their secret keys give their public keys")
{
    for (const test_key& key : test_keys) {
        CAPTURE(key.name);
        const curve_public_key public_key = zmtp::parse_curve_public_key(key.public_z85);
        CHECK(hex(public_key) == hex(bytes(key.public_hex)));
        CHECK(zmtp::to_z85(public_key) == key.public_z85);
        CHECK(zmtp::z85_encode(public_key) == key.public_z85);

        const curve_secret_key secret = zmtp::parse_curve_secret_key(key.secret_z85);
        CHECK(hex(secret.bytes()) == hex(zmtp::z85_decode(key.secret_z85)));
        CHECK(hex(zmtp::curve_public(secret)) == hex(public_key));

        std::error_code ec = errc::socket_closed;
        CHECK(hex(zmtp::parse_curve_public_key(key.public_z85, ec)) == hex(public_key));
        CHECK(!ec); // cleared on success
        ec = errc::socket_closed;
        CHECK(zmtp::parse_curve_secret_key(key.secret_z85, ec) == secret);
        CHECK(!ec);
    }
    // The two key pairs are different keys.
    CHECK(zmtp::parse_curve_secret_key(test_keys[0].secret_z85) !=
          zmtp::parse_curve_secret_key(test_keys[1].secret_z85));
}

TEST_CASE("curve keys: 32 raw bytes are a key as they are")
{
    for (const test_key& key : test_keys) {
        CAPTURE(key.name);
        const std::vector<std::byte> public_bytes = bytes(key.public_hex);
        CHECK(hex(zmtp::parse_curve_public_key(as_text(public_bytes))) == hex(public_bytes));

        const std::vector<std::byte> secret_bytes = zmtp::z85_decode(key.secret_z85);
        const curve_secret_key secret = zmtp::parse_curve_secret_key(as_text(secret_bytes));
        CHECK(hex(secret.bytes()) == hex(secret_bytes));
        CHECK(secret == zmtp::parse_curve_secret_key(key.secret_z85));
    }
    // Raw bytes may be anything, NUL and the top bit included.
    const std::vector<std::byte> raw = bytes("00ff00ff 80818283 00000000 7f7e7d7c 0a0d0900 "
                                             "ffffffff 01020304 00000001");
    CHECK(hex(zmtp::parse_curve_public_key(as_text(raw))) == hex(raw));
    CHECK(hex(zmtp::parse_curve_secret_key(as_text(raw)).bytes()) == hex(raw));
}

TEST_CASE("curve keys: anything but 32 bytes or 40 Z85 characters is refused")
{
    for (const bad_key& bad : bad_keys()) {
        CAPTURE(to_hex(as_bytes(bad.text)));
        CAPTURE(bad.why);

        std::error_code ec = errc::socket_closed;
        CHECK(all_zero(zmtp::parse_curve_public_key(bad.text, ec)));
        CHECK(ec == errc::invalid_argument);
        ec = errc::socket_closed;
        CHECK(all_zero(zmtp::parse_curve_secret_key(bad.text, ec).bytes()));
        CHECK(ec == errc::invalid_argument);

        try {
            (void)zmtp::parse_curve_public_key(bad.text);
            FAIL("parse_curve_public_key accepted it");
        } catch (const std::system_error& e) {
            CHECK(e.code() == errc::invalid_argument);
            CHECK(std::string(e.what()).find(bad.why) != std::string::npos);
        }
        try {
            (void)zmtp::parse_curve_secret_key(bad.text);
            FAIL("parse_curve_secret_key accepted it");
        } catch (const std::system_error& e) {
            CHECK(e.code() == errc::invalid_argument);
            const std::string what = e.what();
            CHECK(what.find(bad.why) != std::string::npos);
            // A secret key's text is never quoted, not even a piece of it.
            if (bad.text.size() >= 10)
                CHECK(what.find(bad.text.substr(10, 10)) == std::string::npos);
        }
    }
}

TEST_CASE("curve keys: curve_keypair makes fresh pairs whose public key is curve_public(secret)")
{
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const curve_key_pair pair = zmtp::curve_keypair();
        CHECK(hex(zmtp::curve_public(pair.secret_key)) == hex(pair.public_key));
        CHECK(!all_zero(pair.secret_key.bytes()));
        CHECK(seen.insert(hex(pair.public_key)).second);
        CHECK(seen.insert(hex(pair.secret_key.bytes())).second);

        // Their Z85 forms round-trip through the parsers.
        const std::string public_z85 = zmtp::to_z85(pair.public_key);
        CHECK(public_z85.size() == 40);
        CHECK(hex(zmtp::parse_curve_public_key(public_z85)) == hex(pair.public_key));
        CHECK(zmtp::parse_curve_secret_key(zmtp::z85_encode(pair.secret_key.bytes())) ==
              pair.secret_key);
    }
}

TEST_CASE("curve keys: a moved-from secret key reads as zeros")
{
    const curve_secret_key original = secret_of(test_keys[0].public_hex); // any 32 bytes
    const std::string original_hex = hex(original.bytes());

    SUBCASE("move construction")
    {
        curve_secret_key from = original;
        const curve_secret_key to(std::move(from));
        CHECK(hex(to.bytes()) == original_hex);
        CHECK(all_zero(from.bytes())); // NOLINT(bugprone-use-after-move): the point of the test
    }
    SUBCASE("move assignment")
    {
        curve_secret_key from = original;
        curve_secret_key to = secret_of(test_keys[1].public_hex);
        to = std::move(from);
        CHECK(hex(to.bytes()) == original_hex);
        CHECK(all_zero(from.bytes())); // NOLINT(bugprone-use-after-move)
    }
    SUBCASE("self move assignment keeps the key")
    {
        curve_secret_key key = original;
        curve_secret_key& alias = key;
        key = std::move(alias);
        CHECK(hex(key.bytes()) == original_hex);
    }
    SUBCASE("a key pair moved from")
    {
        curve_key_pair pair = zmtp::curve_keypair();
        const curve_key_pair taken = std::move(pair);
        CHECK(all_zero(pair.secret_key.bytes())); // NOLINT(bugprone-use-after-move)
        CHECK(hex(zmtp::curve_public(taken.secret_key)) == hex(taken.public_key));
    }
}

TEST_CASE("curve keys: copies are equal and independent")
{
    const curve_secret_key a = zmtp::curve_keypair().secret_key;
    curve_secret_key b = a;
    CHECK(b == a);
    CHECK(hex(b.bytes()) == hex(a.bytes()));

    curve_secret_key c;
    CHECK(c != a);
    c = a;
    CHECK(c == a);

    // Assigning another key over a copy leaves the original alone.
    b = zmtp::curve_keypair().secret_key;
    CHECK(b != a);
    CHECK(c == a);

    // Keys differing in one bit anywhere compare unequal.
    for (std::size_t i = 0; i < 32; ++i) {
        std::array<std::byte, 32> flipped;
        std::copy(a.bytes().begin(), a.bytes().end(), flipped.begin());
        flipped[i] ^= std::byte{0x01};
        CHECK(curve_secret_key(flipped) != a);
    }
}
