// Helpers shared by the zmtp fuzz targets: a checking macro that traps (so libFuzzer
// reports the input), and a deterministic chunker that cuts an input into pieces.
// Not a fuzz target itself (only fuzz/fuzz_*.cpp files become targets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

/// Checks an invariant; on violation prints where and traps, so that libFuzzer saves the
/// input as a crash. Active in every build type (not tied to NDEBUG).
#define ZMTP_FUZZ_CHECK(cond)                                                                    \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "zmtp fuzz invariant violated: %s (%s:%d)\n", #cond, __FILE__, \
                         __LINE__);                                                              \
            __builtin_trap();                                                                    \
        }                                                                                        \
    } while (0)

namespace zmtp_fuzz {

/// The fuzz input as bytes.
inline std::span<const std::byte> as_bytes(const std::uint8_t* data, std::size_t size) noexcept
{
    return {reinterpret_cast<const std::byte*>(data), size};
}

/// The characters of a byte span, for comparisons.
inline std::string to_string(std::span<const std::byte> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// The first two bytes as a big-endian number; a single byte as itself; 0 for none.
inline std::size_t be16(std::span<const std::byte> d) noexcept
{
    if (d.empty())
        return 0;
    return d.size() >= 2 ? (static_cast<std::size_t>(d[0]) << 8) | static_cast<std::size_t>(d[1])
                         : static_cast<std::size_t>(d[0]);
}

/// Cuts an input into consecutive pieces according to a one-byte pattern:
///   pattern % 8 == 0: the whole input in one piece
///   pattern % 8 == 1: one byte at a time
///   pattern % 8 == 2: two bytes at a time
///   pattern % 8 == 3: 10, 1, 53 bytes (the way libzmq paces its greeting), then the rest
///   otherwise       : pseudo-random pieces of 1..(pattern / 8 + 1) bytes, from a xorshift
///                     generator seeded by the pattern
/// Bit 7 is left to the target (e.g. to choose limits), so only bits 0..6 matter here.
class chunker {
public:
    static chunker whole() noexcept { return chunker(0); }
    static chunker bytewise() noexcept { return chunker(1); }

    explicit chunker(std::uint8_t pattern) noexcept
        : kind_(pattern % 8), max_piece_((pattern & 0x7F) / 8 + 1), state_(0x9E3779B9u ^ pattern)
    {
    }

    /// Length of the next piece, 1..remaining (remaining > 0).
    std::size_t next(std::size_t remaining) noexcept
    {
        std::size_t len = remaining;
        switch (kind_) {
        case 0: break;
        case 1: len = 1; break;
        case 2: len = 2; break;
        case 3: {
            static constexpr std::size_t plan[] = {10, 1, 53};
            len = step_ < 3 ? plan[step_] : remaining;
            ++step_;
            break;
        }
        default: {
            state_ ^= state_ << 13;
            state_ ^= state_ >> 17;
            state_ ^= state_ << 5;
            len = 1 + state_ % max_piece_;
            break;
        }
        }
        return len < remaining ? len : remaining;
    }

private:
    unsigned kind_;
    std::uint32_t max_piece_;
    std::uint32_t state_;
    unsigned step_ = 0;
};

} // namespace zmtp_fuzz
