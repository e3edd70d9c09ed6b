// A zmtp::message as a vector of strings, one a frame, for easy comparison in checks.
#pragma once

#include "zmtp/message.hpp"

#include <string>
#include <vector>

namespace zmtp_test {

using strings = std::vector<std::string>;

/// The frames of `m` as strings.
inline strings parts(const zmtp::message& m)
{
    strings out;
    for (const zmtp::frame& f : m)
        out.push_back(f.to_string());
    return out;
}

} // namespace zmtp_test
