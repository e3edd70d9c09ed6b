// zmq_errno, zmq_strerror, zmq_version.
#include "errors.hpp"

#include "zmtp/error.hpp"

#include <zmq.h>

#include <cstring>

namespace zmtp::capi {

int errno_of(std::error_code ec) noexcept
{
    if (ec.category() == std::system_category() || ec.category() == std::generic_category())
        return ec.value();
    if (ec.category() != zmtp::error_category())
        return EINVAL;
    switch (static_cast<zmtp::errc>(ec.value())) {
    case zmtp::errc::would_block:
        return EAGAIN;
    case zmtp::errc::context_terminated:
        return ETERM;
    case zmtp::errc::socket_closed:
        return ENOTSOCK;
    case zmtp::errc::invalid_state:
        return EFSM;
    case zmtp::errc::host_unreachable:
        return EHOSTUNREACH;
    case zmtp::errc::not_supported:
        return ENOTSUP;
    case zmtp::errc::address_in_use:
        return EADDRINUSE;
    case zmtp::errc::no_such_endpoint:
        return ENOENT;
    case zmtp::errc::message_too_large:
        return EMSGSIZE;
    case zmtp::errc::out_of_memory:
        return ENOMEM;
    default:
        return EINVAL;
    }
}

} // namespace zmtp::capi

extern "C" {

int zmq_errno(void) { return errno; }

const char* zmq_strerror(int errnum)
{
    // libzmq's own error numbers (zmq.h); the rest are the system's.
    switch (errnum) {
    case EFSM:
        return "Operation cannot be accomplished in current state";
    case ENOCOMPATPROTO:
        return "The protocol is not compatible with the socket type";
    case ETERM:
        return "Context was terminated";
    case EMTHREAD:
        return "No thread available";
    default:
        return std::strerror(errnum);
    }
}

void zmq_version(int* major, int* minor, int* patch)
{
    *major = ZMQ_VERSION_MAJOR;
    *minor = ZMQ_VERSION_MINOR;
    *patch = ZMQ_VERSION_PATCH;
}

} // extern "C"
