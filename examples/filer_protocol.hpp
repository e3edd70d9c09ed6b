// The file service's request/reply format, shared by filer-worker and filer-req.
#pragma once

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace filer {

/// Milliseconds since the epoch, as JavaScript's Date.now().
inline long long now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Serialises without throwing on bytes that are not UTF-8 (they become U+FFFD).
inline std::string dump(const nlohmann::json& j)
{
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The reply to one request: `{"content", "timestamp", "pid"}`, or `{"error", "pid"}` for a
/// request that is not JSON, has no string "path", or names a file that cannot be read.
inline std::string answer(std::string_view request)
{
    const nlohmann::json parsed = nlohmann::json::parse(request, nullptr, false);
    const auto fail = [](const std::string& reason) {
        return dump({{"error", reason}, {"pid", ::getpid()}});
    };
    if (parsed.is_discarded())
        return fail("request is not valid JSON");
    if (!parsed.is_object() || !parsed.contains("path") || !parsed["path"].is_string())
        return fail("request must be a JSON object with a string \"path\"");
    const std::string path = parsed["path"];
    std::ifstream file(path, std::ios::binary);
    if (!file.is_open())
        return fail(std::string(std::strerror(errno)) + ": " + path);
    std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad())
        return fail("read error: " + path);
    return dump({{"content", content}, {"timestamp", now_ms()}, {"pid", ::getpid()}});
}

} // namespace filer
