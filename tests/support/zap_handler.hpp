// A ZAP handler (RFC 27) written on zmtp's own sockets, for tests: a ROUTER bound at
// inproc://zeromq.zap.01 (where every zmtp socket of this process looks for one), served on
// its own thread. Shared by the socket tests, the interop tests and the interop peer program.
#pragma once

#include "support/test_options.hpp"
#include "zmtp/context.hpp"
#include "zmtp/curve_key.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace zmtp_test {

/// Serves ZAP on its own thread: admits PLAIN user admin/secret and NULL peers of domain
/// "open" and CURVE clients of allowed_key, with User-Id "admin-id" and the metadata
/// Hello=World; denies everything else with 400 "denied". Keeps every
/// request it saw, as received: [routing id, "", "1.0", request id, domain, address,
/// identity, mechanism, credentials...]. With `silent` it never answers.
class zap_handler {
public:
    static constexpr std::string_view endpoint = "inproc://zeromq.zap.01";
    /// The one CURVE client key it admits.
    inline static zmtp::curve_public_key allowed_key{};

    explicit zap_handler(zmtp::context& ctx, bool silent = false)
        : router_(ctx, zmtp::socket_type::router, test_options()), silent_(silent)
    {
        router_.bind(endpoint);
        thread_ = std::thread([this] { serve(); });
    }
    ~zap_handler()
    {
        stop_ = true;
        thread_.join();
    }
    zap_handler(const zap_handler&) = delete;
    zap_handler& operator=(const zap_handler&) = delete;

    std::vector<zmtp::message> requests()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

    /// The decision for `request` (a message as requests() keeps it).
    static bool admits(const zmtp::message& request)
    {
        if (request.size() < 8)
            return false;
        const std::string mechanism = request[7].to_string();
        return (mechanism == "PLAIN" && request.size() == 10 && request[8] == std::string_view("admin")
                && request[9] == std::string_view("secret"))
            || (mechanism == "NULL" && request[4] == std::string_view("open"))
            || (mechanism == "CURVE" && request.size() == 9 && request[8].bytes().size() == allowed_key.size()
                && std::equal(allowed_key.begin(), allowed_key.end(), request[8].bytes().begin()));
    }

private:
    void serve()
    {
        using namespace std::chrono_literals;
        while (!stop_) {
            std::error_code ec;
            zmtp::message request = router_.receive(zmtp::recv_flags::dontwait, ec);
            if (ec) {
                std::this_thread::sleep_for(5ms);
                continue;
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                requests_.push_back(zmtp::message(request));
            }
            if (silent_ || request.size() < 4)
                continue;
            const bool admit = admits(request);
            zmtp::message reply;
            reply.push_back(request[0]);
            reply.push_back(zmtp::frame());
            reply.push_back(std::string_view("1.0"));
            reply.push_back(request[3]);
            reply.push_back(std::string_view(admit ? "200" : "400"));
            reply.push_back(std::string_view(admit ? "OK" : "denied"));
            reply.push_back(std::string_view(admit ? "admin-id" : ""));
            reply.push_back(admit ? std::string_view("\x05Hello\0\0\0\x05World", 15) : std::string_view());
            router_.send(std::move(reply));
        }
    }

    zmtp::socket router_;
    bool silent_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<zmtp::message> requests_;
    std::thread thread_;
};

} // namespace zmtp_test
