// Z85 into caller-provided buffers (internal): what zmtp/z85.hpp's functions wrap, and
// what src/curve_key.cpp uses so that a secret key's bytes only ever sit in memory it wipes.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace zmtp::detail {

/// Why Z85 text was refused, and the offset in the text where (0 for bad_length).
struct z85_problem {
    enum class kind { none, bad_length, bad_character, group_overflow };
    kind what = kind::none;
    std::size_t offset = 0;

    explicit operator bool() const noexcept { return what != kind::none; }
};

/// Writes the Z85 text of `data` into `out`. Preconditions: data.size() % 4 == 0 and
/// out.size() == data.size() / 4 * 5.
void z85_encode_into(std::span<const std::byte> data, std::span<char> out) noexcept;

/// Decodes `text` into `out` (out.size() == text.size() / 5 * 4 when the length is valid).
/// On a problem, `out` may hold the groups before it: a caller holding secrets wipes it.
z85_problem z85_decode_into(std::string_view text, std::span<std::byte> out) noexcept;

/// A one-line description of `problem` in `text`, e.g. "character 0x80 at offset 12 is not
/// in the Z85 alphabet".
std::string describe(z85_problem problem, std::string_view text);

} // namespace zmtp::detail
