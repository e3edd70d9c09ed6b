#include "zmtp/wire/command.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <algorithm>

namespace zmtp::wire {
namespace {

std::span<const std::byte> as_bytes(std::string_view text) noexcept
{
    return std::as_bytes(std::span(text.data(), text.size()));
}

} // namespace

std::error_code parse_command(std::span<const std::byte> body, command& out) noexcept
{
    if (body.empty())
        return errc::malformed_command;
    const std::size_t name_size = static_cast<std::uint8_t>(body[0]);
    if (name_size == 0 || name_size > body.size() - 1)
        return errc::malformed_command;
    const std::string_view name(reinterpret_cast<const char*>(body.data() + 1), name_size);
    const bool letters = std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (!letters)
        return errc::malformed_command;
    out = {name, body.subspan(1 + name_size)};
    return {};
}

std::error_code parse_ping(std::span<const std::byte> data, ping& out) noexcept
{
    if (data.size() < 2 || data.size() - 2 > max_ping_context_size)
        return errc::malformed_ping;
    out = {static_cast<std::uint16_t>(detail::load_big_endian(data.data(), 2)), data.subspan(2)};
    return {};
}

std::error_code parse_error(std::span<const std::byte> data, std::string& reason)
{
    if (data.empty() || static_cast<std::uint8_t>(data[0]) != data.size() - 1)
        return errc::malformed_error_command;
    reason.assign(reinterpret_cast<const char*>(data.data() + 1), data.size() - 1);
    return {};
}

std::vector<std::byte> encode_command(std::string_view name, std::span<const std::byte> data)
{
    std::byte header[max_frame_header_size];
    const std::size_t body_size = 1 + name.size() + data.size();
    const std::size_t header_size = encode_frame_header(header, body_size, false, true);
    std::vector<std::byte> out;
    out.reserve(header_size + body_size);
    out.insert(out.end(), header, header + header_size);
    out.push_back(static_cast<std::byte>(name.size()));
    const auto name_bytes = as_bytes(name);
    out.insert(out.end(), name_bytes.begin(), name_bytes.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::vector<std::byte> encode_ready(const metadata& properties)
{
    std::vector<std::byte> data;
    properties.encode(data);
    return encode_command("READY", data);
}

std::vector<std::byte> encode_error(std::string_view reason)
{
    reason = reason.substr(0, max_error_reason_size);
    std::vector<std::byte> data;
    data.push_back(static_cast<std::byte>(reason.size()));
    const auto reason_bytes = as_bytes(reason);
    data.insert(data.end(), reason_bytes.begin(), reason_bytes.end());
    return encode_command("ERROR", data);
}

std::vector<std::byte> encode_ping(std::uint16_t ttl_deciseconds, std::span<const std::byte> context)
{
    context = context.first(std::min(context.size(), max_ping_context_size));
    std::vector<std::byte> data(2);
    detail::store_big_endian(data.data(), ttl_deciseconds, 2);
    data.insert(data.end(), context.begin(), context.end());
    return encode_command("PING", data);
}

std::vector<std::byte> encode_pong(std::span<const std::byte> context)
{
    return encode_command("PONG", context.first(std::min(context.size(), max_ping_context_size)));
}

} // namespace zmtp::wire
