// Socket options for tests: every blocking call has a timeout, so a broken peer makes a
// test fail instead of hang.
#pragma once

#include "zmtp/options.hpp"

#include <chrono>

namespace zmtp_test {

/// `o` with a 5 s receive and send timeout where it has none.
inline zmtp::socket_options test_options(zmtp::socket_options o = {})
{
    using namespace std::chrono_literals;
    if (!o.receive_timeout)
        o.receive_timeout = 5s;
    if (!o.send_timeout)
        o.send_timeout = 5s;
    return o;
}

} // namespace zmtp_test
