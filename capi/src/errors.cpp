// zmq_errno, zmq_strerror, zmq_version.
#include "errors.hpp"

#include <zmq.h>

#include <cstring>

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
