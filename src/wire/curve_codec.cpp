#include "curve_codec.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <sodium.h>

#include <algorithm>
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
