#include "runtime/socket_tuning.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace zmtp::detail {
namespace {

std::error_code set(int fd, int level, int name, const void* value, socklen_t size)
{
    if (::setsockopt(fd, level, name, value, size) != 0)
        return {errno, std::system_category()};
    return {};
}

std::error_code set_int(int fd, int level, int name, int value)
{
    return set(fd, level, name, &value, sizeof value);
}

/// IP_TOS, or IPV6_TCLASS on an IPv6 socket.
std::error_code set_type_of_service(int fd, int value)
{
    sockaddr_storage local{};
    socklen_t size = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0)
        return {errno, std::system_category()};
    return local.ss_family == AF_INET6 ? set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, value)
                                       : set_int(fd, IPPROTO_IP, IP_TOS, value);
}

} // namespace

std::error_code tune_socket(int fd, transport kind, const socket_options& o)
{
    std::error_code ec;
    if (o.send_buffer_size)
        ec = set_int(fd, SOL_SOCKET, SO_SNDBUF, *o.send_buffer_size);
    if (!ec && o.receive_buffer_size)
        ec = set_int(fd, SOL_SOCKET, SO_RCVBUF, *o.receive_buffer_size);
    if (!ec && kind == transport::tcp && !o.bind_to_device.empty())
        ec = set(fd, SOL_SOCKET, SO_BINDTODEVICE, o.bind_to_device.data(), static_cast<socklen_t>(o.bind_to_device.size()));
    return ec;
}

std::error_code tune_tcp_connection(int fd, const socket_options& o)
{
    std::error_code ec;
    if (o.tcp_keepalive)
        ec = set_int(fd, SOL_SOCKET, SO_KEEPALIVE, *o.tcp_keepalive ? 1 : 0);
    if (!ec && o.tcp_keepalive_idle)
        ec = set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(o.tcp_keepalive_idle->count()));
    if (!ec && o.tcp_keepalive_interval)
        ec = set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(o.tcp_keepalive_interval->count()));
    if (!ec && o.tcp_keepalive_count)
        ec = set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, *o.tcp_keepalive_count);
    if (!ec && o.tcp_max_retransmit_timeout.count() > 0)
        ec = set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, static_cast<int>(o.tcp_max_retransmit_timeout.count()));
    if (!ec && o.type_of_service != 0)
        ec = set_type_of_service(fd, o.type_of_service);
    return ec;
}

} // namespace zmtp::detail
