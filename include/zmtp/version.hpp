// zmtp library version (keep in sync with project(VERSION) in CMakeLists.txt; the
// install_consumer test checks that version_string() matches it).
#pragma once

#include <string_view>

namespace zmtp {

inline constexpr int version_major = 0;
inline constexpr int version_minor = 1;
inline constexpr int version_patch = 0;

/// The library version as "major.minor.patch", e.g. "0.1.0".
std::string_view version_string() noexcept;

} // namespace zmtp
