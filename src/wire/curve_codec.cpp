#include "curve_codec.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace zmtp::wire::curve {
namespace {

static_assert(key_size == crypto_box_PUBLICKEYBYTES && key_size == crypto_box_SECRETKEYBYTES);
static_assert(key_size == crypto_box_BEFORENMBYTES);
static_assert(box_overhead == crypto_box_MACBYTES);
static_assert(nonce_size == crypto_box_NONCEBYTES);

unsigned char* u(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }
const unsigned char* u(const std::byte* p) noexcept { return reinterpret_cast<const unsigned char*>(p); }

nonce with_prefix(std::string_view prefix) noexcept
{
    nonce n{};
    std::transform(prefix.begin(), prefix.end(), n.begin(), [](char c) { return static_cast<std::byte>(c); });
    return n;
}

} // namespace

void initialize()
{
    // Thread-safe once per process; later calls cost nothing.
    static const int result = sodium_init();
    if (result < 0)
        throw std::runtime_error("zmtp: libsodium cannot be initialised");
}

void wipe(std::span<std::byte> bytes) noexcept
{
    sodium_memzero(bytes.data(), bytes.size());
}

bool equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
{
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

nonce short_nonce(std::string_view prefix, std::uint64_t counter) noexcept
{
    nonce n = with_prefix(prefix.substr(0, nonce_size - counter_size));
    detail::store_big_endian(n.data() + nonce_size - counter_size, counter, counter_size);
    return n;
}

nonce long_nonce(std::string_view prefix, std::span<const std::byte, long_nonce_size> random) noexcept
{
    nonce n = with_prefix(prefix.substr(0, nonce_size - long_nonce_size));
    std::copy(random.begin(), random.end(), n.end() - long_nonce_size);
    return n;
}

void make_key_pair(const random_source& random, public_key& pub, secret_key& sec)
{
    random(sec.bytes());
    // Any 32 bytes are a Curve25519 secret (the scalar is clamped when used).
    crypto_scalarmult_base(u(pub.data()), u(sec.bytes().data()));
}

bool seal_box(std::span<std::byte> out, std::span<const std::byte> plain, const nonce& n,
              std::span<const std::byte, key_size> theirs, const secret_key& ours) noexcept
{
    return crypto_box_easy(u(out.data()), u(plain.data()), plain.size(), u(n.data()), u(theirs.data()),
                           u(ours.bytes().data()))
        == 0;
}

bool open_box(std::span<std::byte> out, std::span<const std::byte> box, const nonce& n,
              std::span<const std::byte, key_size> theirs, const secret_key& ours) noexcept
{
    return box.size() >= box_overhead
        && crypto_box_open_easy(u(out.data()), u(box.data()), box.size(), u(n.data()), u(theirs.data()),
                                u(ours.bytes().data()))
        == 0;
}

bool precompute(secret_key& shared, std::span<const std::byte, key_size> theirs, const secret_key& ours) noexcept
{
    return crypto_box_beforenm(u(shared.bytes().data()), u(theirs.data()), u(ours.bytes().data())) == 0;
}

void seal_shared(std::span<std::byte> out, std::span<const std::byte> plain, const nonce& n,
                 const secret_key& key) noexcept
{
    crypto_box_easy_afternm(u(out.data()), u(plain.data()), plain.size(), u(n.data()), u(key.bytes().data()));
}

bool open_shared(std::span<std::byte> out, std::span<const std::byte> box, const nonce& n,
                 const secret_key& key) noexcept
{
    return box.size() >= box_overhead
        && crypto_box_open_easy_afternm(u(out.data()), u(box.data()), box.size(), u(n.data()), u(key.bytes().data()))
        == 0;
}

void derive_prefix_key(secret_key& out, const secret_key& key, std::string_view prefix) noexcept
{
    const nonce n = short_nonce(prefix, 0); // the first 16 bytes are the prefix
    crypto_core_hsalsa20(u(out.bytes().data()), u(n.data()), u(key.bytes().data()), nullptr);
}

namespace {

/// The first Salsa20 block of a box: its first 32 bytes are the Poly1305 key, the other
/// 32 encrypt the first 32 bytes of the plaintext (crypto_secretbox's layout).
constexpr std::size_t salsa_block = 64;
constexpr std::size_t poly_key_size = 32;

std::array<unsigned char, crypto_stream_salsa20_NONCEBYTES> counter_nonce(std::uint64_t counter) noexcept
{
    std::array<unsigned char, crypto_stream_salsa20_NONCEBYTES> n{};
    detail::store_big_endian(reinterpret_cast<std::byte*>(n.data()), counter, counter_size);
    return n;
}

} // namespace

void seal_with_prefix_key(std::span<std::byte> out, std::span<const std::byte> plain, std::uint64_t counter,
                          const secret_key& prefix_key) noexcept
{
    const auto n = counter_nonce(counter);
    const unsigned char* k = u(prefix_key.bytes().data());
    unsigned char* const cipher = u(out.data() + box_overhead);
    const std::size_t head = std::min(plain.size(), salsa_block - poly_key_size);
    std::array<unsigned char, salsa_block> block{};
    std::memcpy(block.data() + poly_key_size, plain.data(), head); // before `cipher` (maybe plain) changes
    crypto_stream_salsa20_xor(block.data(), block.data(), poly_key_size + head, n.data(), k);
    if (plain.size() > head)
        crypto_stream_salsa20_xor_ic(cipher + head, u(plain.data()) + head, plain.size() - head, n.data(), 1, k);
    std::memcpy(cipher, block.data() + poly_key_size, head);
    crypto_onetimeauth_poly1305(u(out.data()), cipher, plain.size(), block.data());
    sodium_memzero(block.data(), block.size());
}

bool open_with_prefix_key(std::span<std::byte> out, std::span<const std::byte> box, std::uint64_t counter,
                          const secret_key& prefix_key) noexcept
{
    if (box.size() < box_overhead)
        return false;
    const auto n = counter_nonce(counter);
    const unsigned char* k = u(prefix_key.bytes().data());
    const unsigned char* const cipher = u(box.data()) + box_overhead;
    const std::size_t size = box.size() - box_overhead;
    std::array<unsigned char, salsa_block> block{};
    crypto_stream_salsa20(block.data(), block.size(), n.data(), k);
    if (crypto_onetimeauth_poly1305_verify(u(box.data()), cipher, size, block.data()) != 0) {
        sodium_memzero(block.data(), block.size());
        return false;
    }
    const std::size_t head = std::min(size, salsa_block - poly_key_size);
    unsigned char* const plain = u(out.data());
    for (std::size_t i = 0; i < head; ++i)
        plain[i] = cipher[i] ^ block[poly_key_size + i];
    if (size > head)
        crypto_stream_salsa20_xor_ic(plain + head, cipher + head, size - head, n.data(), 1, k);
    sodium_memzero(block.data(), block.size());
    return true;
}

std::vector<std::byte> new_command(std::string_view name, std::size_t size)
{
    std::vector<std::byte> body(size);
    body[0] = static_cast<std::byte>(name.size());
    std::transform(name.begin(), name.end(), body.begin() + 1, [](char c) { return static_cast<std::byte>(c); });
    return body;
}

void queue_command(output_queue& out, std::span<const std::byte> body)
{
    std::byte header[max_frame_header_size];
    out.append({header, encode_frame_header(header, body.size(), false, true)});
    out.append(body);
}

std::size_t body_size(const command& cmd) noexcept
{
    return 1 + cmd.name.size() + cmd.data.size();
}

std::span<const std::byte> field(const command& cmd, std::size_t offset, std::size_t size) noexcept
{
    return cmd.data.subspan(offset - 1 - cmd.name.size(), size);
}

std::uint64_t counter_at(const command& cmd, std::size_t offset) noexcept
{
    return detail::load_big_endian(field(cmd, offset, counter_size).data(), counter_size);
}

} // namespace zmtp::wire::curve
