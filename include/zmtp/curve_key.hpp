// CURVE keys (ZeroMQ RFC 26, zmq_curve(7)): Curve25519 key pairs, a secret key type that
// wipes itself, and the key forms libzmq's options accept (32 bytes, or 40 Z85 characters).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace zmtp {

/// Bytes in a CURVE (Curve25519) public or secret key.
inline constexpr std::size_t curve_key_size = 32;

/// A CURVE long-term public key: 32 bytes, shareable in the open (to_z85() for its text).
using curve_public_key = std::array<std::byte, curve_key_size>;

/// A CURVE secret key: 32 bytes that never outlive the object holding them.
///
/// The destructor wipes the bytes (sodium_memzero, which the compiler may not skip). A
/// copy is another such object, wiped in turn. Moving copies the bytes and wipes the
/// source, so a moved-from key reads as 32 zero bytes; assignment overwrites the old key.
/// Equality compares in constant time (sodium_memcmp), so a comparison does not reveal
/// where two keys differ.
///
/// The bytes sit inside the object (no heap), unlocked: they may reach swap or a core dump
/// like any other memory of the process.
class curve_secret_key {
public:
    /// An all-zero key (no key): a placeholder to assign a real one to.
    curve_secret_key() noexcept = default;
    /// A key holding a copy of `bytes`; the caller wipes its own copy if it needs to.
    explicit curve_secret_key(std::span<const std::byte, curve_key_size> bytes) noexcept;

    /// Another key holding the same bytes (wiped when it goes, like this one).
    curve_secret_key(const curve_secret_key& other) noexcept;
    /// Takes other's bytes and wipes other's.
    curve_secret_key(curve_secret_key&& other) noexcept;
    /// Overwrites this key's bytes with other's.
    curve_secret_key& operator=(const curve_secret_key& other) noexcept;
    /// Takes other's bytes and wipes other's (self-assignment keeps the key).
    curve_secret_key& operator=(curve_secret_key&& other) noexcept;
    /// Wipes the bytes.
    ~curve_secret_key();

    /// The key's 32 bytes, valid while this object lives and is not assigned to.
    std::span<const std::byte, curve_key_size> bytes() const noexcept { return bytes_; }

    /// Constant-time comparison of the two keys' bytes.
    friend bool operator==(const curve_secret_key& a, const curve_secret_key& b) noexcept;

private:
    std::array<std::byte, curve_key_size> bytes_{};
};

/// A CURVE long-term key pair: the public key and the secret key it belongs to.
struct curve_key_pair {
    curve_public_key public_key{};
    curve_secret_key secret_key;
};

/// A new random key pair (libsodium's crypto_box_keypair), as zmq_curve_keypair makes.
/// Throws std::system_error (errc::not_supported) if libsodium cannot be initialised (it
/// found no source of randomness).
curve_key_pair curve_keypair();

/// The public key of `secret` (X25519 of the base point: crypto_scalarmult_base), as
/// zmq_curve_public derives it. Throws as curve_keypair() does.
curve_public_key curve_public(const curve_secret_key& secret);

/// A public key given the way libzmq's ZMQ_CURVE_PUBLICKEY and ZMQ_CURVE_SERVERKEY
/// options take it: `text` is the 32 key bytes, or their 40-character Z85 text (as
/// to_z85() writes). Anything else throws std::system_error with errc::invalid_argument;
/// what() says why. (libzmq's C API passes Z85 with its terminating NUL, 41 bytes: a caller
/// coming from there drops the NUL first.)
curve_public_key parse_curve_public_key(std::string_view text);

/// As above; a text it refuses sets `ec` to errc::invalid_argument and returns all zeros.
/// On success `ec` is cleared.
curve_public_key parse_curve_public_key(std::string_view text, std::error_code& ec);

/// A secret key given the way libzmq's ZMQ_CURVE_SECRETKEY option takes it: 32 bytes, or
/// 40 Z85 characters. The decoded bytes pass through no memory but the key's own and a
/// buffer that is wiped. Errors as parse_curve_public_key(); what() never quotes the text.
curve_secret_key parse_curve_secret_key(std::string_view text);

/// As above; a text it refuses sets `ec` to errc::invalid_argument and returns an all-zero
/// key. On success `ec` is cleared.
curve_secret_key parse_curve_secret_key(std::string_view text, std::error_code& ec);

/// The 40-character Z85 text of a public key, as zmq_curve_keypair writes it.
std::string to_z85(const curve_public_key& key);

} // namespace zmtp
