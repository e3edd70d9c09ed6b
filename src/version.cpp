#include "zmtp/version.hpp"

namespace zmtp {

std::string_view version_string() noexcept
{
    return "0.1.0";
}

} // namespace zmtp
