#include "zmtp/monitor.hpp"

namespace zmtp {

std::string_view to_string(monitor_event_type type) noexcept
{
    switch (type) {
    case monitor_event_type::connected: return "CONNECTED";
    case monitor_event_type::connect_delayed: return "CONNECT_DELAYED";
    case monitor_event_type::connect_retried: return "CONNECT_RETRIED";
    case monitor_event_type::listening: return "LISTENING";
    case monitor_event_type::bind_failed: return "BIND_FAILED";
    case monitor_event_type::accepted: return "ACCEPTED";
    case monitor_event_type::accept_failed: return "ACCEPT_FAILED";
    case monitor_event_type::closed: return "CLOSED";
    case monitor_event_type::disconnected: return "DISCONNECTED";
    case monitor_event_type::handshake_failed_no_detail: return "HANDSHAKE_FAILED_NO_DETAIL";
    case monitor_event_type::handshake_succeeded: return "HANDSHAKE_SUCCEEDED";
    case monitor_event_type::handshake_failed_protocol: return "HANDSHAKE_FAILED_PROTOCOL";
    case monitor_event_type::handshake_failed_auth: return "HANDSHAKE_FAILED_AUTH";
    }
    return "UNKNOWN";
}

} // namespace zmtp
