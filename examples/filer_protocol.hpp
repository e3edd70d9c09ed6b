// The file service's request/reply format, shared by filer-worker and filer-req.
#pragma once

#include "filer_files.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <fstream>  // filer-req reads the file it verifies against
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
/// request that is not JSON, has no string "path", or names a file `files` refuses to serve.
inline std::string answer(std::string_view request, const file_root& files)
{
    const nlohmann::json parsed = nlohmann::json::parse(request, nullptr, false);
    const auto fail = [](const std::string& reason) {
        return dump({{"error", reason}, {"pid", ::getpid()}});
    };
    if (parsed.is_discarded())
        return fail("request is not valid JSON");
    if (!parsed.is_object() || !parsed.contains("path") || !parsed["path"].is_string())
        return fail("request must be a JSON object with a string \"path\"");
    const result<std::string> file = files.read(parsed["path"].get<std::string>());
    if (!file)
        return fail(file.error);
    return dump({{"content", file.value}, {"timestamp", now_ms()}, {"pid", ::getpid()}});
}

} // namespace filer
