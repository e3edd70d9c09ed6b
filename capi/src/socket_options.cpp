// zmq_setsockopt and zmq_getsockopt: libzmq's options onto zmtp's socket_options.
#include "errors.hpp"
#include "socket.hpp"

#include <zmq.h>

#include <chrono>
#include <cstring>
#include <new>
#include <optional>
#include <string>

namespace {

using zmtp::capi::fail;
using zmtp::capi::socket_handle;

/// An int option value, or nullopt (EINVAL) for a wrong size.
std::optional<int> int_value(const void* value, size_t size)
{
    if (value == nullptr || size != sizeof(int))
        return std::nullopt;
    int v;
    std::memcpy(&v, value, sizeof v);
    return v;
}

/// A millisecond option where -1 means "none" (infinite); below -1 is no value.
bool valid_ms(int v) { return v >= -1; }
std::optional<std::chrono::milliseconds> optional_ms(int v)
{
    if (v < 0)
        return std::nullopt;
    return std::chrono::milliseconds(v);
}

int ms_or_minus_one(const std::optional<std::chrono::milliseconds>& v)
{
    return v ? static_cast<int>(v->count()) : -1;
}

/// Writes an int answer; EINVAL if the caller's buffer is too small.
int answer_int(void* value, size_t* size, int v)
{
    if (value == nullptr || size == nullptr || *size < sizeof(int))
        return fail(EINVAL);
    std::memcpy(value, &v, sizeof v);
    *size = sizeof v;
    return 0;
}

/// Writes a string answer with its terminating NUL (as libzmq's string options do).
int answer_string(void* value, size_t* size, const std::string& text)
{
    if (value == nullptr || size == nullptr || *size < text.size() + 1)
        return fail(EINVAL);
    std::memcpy(value, text.c_str(), text.size() + 1);
    *size = text.size() + 1;
    return 0;
}

/// Applies `change` to the socket's options; EINVAL if zmtp refuses the result.
template <class Change>
int update(socket_handle& s, Change change)
{
    try {
        s.zmtp_socket().update_options(change);
        return 0;
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int get_option(socket_handle& handle, int option, void* value, size_t* size);

} // namespace

extern "C" {

int zmq_setsockopt(void* handle, int option, const void* value, size_t size)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    if (value == nullptr && size != 0)
        return fail(EINVAL);
    const std::string_view bytes(static_cast<const char*>(value), size);
    switch (option) {
    case ZMQ_SUBSCRIBE:
    case ZMQ_UNSUBSCRIBE:
        try {
            std::error_code ec;
            if (option == ZMQ_SUBSCRIBE)
                s->zmtp_socket().subscribe(bytes, ec);
            else
                s->zmtp_socket().unsubscribe(bytes, ec);
            return ec ? fail(ec == zmtp::errc::not_supported ? make_error_code(std::errc::invalid_argument) : ec) : 0;
        } catch (const std::bad_alloc&) {
            return fail(ENOMEM);
        }
    case ZMQ_ROUTING_ID:
        if (size < 1 || size > 255)
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.routing_id = std::string(bytes); });
    default:
        break;
    }
    const std::optional<int> v = int_value(value, size);
    if (!v)
        return fail(EINVAL);
    switch (option) {
    case ZMQ_LINGER:
        if (!valid_ms(*v))
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.linger = optional_ms(*v); });
    case ZMQ_SNDHWM:
        if (*v < 0)
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.send_hwm = static_cast<std::size_t>(*v); });
    case ZMQ_RCVHWM:
        if (*v < 0)
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.receive_hwm = static_cast<std::size_t>(*v); });
    case ZMQ_SNDTIMEO:
        if (!valid_ms(*v))
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.send_timeout = optional_ms(*v); });
    case ZMQ_RCVTIMEO:
        if (!valid_ms(*v))
            return fail(EINVAL);
        return update(*s, [&](zmtp::socket_options& o) { o.receive_timeout = optional_ms(*v); });
    case ZMQ_IMMEDIATE:
        return update(*s, [&](zmtp::socket_options& o) { o.immediate = *v != 0; });
    default:
        return fail(EINVAL); // not an option of this library (yet): libzmq's answer too
    }
}

int zmq_getsockopt(void* handle, int option, void* value, size_t* size)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    try {
        return get_option(*s, option, value, size);
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

} // extern "C"

namespace {

int get_option(socket_handle& handle, int option, void* value, size_t* size)
{
    socket_handle* s = &handle;
    if (option == ZMQ_TYPE)
        return answer_int(value, size, static_cast<int>(s->zmtp_socket().type()));
    if (option == ZMQ_RCVMORE)
        return answer_int(value, size, s->receiving_more() ? 1 : 0);
    if (option == ZMQ_EVENTS) {
        const zmtp::wait_type ready = s->events();
        return answer_int(value, size, (has(ready, zmtp::wait_type::read) ? ZMQ_POLLIN : 0)
                                           | (has(ready, zmtp::wait_type::write) ? ZMQ_POLLOUT : 0));
    }
    if (option == ZMQ_FD) {
        const int fd = s->readiness_fd();
        return fd < 0 ? -1 : answer_int(value, size, fd);
    }
    if (option == ZMQ_LAST_ENDPOINT)
        return answer_string(value, size, s->zmtp_socket().last_endpoint());
    if (option == ZMQ_ROUTING_ID) {
        const std::string id = s->zmtp_socket().options().routing_id;
        if (value == nullptr || size == nullptr || *size < id.size())
            return fail(EINVAL);
        std::memcpy(value, id.data(), id.size());
        *size = id.size();
        return 0;
    }
    const zmtp::socket_options o = s->zmtp_socket().options();
    switch (option) {
    case ZMQ_LINGER:
        return answer_int(value, size, ms_or_minus_one(o.linger));
    case ZMQ_SNDHWM:
        return answer_int(value, size, static_cast<int>(o.send_hwm));
    case ZMQ_RCVHWM:
        return answer_int(value, size, static_cast<int>(o.receive_hwm));
    case ZMQ_SNDTIMEO:
        return answer_int(value, size, ms_or_minus_one(o.send_timeout));
    case ZMQ_RCVTIMEO:
        return answer_int(value, size, ms_or_minus_one(o.receive_timeout));
    case ZMQ_IMMEDIATE:
        return answer_int(value, size, o.immediate ? 1 : 0);
    default:
        return fail(EINVAL);
    }
}

} // namespace
