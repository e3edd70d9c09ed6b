// zmq_proxy, zmq_proxy_steerable and zmq_device, on zmtp::proxy.
#include "errors.hpp"
#include "socket.hpp"

#include "zmtp/proxy.hpp"

#include <zmq.h>

#include <new>

using zmtp::capi::fail;
using zmtp::capi::socket_handle;

namespace {

/// The zmtp socket behind an optional handle (capture, control): null for none, and for
/// one that is no socket (errno ENOTSOCK, `bad` set).
zmtp::socket* optional_socket(void* handle, bool& bad)
{
    if (handle == nullptr)
        return nullptr;
    socket_handle* s = socket_handle::from(handle);
    bad = bad || s == nullptr;
    return s ? &s->zmtp_socket() : nullptr;
}

} // namespace

extern "C" {

int zmq_proxy_steerable(void* frontend, void* backend, void* capture, void* control)
{
    socket_handle* front = socket_handle::from(frontend);
    socket_handle* back = socket_handle::from(backend);
    if (!front || !back)
        return fail(EFAULT); // zmq_proxy(3)
    bool bad = false;
    zmtp::socket* capture_socket = optional_socket(capture, bad);
    zmtp::socket* control_socket = optional_socket(control, bad);
    if (bad)
        return -1;
    try {
        // Runs until TERMINATE (no error), the context's end (ETERM) or a socket's close.
        const std::error_code ec = zmtp::proxy(front->zmtp_socket(), back->zmtp_socket(), capture_socket, control_socket);
        return ec ? fail(ec) : 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int zmq_proxy(void* frontend, void* backend, void* capture)
{
    return zmq_proxy_steerable(frontend, backend, capture, nullptr);
}

/// libzmq 3's devices are its proxy since 4.0: the type is not looked at.
int zmq_device(int /*type*/, void* frontend, void* backend)
{
    return zmq_proxy(frontend, backend, nullptr);
}

} // extern "C"
