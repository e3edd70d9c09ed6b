// CurveZMQ's building blocks (RFC 26) for the CURVE mechanism's files: command layouts,
// nonces, boxes, short-nonce counters and secrets that wipe themselves. Internal; only
// curve_codec.cpp includes libsodium.
#pragma once

#include "zmtp/wire/command.hpp"
#include "zmtp/wire/mechanism.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace zmtp::wire::curve {

/// Curve25519 keys, public or secret, are 32 bytes.
inline constexpr std::size_t key_size = 32;
/// A box is this much larger than what it holds (the Poly1305 tag, crypto_box_MACBYTES).
inline constexpr std::size_t box_overhead = 16;
inline constexpr std::size_t nonce_size = 24;
/// The random part of a long nonce; its prefix is 8 characters.
inline constexpr std::size_t long_nonce_size = 16;
/// A short nonce is an 8-byte big-endian counter after a 16-character prefix.
inline constexpr std::size_t counter_size = 8;

using public_key = std::array<std::byte, key_size>;
using nonce = std::array<std::byte, nonce_size>;

// Command layouts, offsets within the command body (its name-size byte is offset 0), as
// libzmq 4.3.4 sends them (ZMTP-FACTS-2 section 3; the RFC's prose is stale on HELLO's
// padding and MESSAGE's prefixes).
namespace hello {
inline constexpr std::size_t size = 200;
inline constexpr std::size_t version = 6;       // 01 00
inline constexpr std::size_t padding = 8;       // 72 zero bytes against amplification
inline constexpr std::size_t padding_size = 72;
inline constexpr std::size_t client_key = 80;   // C'
inline constexpr std::size_t counter = 112;
inline constexpr std::size_t box = 120;         // Box[64 zeros](C'->S)
inline constexpr std::size_t signature_size = 64;
inline constexpr std::string_view prefix = "CurveZMQHELLO---";
} // namespace hello
namespace welcome {
inline constexpr std::size_t size = 168;
inline constexpr std::size_t nonce = 8;         // 16 random bytes
inline constexpr std::size_t box = 24;          // Box[S' + cookie](S->C')
inline constexpr std::string_view prefix = "WELCOME-";
} // namespace welcome
namespace cookie {
inline constexpr std::size_t size = 96;         // 16 random bytes + Box[C' + s'](K)
inline constexpr std::string_view prefix = "COOKIE--";
} // namespace cookie
namespace initiate {
inline constexpr std::size_t min_size = 257;
inline constexpr std::size_t cookie = 9;
inline constexpr std::size_t counter = 105;
inline constexpr std::size_t box = 113;         // Box[C + vouch + metadata](C'->S')
inline constexpr std::string_view prefix = "CurveZMQINITIATE";
} // namespace initiate
namespace vouch {
inline constexpr std::size_t size = 96;         // 16 random bytes + Box[C' + S](C->S')
inline constexpr std::string_view prefix = "VOUCH---";
} // namespace vouch
namespace ready {
inline constexpr std::size_t min_size = 30;
inline constexpr std::size_t counter = 6;
inline constexpr std::size_t box = 14;          // Box[metadata](S'->C')
inline constexpr std::string_view prefix = "CurveZMQREADY---";
} // namespace ready
namespace message {
inline constexpr std::size_t min_size = 33;
inline constexpr std::size_t counter = 8;
inline constexpr std::size_t box = 16;          // Box[flags + data](C'->S' or S'->C')
inline constexpr std::size_t payload = box + box_overhead; // where the flags byte lands
inline constexpr std::string_view client_prefix = "CurveZMQMESSAGEC";
inline constexpr std::string_view server_prefix = "CurveZMQMESSAGES";
// Bits of the flags byte inside the box (libzmq's; RFC 26 names only MORE).
inline constexpr std::uint8_t more = 0x01;
inline constexpr std::uint8_t command = 0x02;
} // namespace message

/// Makes sure libsodium is initialised (once per process; thread-safe). Throws
/// std::runtime_error if it cannot be.
void initialize();

/// Overwrites `bytes` with zeros in a way the compiler cannot drop (sodium_memzero).
void wipe(std::span<std::byte> bytes) noexcept;

/// Constant-time comparison of two spans of the same size (sodium_memcmp); false if the
/// sizes differ.
bool equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

/// N secret bytes, wiped when they go. Not copyable: a secret has one home.
template <std::size_t N>
class secret {
public:
    secret() = default;
    secret(const secret&) = delete;
    secret& operator=(const secret&) = delete;
    ~secret() { wipe(bytes_); }

    std::span<std::byte, N> bytes() noexcept { return bytes_; }
    std::span<const std::byte, N> bytes() const noexcept { return bytes_; }
    void assign(std::span<const std::byte, N> from) noexcept { std::copy(from.begin(), from.end(), bytes_.begin()); }
    void clear() noexcept { wipe(bytes_); }

private:
    std::array<std::byte, N> bytes_{};
};
using secret_key = secret<key_size>;

