// zmtp::socket_options: typed socket settings with libzmq's documented defaults.
#pragma once

#include "zmtp/wire/frame_decoder.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace zmtp {

/// Settings of a socket. Defaults are libzmq's (see `man zmq_setsockopt`); the libzmq
/// option each field mirrors is named in its comment. Changes apply to connections made
/// after them. `std::nullopt` durations mean "forever" (libzmq's -1).
struct socket_options {
    /// ZMQ_ROUTING_ID: the Identity announced to ROUTER peers; 1..255 bytes, not starting
    /// with a zero byte; empty lets the peer generate one.
    std::string routing_id{};
    /// ZMQ_SNDHWM: messages queued per peer before send blocks or drops; 0 = no limit.
    /// A message of more than 4 frames counts once per 4 frames (libzmq counts it once),
    /// so that the memory a queue holds is bounded whatever its frame count.
    std::size_t send_hwm = 1000;
    /// ZMQ_RCVHWM: messages queued per peer before reading from it pauses; 0 = no limit.
    /// Counted as send_hwm is.
    std::size_t receive_hwm = 1000;
    /// ZMQ_LINGER: how long close() keeps flushing queued messages in the background.
    std::optional<std::chrono::milliseconds> linger{};
    /// ZMQ_RECONNECT_IVL: wait before reconnecting after a failure or disconnect.
    std::chrono::milliseconds reconnect_interval{100};
    /// ZMQ_RECONNECT_IVL_MAX: when above reconnect_interval, the wait doubles after each
    /// failed attempt up to this; zero disables the backoff.
    std::chrono::milliseconds reconnect_interval_max{0};
    /// ZMQ_HEARTBEAT_IVL: interval between PINGs; zero disables heartbeats.
    std::chrono::milliseconds heartbeat_interval{0};
    /// ZMQ_HEARTBEAT_TIMEOUT: time to wait for traffic after a PING; unset = interval.
    std::optional<std::chrono::milliseconds> heartbeat_timeout{};
    /// ZMQ_HEARTBEAT_TTL: asks the peer to drop us after this long without traffic.
    std::chrono::milliseconds heartbeat_ttl{0};
    /// ZMQ_MAXMSGSIZE: largest inbound message; a bigger one disconnects the peer.
    std::uint64_t max_message_size = wire::no_limit;
    /// Largest inbound command (READY, PING, SUBSCRIBE...). Not in libzmq.
    std::uint64_t max_command_size = 64 * 1024;
    /// Most frames in one inbound message; a message with more is dropped whole and the
    /// connection carries on (a disconnect would let one client's message, grown by the
    /// envelope frames each hop adds, cut a proxy's backend connections). An empty frame is
    /// 2 bytes on the wire and 48 in memory: this bounds what one unfinished message makes
    /// us hold. At least 1. Not in libzmq (which has no limit).
    std::uint64_t max_message_frames = 1024;
    /// Most bytes a peer may send before its handshake completes. Not in libzmq.
    std::size_t max_handshake_size = 64 * 1024;
    /// Monitor events kept for a monitor reader that falls behind; past it the oldest are
    /// dropped (at least one is kept). Peers cause events by connecting, so this bounds
    /// what they can queue.
    /// Not in libzmq (whose monitor socket has its own high-water mark).
    std::size_t max_monitor_events = 10'000;
    /// ZMQ_HANDSHAKE_IVL: time allowed for a handshake; zero disables the limit.
    std::chrono::milliseconds handshake_timeout{30'000};
    /// ZMQ_IMMEDIATE: queue messages only to completed connections, not to peers still
    /// being connected to.
    bool immediate = false;
    /// ZMQ_ROUTER_MANDATORY: an unroutable message fails with errc::host_unreachable
    /// instead of being dropped, and a full peer blocks instead of dropping.
    bool router_mandatory = false;
    /// ZMQ_ROUTER_HANDOVER: a new peer with a routing id in use takes it over (the old
    /// connection is closed) instead of being refused. Messages the old connection
    /// delivered that were not received yet still come, with that id.
    bool router_handover = false;
    /// ZMQ_PROBE_ROUTER: send an empty message to each new connection (ROUTER, DEALER, REQ).
    bool probe_router = false;
    /// ZMQ_REQ_CORRELATE: REQ prefixes requests with an id and drops replies without it.
    bool req_correlate = false;
    /// ZMQ_REQ_RELAXED: REQ may send again without waiting; a late reply is dropped.
    bool req_relaxed = false;
    /// ZMQ_SNDTIMEO: how long the blocking send() waits; unset = forever.
    std::optional<std::chrono::milliseconds> send_timeout{};
    /// ZMQ_RCVTIMEO: how long the blocking receive() waits; unset = forever.
    std::optional<std::chrono::milliseconds> receive_timeout{};
    /// ZMQ_BACKLOG: pending connections a listener queues.
    int backlog = 100;
};

} // namespace zmtp
