#include "zmtp/wire/mechanism.hpp"

#include "zmtp/error.hpp"

namespace zmtp::wire {

std::error_code authentication_refused(const authentication_result& result, output_queue& out)
{
    if (result.status_code == "400") {
        out.append(encode_error("400"));
        return errc::authentication_denied;
    }
    if (result.status_code == "500") {
        out.append(encode_error("500"));
        return errc::authentication_error;
    }
    if (result.status_code == "300")
        return errc::authentication_unavailable;
    return errc::authentication_error;
}

std::error_code peer_refusal(std::string_view reason)
{
    if (reason == "400")
        return errc::authentication_denied;
    if (reason == "500")
        return errc::authentication_error;
    if (reason == "300")
        return errc::authentication_unavailable;
    return errc::peer_error;
}

} // namespace zmtp::wire
