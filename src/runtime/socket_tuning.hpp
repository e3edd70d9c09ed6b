// The kernel socket options socket_options ask for: buffers, device, keepalive, ToS.
#pragma once

#include "zmtp/endpoint.hpp"
#include "zmtp/options.hpp"

#include <system_error>

namespace zmtp::detail {

/// On a tcp or ipc socket before it connects or listens, and on an accepted ipc connection
/// (an accepted tcp connection inherits them from its listener): send_buffer_size,
/// receive_buffer_size and, for tcp, bind_to_device.
std::error_code tune_socket(int fd, transport kind, const socket_options& options);

/// On a tcp socket, accepted or before it connects: tcp_keepalive and its idle, interval
/// and count, tcp_max_retransmit_timeout, type_of_service.
std::error_code tune_tcp_connection(int fd, const socket_options& options);

} // namespace zmtp::detail
