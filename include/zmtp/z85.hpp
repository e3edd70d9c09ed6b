// Z85 (ZeroMQ RFC 32): binary data as printable text, 4 bytes to 5 characters. The form
// in which CURVE keys are written in configuration files and on command lines.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp {

/// Encodes `data` as Z85 text: each 4 bytes (read big-endian) become 5 characters of the
/// alphabet `0-9a-zA-Z.-:+=^!/*?&<>()[]{}@%$#`, so the text is data.size() / 4 * 5
/// characters long. For example the bytes 86 4F D2 6F B5 59 F7 5B encode as "HelloWorld".
/// Throws std::system_error with errc::invalid_argument if data.size() is not a multiple
/// of 4 (RFC 32 has no padding), std::bad_alloc if the text cannot be allocated.
std::string z85_encode(std::span<const std::byte> data);

/// As above; a size not a multiple of 4 sets `ec` to errc::invalid_argument and returns an
/// empty string. On success `ec` is cleared.
std::string z85_encode(std::span<const std::byte> data, std::error_code& ec);

/// Decodes Z85 text into text.size() / 5 * 4 bytes. Refuses (std::system_error with
/// errc::invalid_argument; what() says which and where) a length not a multiple of 5, a
/// character outside the Z85 alphabet (including NUL, spaces, `"`, `'`, `,`, `;`, `\`,
/// `_`, `` ` ``, `|`, `~` and any byte of 0x80 and above), and a 5-character group whose
/// value exceeds 0xFFFFFFFF (the largest valid group is "%nSc0"), so that every text
/// accepted is exactly z85_encode() of its result. Throws std::bad_alloc if the bytes
/// cannot be allocated.
std::vector<std::byte> z85_decode(std::string_view text);

/// As above; text it refuses sets `ec` to errc::invalid_argument and returns no bytes. On
/// success `ec` is cleared.
std::vector<std::byte> z85_decode(std::string_view text, std::error_code& ec);

} // namespace zmtp
