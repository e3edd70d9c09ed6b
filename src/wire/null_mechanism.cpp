#include "zmtp/wire/null_mechanism.hpp"

#include "zmtp/error.hpp"

namespace zmtp::wire {

std::error_code null_mechanism::start(output_queue& out, time_point)
{
    if (authenticate_) {
        asking_ = true; // before the peer's READY: two such sides never wait for each other
        return {};
    }
    admitted_ = true;
    out.append(encode_ready(ours_));
    return {};
}

std::error_code null_mechanism::on_command(const command& cmd, output_queue& out, time_point)
{
    std::error_code ec;
    if (peer_ready_ || asking_ || cmd.name != "READY")
        ec = errc::unexpected_command;
    else
        ec = parse_metadata(cmd.data, peer_);
    if (ec) {
        out.append(encode_error(ec.message()));
        return ec;
    }
    peer_ready_ = true;
    return {};
}

std::error_code null_mechanism::on_authentication(const authentication_result& result, output_queue& out)
{
    if (!asking_)
        return errc::unexpected_command;
    asking_ = false;
    if (result.status_code != "200")
        return authentication_refused(result, out);
    admitted_ = true;
    out.append(encode_ready(ours_));
    return {};
}

} // namespace zmtp::wire
