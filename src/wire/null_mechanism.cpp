#include "zmtp/wire/null_mechanism.hpp"

#include "zmtp/error.hpp"

namespace zmtp::wire {

std::error_code null_mechanism::on_command(const command& cmd)
{
    if (done_ || cmd.name != "READY")
        return errc::unexpected_command;
    if (std::error_code ec = parse_metadata(cmd.data, peer_))
        return ec;
    done_ = true;
    return {};
}

} // namespace zmtp::wire
