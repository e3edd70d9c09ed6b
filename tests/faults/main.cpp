// The fault tests' main: doctest, or one of the child processes the tests start by running
// this executable again as `--fault-child ROLE ARGS...`:
//
//   partial PORT VARIANT IDENTITY  a raw DEALER that completes a ZMTP handshake with the
//                                   ROUTER on 127.0.0.1:PORT, sends the partial message
//                                   VARIANT (see partial_message()), prints "ready" and waits
//                                   to be killed;
//   router-sink ENDPOINT            a zmtp ROUTER bound on ENDPOINT that prints "bound EP",
//                                   then the body of every message it receives, one a line.
//
// Children exit on their own after a minute at most (alarm), should the parent forget them.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "fault_support.hpp"
#include "zmtp/context.hpp"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string_view>

namespace {

/// Counts the test cases that ran, so that a ctest test whose --test-case filter matches
/// nothing (a renamed case, a name ctest mangled) fails instead of passing vacuously.
std::atomic<int> test_cases_started{0};

struct started_counter : doctest::IReporter {
    explicit started_counter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { ++test_cases_started; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
DOCTEST_REGISTER_LISTENER("started_counter", 1, started_counter);

int run_partial(int port, const std::string& variant, const std::string& identity)
{
    faults::raw_peer peer;
    peer.connect(port);
    peer.handshake("DEALER", identity);
    peer.send_bytes(faults::partial_message(variant));
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;)
        ::pause(); // until SIGKILL
}

int run_router_sink(const std::string& endpoint)
{
    zmtp::context ctx;
    zmtp::socket router(ctx, zmtp::socket_type::router,
                        faults::test_options({.linger = std::chrono::milliseconds(0), .receive_timeout = std::chrono::milliseconds(100)}));
    std::error_code ec;
    // The port of a killed predecessor can take a moment to be free again.
    faults::eventually([&] {
        router.bind(endpoint, ec);
        return !ec;
    });
    if (ec) {
        std::printf("bind failed %s\n", ec.message().c_str());
        return 1;
    }
    std::printf("bound %s\n", router.last_endpoint().c_str());
    std::fflush(stdout);
    for (;;) {
        zmtp::message m = router.receive(zmtp::recv_flags::none, ec);
        if (ec == zmtp::errc::would_block)
            continue;
        if (ec)
            return 1;
        std::string line = m.size() >= 2 ? m[1].to_string() : std::string("?");
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    }
}

int run_child(int argc, char** argv)
{
    ::alarm(60);
    const std::string_view role = argc > 0 ? argv[0] : "";
    try {
        if (role == "partial" && argc == 4)
            return run_partial(std::stoi(argv[1]), argv[2], argv[3]);
        if (role == "router-sink" && argc == 2)
            return run_router_sink(argv[1]);
    } catch (const std::exception& e) {
        std::printf("error %s\n", e.what());
        return 1;
    }
    std::printf("error: unknown child role\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && std::string_view(argv[1]) == "--fault-child")
        return run_child(argc - 2, argv + 2);
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (context.shouldExit()) // --list-test-cases and other queries
        return result;
    if (test_cases_started == 0) {
        std::fprintf(stderr, "zmtp_fault_tests: no test case matched the filters\n");
        return 1;
    }
    return result;
}
