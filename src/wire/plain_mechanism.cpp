#include "zmtp/wire/plain_mechanism.hpp"

#include "zmtp/error.hpp"

#include <algorithm>

namespace zmtp::wire {
namespace {

constexpr std::size_t max_credential_size = 255;

std::string cut(std::string s)
{
    s.resize(std::min(s.size(), max_credential_size));
    return s;
}

void append_short_string(std::vector<std::byte>& out, std::string_view s)
{
    out.push_back(static_cast<std::byte>(s.size()));
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    out.insert(out.end(), p, p + s.size());
}

/// Reads `size(1) bytes` at `pos`; false if it runs past the end.
bool read_short_string(std::span<const std::byte> data, std::size_t& pos, std::string& out)
{
    if (pos >= data.size())
        return false;
    const auto size = static_cast<std::size_t>(data[pos]);
    if (data.size() - pos - 1 < size)
        return false;
    out.assign(reinterpret_cast<const char*>(data.data() + pos + 1), size);
    pos += 1 + size;
    return true;
}

std::vector<std::byte> metadata_command(std::string_view name, const metadata& m)
{
    std::vector<std::byte> data;
    m.encode(data);
    return encode_command(name, data);
}

} // namespace

std::vector<std::byte> encode_plain_hello(std::string_view username, std::string_view password)
{
    std::vector<std::byte> data;
    append_short_string(data, username.substr(0, max_credential_size));
    append_short_string(data, password.substr(0, max_credential_size));
    return encode_command("HELLO", data);
}

plain_client::plain_client(std::string username, std::string password, metadata ours)
    : username_(cut(std::move(username))), password_(cut(std::move(password))), ours_(std::move(ours))
{
}

std::error_code plain_client::start(output_queue& out, time_point)
{
    out.append(encode_plain_hello(username_, password_));
    return {};
}

std::error_code plain_client::on_command(const command& cmd, output_queue& out, time_point)
{
    if (stage_ == stage::hello_sent && cmd.name == "WELCOME") {
        if (!cmd.data.empty())
            return errc::malformed_command;
        out.append(metadata_command("INITIATE", ours_));
        stage_ = stage::initiate_sent;
        return {};
    }
    if (stage_ == stage::initiate_sent && cmd.name == "READY") {
        if (std::error_code ec = parse_metadata(cmd.data, peer_))
            return ec;
        stage_ = stage::done;
        return {};
    }
    return errc::unexpected_command;
}

std::error_code plain_client::on_authentication(const authentication_result&, output_queue&)
{
    return errc::unexpected_command;
}

plain_server::plain_server(metadata ours) : ours_(std::move(ours))
{
    request_.mechanism = "PLAIN";
}

std::error_code plain_server::start(output_queue&, time_point)
{
    return {};
}

std::error_code plain_server::on_command(const command& cmd, output_queue& out, time_point)
{
    if (stage_ == stage::waiting_hello && cmd.name == "HELLO") {
        std::string username, password;
        std::size_t pos = 0;
        if (!read_short_string(cmd.data, pos, username) || !read_short_string(cmd.data, pos, password)
            || pos != cmd.data.size())
            return errc::malformed_command;
        request_.credentials = {std::move(username), std::move(password)};
        stage_ = stage::asking;
        return {};
    }
    if (stage_ == stage::welcomed && cmd.name == "INITIATE") {
        if (std::error_code ec = parse_metadata(cmd.data, peer_))
            return ec;
        out.append(metadata_command("READY", ours_));
        stage_ = stage::done;
        return {};
    }
    return errc::unexpected_command;
}

std::error_code plain_server::on_authentication(const authentication_result& result, output_queue& out)
{
    if (stage_ != stage::asking)
        return errc::unexpected_command;
    request_.credentials.clear(); // the password is not kept longer than needed
    if (result.status_code != "200")
        return authentication_refused(result, out);
    out.append(encode_command("WELCOME", {}));
    stage_ = stage::welcomed;
    return {};
}

} // namespace zmtp::wire
