#include "zmtp/curve_key.hpp"

#include "z85_codec.hpp"
#include "zmtp/error.hpp"

#include <sodium.h>

#include <cstring>

namespace zmtp {
namespace {

/// Bytes of a key's Z85 text.
constexpr std::size_t z85_key_size = curve_key_size / 4 * 5;

static_assert(crypto_box_PUBLICKEYBYTES == curve_key_size);
static_assert(crypto_box_SECRETKEYBYTES == curve_key_size);
static_assert(crypto_scalarmult_BYTES == curve_key_size);
static_assert(crypto_scalarmult_SCALARBYTES == curve_key_size);

/// Initialises libsodium once per process, whichever thread comes first (it picks its
/// implementations and opens its randomness source); throws if it cannot.
void ensure_sodium(const char* what)
{
    static const bool ready = sodium_init() >= 0; // 0: now ready, 1: it already was
    if (!ready)
        throw std::system_error(errc::not_supported,
                                std::string(what) + ": libsodium could not be initialised");
}

/// A key's bytes as libsodium takes them: to write...
unsigned char* writable(std::array<std::byte, curve_key_size>& key) noexcept
{
    return reinterpret_cast<unsigned char*>(key.data());
}

/// ... and to read.
const unsigned char* readable(std::span<const std::byte, curve_key_size> key) noexcept
{
    return reinterpret_cast<const unsigned char*>(key.data());
}

/// Wipes a buffer that held secret bytes when it goes out of scope.
class scoped_wipe {
public:
    explicit scoped_wipe(std::span<std::byte> bytes) noexcept : bytes_(bytes) {}
    scoped_wipe(const scoped_wipe&) = delete;
    scoped_wipe& operator=(const scoped_wipe&) = delete;
    ~scoped_wipe() { sodium_memzero(bytes_.data(), bytes_.size()); }

private:
    std::span<std::byte> bytes_;
};

/// Fills `key` from 32 raw bytes or 40 Z85 characters; on failure returns
/// errc::invalid_argument and sets `why` (when wanted). `key` may then hold part of it.
std::error_code read_key(std::string_view text, std::span<std::byte, curve_key_size> key,
                         std::string* why)
{
    if (text.size() == curve_key_size) {
        std::memcpy(key.data(), text.data(), curve_key_size);
        return {};
    }
    if (text.size() != z85_key_size) {
        if (why)
            *why = "a key is 32 bytes or 40 Z85 characters, not " + std::to_string(text.size());
        return errc::invalid_argument;
    }
    if (const detail::z85_problem problem = detail::z85_decode_into(text, key)) {
        if (why)
            *why = "not a Z85 key: " + detail::describe(problem, text);
        return errc::invalid_argument;
    }
    return {};
}

curve_public_key parse_public(std::string_view text, std::error_code& ec, std::string* why)
{
    curve_public_key key{};
    ec = read_key(text, key, why);
    if (ec)
        key.fill(std::byte{0});
    return key;
}

curve_secret_key parse_secret(std::string_view text, std::error_code& ec, std::string* why)
{
    std::array<std::byte, curve_key_size> buffer{};
    const scoped_wipe wipe(buffer);
    ec = read_key(text, buffer, why);
    return ec ? curve_secret_key() : curve_secret_key(buffer);
}

/// Runs `parse` (parse_public or parse_secret) on `text`; throws what it refuses, with why.
template <class Key>
Key parse_or_throw(Key (*parse)(std::string_view, std::error_code&, std::string*),
                   std::string_view text, const char* what)
{
    std::error_code ec;
    std::string why;
    Key key = parse(text, ec, &why);
    if (ec)
        throw std::system_error(ec, std::string(what) + ": " + why);
    return key;
}

} // namespace

curve_secret_key::curve_secret_key(std::span<const std::byte, curve_key_size> bytes) noexcept
{
    std::memcpy(bytes_.data(), bytes.data(), curve_key_size);
}

curve_secret_key::curve_secret_key(const curve_secret_key& other) noexcept : bytes_(other.bytes_) {}

curve_secret_key::curve_secret_key(curve_secret_key&& other) noexcept : bytes_(other.bytes_)
{
    sodium_memzero(other.bytes_.data(), curve_key_size);
}

curve_secret_key& curve_secret_key::operator=(const curve_secret_key& other) noexcept
{
    bytes_ = other.bytes_;
    return *this;
}

curve_secret_key& curve_secret_key::operator=(curve_secret_key&& other) noexcept
{
    if (this != &other) {
        bytes_ = other.bytes_;
        sodium_memzero(other.bytes_.data(), curve_key_size);
    }
    return *this;
}

curve_secret_key::~curve_secret_key()
{
    sodium_memzero(bytes_.data(), curve_key_size);
}

bool operator==(const curve_secret_key& a, const curve_secret_key& b) noexcept
{
    return sodium_memcmp(a.bytes_.data(), b.bytes_.data(), curve_key_size) == 0;
}

curve_key_pair curve_keypair()
{
    ensure_sodium("zmtp::curve_keypair");
    curve_public_key public_key;
    std::array<std::byte, curve_key_size> secret;
    const scoped_wipe wipe(secret);
    crypto_box_keypair(writable(public_key), writable(secret)); // always 0
    return {public_key, curve_secret_key(secret)};
}

curve_public_key curve_public(const curve_secret_key& secret)
{
    ensure_sodium("zmtp::curve_public");
    curve_public_key public_key;
    if (crypto_scalarmult_base(writable(public_key), readable(secret.bytes())) != 0)
        throw std::system_error(errc::invalid_argument,
                                "zmtp::curve_public: no public key for this secret key");
    return public_key;
}

curve_public_key parse_curve_public_key(std::string_view text, std::error_code& ec)
{
    return parse_public(text, ec, nullptr);
}

curve_public_key parse_curve_public_key(std::string_view text)
{
    return parse_or_throw(parse_public, text, "zmtp::parse_curve_public_key");
}

curve_secret_key parse_curve_secret_key(std::string_view text, std::error_code& ec)
{
    return parse_secret(text, ec, nullptr);
}

curve_secret_key parse_curve_secret_key(std::string_view text)
{
    return parse_or_throw(parse_secret, text, "zmtp::parse_curve_secret_key");
}

std::string to_z85(const curve_public_key& key)
{
    std::string text(z85_key_size, '\0');
    detail::z85_encode_into(key, text);
    return text;
}

} // namespace zmtp
