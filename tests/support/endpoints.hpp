// Fresh endpoints for tests to bind: unique per process and call, so test cases (and test
// processes run in parallel) never share one.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

namespace zmtp_test {

/// A fresh ipc endpoint under /tmp (nobody listens there until a test binds it).
inline std::string unique_ipc()
{
    static std::atomic<int> counter{0};
    return "ipc:///tmp/zmtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ipc";
}

/// A fresh inproc name.
inline std::string unique_inproc()
{
    static std::atomic<int> counter{0};
    return "inproc://zmtp-test-" + std::to_string(counter++);
}

} // namespace zmtp_test
