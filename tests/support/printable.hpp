// Bytes made printable for test diagnostics (routing ids and message bodies are binary).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace zmtp_test {

/// `bytes` with non-printable characters (and backslash) escaped as \xNN; long strings are
/// abbreviated to their size and first bytes.
inline std::string escape(std::string_view bytes)
{
    std::string out;
    const std::size_t shown = bytes.size() > 64 ? 32 : bytes.size();
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (shown != bytes.size())
        out += "...(" + std::to_string(bytes.size()) + " bytes)";
    return out;
}

} // namespace zmtp_test
