// filer-req: load for the file service. C concurrent REQ clients send N requests in total
// and print how the replies spread over the worker pids. A client that hears nothing within
// the timeout closes its REQ socket, opens a new one and asks again (the "lazy pirate"
// pattern), so a worker dying mid-request costs a retry, not an answer.
// With --verify every reply is checked: its content must equal PATH's bytes (read once at
// start). A late reply to an abandoned attempt cannot be miscounted: each retry uses a new
// REQ socket, and a REQ socket only accepts the reply to its own request.
// --curve-server-key (CURVE) or --plain-user and --plain-password (PLAIN) talk to a secured
// filer-cluster (examples/filer_security.hpp).
#include "filer_protocol.hpp"
#include "filer_security.hpp"

#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace {

struct settings {
    std::string endpoint = "tcp://127.0.0.1:60401";
    int count = 1000;
    int clients = 4;
    std::chrono::milliseconds timeout{2500};
    int retries = 3;
    bool verify = false;
    std::string path;
    filer::security_options security;
    zmtp::socket_options socket{.linger = std::chrono::milliseconds(0)}; // made from `security`
};

bool parse(int argc, char** argv, settings& s)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--connect" && has_value)
            s.endpoint = argv[++i];
        else if (arg == "--count" && has_value)
            s.count = std::stoi(argv[++i]);
        else if (arg == "--clients" && has_value)
            s.clients = std::stoi(argv[++i]);
        else if (arg == "--timeout-ms" && has_value)
            s.timeout = std::chrono::milliseconds(std::stoi(argv[++i]));
        else if (arg == "--retries" && has_value)
            s.retries = std::stoi(argv[++i]);
        else if (has_value && s.security.take(arg, argv[i + 1]))
            ++i;
        else if (arg == "--verify")
            s.verify = true;
        else if (s.path.empty() && arg.rfind("--", 0) != 0)
            s.path = arg;
        else
            return false;
    }
    return !s.path.empty() && s.count >= 0 && s.clients > 0;
}

struct tally {
    int replies = 0;
    int errors = 0;
    int missing = 0;
    int retries = 0;
    int wrong = 0; // --verify: content differs from the file, or an error reply
    std::map<long long, int> per_pid;
};

std::unique_ptr<zmtp::socket> open_requester(asio::io_context& io, const settings& s)
{
    auto requester = std::make_unique<zmtp::socket>(io, zmtp::socket_type::req, s.socket);
    requester->connect(s.endpoint);
    return requester;
}

asio::awaitable<void> client(asio::io_context& io, const settings& s, const std::string& expected, int& remaining,
                             tally& t)
{
    const std::string request = filer::dump({{"path", s.path}});
    std::unique_ptr<zmtp::socket> requester = open_requester(io, s);
    while (remaining > 0) {
        --remaining;
        bool answered = false;
        for (int attempt = 0; attempt <= s.retries && !answered; ++attempt) {
            zmtp::message ask{request};
            co_await requester->async_send(std::move(ask), asio::use_awaitable);
            asio::steady_timer timer(io, s.timeout);
            auto outcome = co_await (requester->async_receive(asio::experimental::as_tuple(asio::use_awaitable))
                                     || timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
            if (outcome.index() == 0 && !std::get<0>(std::get<0>(outcome))) {
                const zmtp::message reply = std::get<1>(std::get<0>(outcome));
                const nlohmann::json j = nlohmann::json::parse(reply[0].view(), nullptr, false);
                ++t.replies;
                if (j.is_discarded() || j.contains("error"))
                    ++t.errors;
                if (s.verify && (j.is_discarded() || !j.contains("content") || j["content"] != expected))
                    ++t.wrong;
                if (!j.is_discarded() && j.contains("pid"))
                    ++t.per_pid[j["pid"].get<long long>()];
                answered = true;
            } else {
                ++t.retries; // no answer in time: a REQ cannot ask again, so start afresh
                requester = open_requester(io, s);
            }
        }
        if (!answered)
            ++t.missing;
    }
}

} // namespace

int main(int argc, char** argv)
{
    settings s;
    if (!parse(argc, argv, s)) {
        std::fprintf(stderr, "usage: filer-req [--connect EP] [--count N] [--clients C] [--timeout-ms T] "
                             "[--retries R] [--verify]\n"
                             "       [--curve-server-key Z85 [--curve-secret-key Z85] | --plain-user NAME "
                             "--plain-password PW] PATH\n");
        return 2;
    }
    if (!s.security.apply("filer-req", false, s.socket))
        return 2;
    std::printf("filer-req: %d requests for %s from %d clients to %s\n", s.count, s.path.c_str(), s.clients,
                s.endpoint.c_str());
    std::string expected;
    if (s.verify) {
        std::ifstream file(s.path, std::ios::binary);
        if (!file) {
            std::fprintf(stderr, "filer-req: --verify: cannot read %s\n", s.path.c_str());
            return 2;
        }
        // As the worker sends it: bytes that are not UTF-8 become U+FFFD.
        expected = nlohmann::json::parse(
            filer::dump(std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>())))
                       .get<std::string>();
    }
    asio::io_context io;
    int remaining = s.count;
    tally t;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < s.clients; ++i)
        asio::co_spawn(io, client(io, s, expected, remaining, t), asio::detached);
    io.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? t.replies / seconds : 0;

    std::printf("replies: %d, errors: %d, missing: %d, retries: %d\n", t.replies, t.errors, t.missing, t.retries);
    if (s.verify)
        std::printf("verified: %d wrong\n", t.wrong);
    nlohmann::json per_pid = nlohmann::json::object();
    for (const auto& [pid, n] : t.per_pid) {
        std::printf("  worker %lld: %d replies\n", pid, n);
        per_pid[std::to_string(pid)] = n;
    }
    if (t.replies == 0 && s.count > 0 && (s.security.curve() || s.security.plain()))
        std::fprintf(stderr, "filer-req: no replies: is the server key (CURVE) or the password (PLAIN) right?\n");
    std::printf("rate: %.0f requests/s (%.3f s)\n", rate, seconds);
    nlohmann::json summary = {{"requests", s.count}, {"replies", t.replies}, {"errors", t.errors},
                              {"missing", t.missing}, {"retries", t.retries}, {"per_pid", per_pid},
                              {"rate", rate}};
    if (s.verify)
        summary["wrong"] = t.wrong;
    std::printf("SUMMARY %s\n", filer::dump(summary).c_str());
    return t.missing == 0 && t.wrong == 0 ? 0 : 1;
}