/// A 24-byte nonce: a 16-character prefix and a big-endian counter (a short nonce).
nonce short_nonce(std::string_view prefix, std::uint64_t counter) noexcept;
/// A 24-byte nonce: an 8-character prefix and 16 bytes (a long nonce).
nonce long_nonce(std::string_view prefix, std::span<const std::byte, long_nonce_size> random) noexcept;

/// A fresh key pair whose secret is 32 bytes of `random`.
void make_key_pair(const random_source& random, public_key& pub, secret_key& sec);

/// Box[plain](ours -> theirs): writes plain.size() + box_overhead bytes to `out`
/// (crypto_box_easy). False only when `theirs` is a weak key (the shared secret is zero).
[[nodiscard]] bool seal_box(std::span<std::byte> out, std::span<const std::byte> plain, const nonce& n,
                            std::span<const std::byte, key_size> theirs, const secret_key& ours) noexcept;
/// Opens Box[...](theirs -> ours) into `out` (box.size() - box_overhead bytes). False
/// when it does not open: forged, tampered, another key or nonce (crypto_box_open_easy).
[[nodiscard]] bool open_box(std::span<std::byte> out, std::span<const std::byte> box, const nonce& n,
                            std::span<const std::byte, key_size> theirs, const secret_key& ours) noexcept;

/// The key a pair of peers shares (crypto_box_beforenm), for the boxes of a whole
/// connection. False when `theirs` is a weak key.
[[nodiscard]] bool precompute(secret_key& shared, std::span<const std::byte, key_size> theirs,
                              const secret_key& ours) noexcept;
/// A box under a symmetric key (crypto_box_easy_afternm): a precomputed pair's key, or
/// the cookie key (the RFC's secretbox is the same XSalsa20-Poly1305 under that key).
/// `out` and `plain` may overlap: out.data() + box_overhead == plain.data() encrypts in
/// place.
void seal_shared(std::span<std::byte> out, std::span<const std::byte> plain, const nonce& n,
                 const secret_key& key) noexcept;
/// Opens a box under a symmetric key (crypto_box_open_easy_afternm). `out` and `box` may
/// overlap: out.data() == box.data() + box_overhead decrypts in place.
[[nodiscard]] bool open_shared(std::span<std::byte> out, std::span<const std::byte> box, const nonce& n,
                               const secret_key& key) noexcept;

/// The key of every box under `key` whose nonce begins with `prefix` (16 characters):
/// XSalsa20 turns a 24-byte nonce into a Salsa20 key from its first 16 bytes (HSalsa20)
/// and a Salsa20 nonce from its last 8. One direction's MESSAGE nonces share their prefix
/// ("CurveZMQMESSAGEC" or "...S") and differ in the counter only, so this key, made once,
/// spares each MESSAGE the HSalsa20 of crypto_box_easy_afternm (a quarter of its cost).
void derive_prefix_key(secret_key& out, const secret_key& key, std::string_view prefix) noexcept;
/// The box seal_shared() makes under the original key with nonce prefix + counter (the
/// same bytes: XSalsa20-Poly1305), made with derive_prefix_key()'s key. Overlap as
/// seal_shared().
void seal_with_prefix_key(std::span<std::byte> out, std::span<const std::byte> plain, std::uint64_t counter,
                          const secret_key& prefix_key) noexcept;
/// Opens what seal_with_prefix_key() made (as open_shared() would under the original key
/// and the full nonce). Overlap as open_shared(); `out` is written only if the box opens.
[[nodiscard]] bool open_with_prefix_key(std::span<std::byte> out, std::span<const std::byte> box,
                                        std::uint64_t counter, const secret_key& prefix_key) noexcept;

/// The short nonces a peer sends: each must be above the last (RFC 26: a reused one is a
/// replay). The first may be anything, 0 included (as libzmq accepts).
class peer_counter {
public:
    /// True when `counter` may come next. Nothing changes until accept().
    bool allows(std::uint64_t counter) const noexcept { return !any_ || counter > last_; }
    /// Records `counter` (allows(counter) must hold) once its box has opened.
    void accept(std::uint64_t counter) noexcept
    {
        last_ = counter;
        any_ = true;
    }
    /// The last accepted counter (0 before any).
    std::uint64_t last() const noexcept { return last_; }

private:
    std::uint64_t last_ = 0;
    bool any_ = false;
};

/// A command body of `size` bytes (at least 1 + name.size()) starting with `name`, the
/// rest zero, for the mechanism to fill in place.
std::vector<std::byte> new_command(std::string_view name, std::size_t size);
/// Queues a command frame (header, then `body`).
void queue_command(output_queue& out, std::span<const std::byte> body);

/// The body of a command as sent: the name-size byte, the name, then data. Only for the
/// commands this mechanism encodes, whose names are under 256 characters.
std::size_t body_size(const command& cmd) noexcept;
/// The `size` bytes at `offset` of the command's body (offset past the name).
std::span<const std::byte> field(const command& cmd, std::size_t offset, std::size_t size) noexcept;
/// The counter at `offset` of the command's body.
std::uint64_t counter_at(const command& cmd, std::size_t offset) noexcept;

} // namespace zmtp::wire::curve
