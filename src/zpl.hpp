// ZPL (ZeroMQ RFC 4, the ZeroMQ Property Language): the text format of CURVE certificate
// files. Sans-I/O: text in, properties out.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp::detail {

/// One property of a ZPL text: its path (the names of its parents and its own, joined by
/// '/': "curve/public-key") and its value (empty when the line has none).
struct zpl_property {
    std::string path;
    std::string value;
};

/// Parses ZPL text into its properties, in order. Per RFC 4: a line ends at LF, CR or CR
/// LF; text from '#' on is a comment (outside a quoted value); a child is indented 4
/// spaces more than its parent; names are [A-Za-z0-9$-_@.&+/]; `name = value`, where a
/// value wholly enclosed in single or double quotes loses them, and a value's trailing
/// whitespace is dropped. Refuses (errc::invalid_argument, `why` saying which line and
/// what; `out` unchanged) an indentation that is not a multiple of 4 spaces or deeper
/// than one level below the previous property, a tab in the indentation, an empty name, a
/// character not allowed in a name, and text after a name other than `= value`.
std::error_code parse_zpl(std::string_view text, std::vector<zpl_property>& out, std::string& why);

} // namespace zmtp::detail
