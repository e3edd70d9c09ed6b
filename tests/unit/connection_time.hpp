// The time the wire::connection tests start their connections at. A connection reads no
// clock (every call takes `now`), so the clock's epoch will do; later times are t0 + d.
#pragma once

#include "zmtp/wire/connection.hpp"

namespace zmtp_test {

/// Time zero of a test's connections.
inline constexpr zmtp::wire::connection::time_point t0{};

} // namespace zmtp_test
