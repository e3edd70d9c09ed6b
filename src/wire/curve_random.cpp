// The system's side of CURVE: randomness and wiping, from libsodium.
#include "zmtp/wire/curve_mechanism.hpp"

#include <sodium.h>

namespace zmtp::wire {

random_source system_random()
{
    return [](std::span<std::byte> out) { randombytes_buf(out.data(), out.size()); };
}

void secure_wipe(std::array<std::byte, 32>& key) noexcept
{
    sodium_memzero(key.data(), key.size());
}

} // namespace zmtp::wire
