// zmtp::socket_options: typed socket settings with libzmq's documented defaults.
#pragma once

#include "zmtp/curve_key.hpp"
#include "zmtp/wire/connection.hpp"
#include "zmtp/wire/frame_decoder.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sys/types.h>
#include <vector>

namespace zmtp {

/// Longest duration any option takes: libzmq's options are `int` milliseconds, so
/// 2^31 - 1 ms (about 24.8 days). A longer one is refused rather than left to overflow a
/// deadline; where an option allows it, std::nullopt means "forever".
inline constexpr std::chrono::milliseconds max_option_duration{2'147'483'647};

/// Longest heartbeat_ttl: PING carries the TTL in 16 bits of deciseconds (RFC 37), so
/// 65535 ds = 6553.5 s; libzmq documents 6553599 ms (what rounds down to 65535 ds).
inline constexpr std::chrono::milliseconds max_heartbeat_ttl{6'553'599};

/// Smallest max_command_size: the smallest READY a peer can send, a command body of 25
/// bytes (`05 READY 0B Socket-Type 00 00 00 03` and a 3-letter type: PUB, SUB, REQ, REP).
inline constexpr std::uint64_t min_command_size = 25;

/// Smallest max_handshake_size: the 64-byte greeting plus that READY framed (27 bytes).
inline constexpr std::size_t min_handshake_size = 64 + 27;

/// Settings of a socket. Defaults are libzmq's (see `man zmq_setsockopt`); the libzmq
/// option each field mirrors is named in its comment. Changes apply to connections made
/// after them. `std::nullopt` durations mean "forever" (libzmq's -1). The constraints each
/// comment states are the ones validate() checks.
struct socket_options {
    /// ZMQ_ROUTING_ID: the Identity announced to ROUTER peers; 1..255 bytes, not starting
    /// with a zero byte (those are the ids a ROUTER generates), or empty to let the peer
    /// generate one. A peer refuses any other value in the handshake, forever.
    std::string routing_id{};
    /// ZMQ_CONNECT_ROUTING_ID: the routing id a ROUTER or STREAM gives the peer of its next
    /// connect() (that call uses it and clears it): the peer is addressable by it at once,
    /// before the connection is even made, whatever Identity it announces, and keeps it
    /// across reconnections. An id in use fails that connect() with
    /// errc::duplicate_routing_id. Rules of routing_id; other types ignore it.
    std::string connect_routing_id{};
    /// ZMQ_SNDHWM: messages queued per peer before send blocks or drops; 0 = no limit.
    /// A message of more than 4 frames counts once per 4 frames (libzmq counts it once),
    /// so that the memory a queue holds is bounded whatever its frame count.
    std::size_t send_hwm = 1000;
    /// ZMQ_RCVHWM: messages queued per peer before reading from it pauses; 0 = no limit.
    /// Counted as send_hwm is.
    std::size_t receive_hwm = 1000;
    /// ZMQ_LINGER: how long close() keeps flushing queued messages in the background;
    /// unset = until they are sent. 0..max_option_duration.
    std::optional<std::chrono::milliseconds> linger{};
    /// ZMQ_RECONNECT_IVL: wait before reconnecting after a failure or disconnect.
    /// 0..max_option_duration; unset = never reconnect (libzmq's -1): a connect() endpoint
    /// whose attempt fails or whose connection ends tries no more, and a lost connection's
    /// queue goes with it.
    std::optional<std::chrono::milliseconds> reconnect_interval{std::chrono::milliseconds(100)};
    /// ZMQ_RECONNECT_IVL_MAX: when above reconnect_interval, the wait doubles after each
    /// failed attempt up to this; zero (or anything not above reconnect_interval) disables
    /// the backoff. 0..max_option_duration.
    std::chrono::milliseconds reconnect_interval_max{0};
    /// ZMQ_HEARTBEAT_IVL: interval between PINGs; zero disables heartbeats.
    /// 0..max_option_duration.
    std::chrono::milliseconds heartbeat_interval{0};
    /// ZMQ_HEARTBEAT_TIMEOUT: time to wait for traffic after a PING; unset = interval.
    /// 1 ms..max_option_duration: zero would drop every peer at its first PING (libzmq's
    /// default, the interval, is std::nullopt here).
    std::optional<std::chrono::milliseconds> heartbeat_timeout{};
    /// ZMQ_HEARTBEAT_TTL: asks the peer to drop us after this long without traffic. Sent in
    /// deciseconds, rounded down: under 100 ms it asks nothing. 0..max_heartbeat_ttl
    /// (6553599 ms, the most the PING's 16-bit TTL field holds).
    std::chrono::milliseconds heartbeat_ttl{0};
    /// ZMQ_MAXMSGSIZE: largest inbound message; a bigger one disconnects the peer. Any value.
    std::uint64_t max_message_size = wire::frame_limits{}.max_message_size;
    /// Largest inbound command (READY, PING, SUBSCRIBE...). Not in libzmq. At least
    /// min_command_size (25, the smallest READY); a real peer's READY is larger (41 bytes
    /// from a DEALER, 296 with a 255-byte routing id), and SUBSCRIBE carries the topic.
    std::uint64_t max_command_size = wire::frame_limits{}.max_command_size;
    /// Most frames in one inbound message; a message with more is dropped whole and the
    /// connection carries on (a disconnect would let one client's message, grown by the
    /// envelope frames each hop adds, cut a proxy's backend connections). An empty frame is
    /// 2 bytes on the wire and 48 in memory: this bounds what one unfinished message makes
    /// us hold. At least 1. Not in libzmq (which has no limit).
    std::uint64_t max_message_frames = wire::frame_limits{}.max_message_frames;
    /// Most bytes a peer may send before its handshake completes, greeting included. Not in
    /// libzmq. At least min_handshake_size (91: a greeting and the smallest READY; a
    /// DEALER peer needs 107, one with a 255-byte routing id 369).
    std::size_t max_handshake_size = wire::connection_options::default_max_handshake_size;
    /// Monitor events kept for a monitor reader that falls behind; past it the oldest are
    /// dropped (at least one is kept, so 0 acts as 1). Peers cause events by connecting, so
    /// this bounds what they can queue.
    /// Not in libzmq (whose monitor socket has its own high-water mark).
    std::size_t max_monitor_events = 10'000;
    /// ZMQ_HANDSHAKE_IVL: time allowed for a handshake; zero disables the limit.
    /// 0..max_option_duration.
    std::chrono::milliseconds handshake_timeout = wire::connection_options::default_handshake_timeout;
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
    /// ZMQ_CONFLATE: keep only the newest message in each queue, incoming and outgoing;
    /// send never waits (the newer message replaces the queued one). For PUB, SUB, PUSH,
    /// PULL and DEALER, as libzmq; other types ignore it. libzmq does not support
    /// multipart messages with it; zmtp keeps the newest whole message.
    bool conflate = false;
    /// ZMQ_INVERT_MATCHING: PUB and XPUB send each message to the peers with NO matching
    /// subscription; SUB delivers the messages that match none of its subscriptions.
    bool invert_matching = false;
    /// ZMQ_XPUB_VERBOSE: an XPUB passes every subscribe to the application, not only the
    /// first of each topic.
    bool xpub_verbose = false;
    /// ZMQ_XPUB_VERBOSER: an XPUB passes every subscribe and every cancel.
    bool xpub_verboser = false;
    /// ZMQ_XPUB_MANUAL: an XPUB applies no subscription itself: the application does, with
    /// socket::subscribe()/unsubscribe(), for the peer whose subscription it received last.
    bool xpub_manual = false;
    /// ZMQ_XPUB_NODROP: an XPUB's send waits (or fails with would_block) while a peer it
    /// would go to is at its high-water mark, instead of dropping the message for it.
    bool xpub_nodrop = false;
    /// ZMQ_XPUB_WELCOME_MSG: a one-frame message an XPUB sends each new peer when it
    /// connects; empty = none. The peer receives it if it subscribed to it.
    std::string xpub_welcome_message{};
    /// ZMQ_STREAM_NOTIFY: a STREAM socket receives [routing id, empty frame] when a
    /// connection opens and when it closes.
    bool stream_notify = true;
    /// Longest topic a PUB or XPUB accepts in a peer's subscription; a longer one closes
    /// that connection (errc::subscription_limit). Not in libzmq (which has no limit, so
    /// one peer could make a publisher hold any amount). Any value.
    std::size_t max_subscription_size = 1024;
    /// Most topics one peer may be subscribed to at a PUB or XPUB at a time; one more
    /// closes that connection (errc::subscription_limit). With max_subscription_size it
    /// bounds what a subscriber makes the publisher hold: 100,000 topics of up to 1 KiB.
    /// Not in libzmq. At least 1.
    std::size_t max_subscriptions = 100'000;
    /// ZMQ_SNDTIMEO: how long the blocking send() waits; unset = forever, 0 = not at all.
    /// 0..max_option_duration.
    std::optional<std::chrono::milliseconds> send_timeout{};
    /// ZMQ_RCVTIMEO: how long the blocking receive() waits; unset = forever, 0 = not at all.
    /// 0..max_option_duration.
    std::optional<std::chrono::milliseconds> receive_timeout{};
    /// ZMQ_PLAIN_SERVER: this socket is a PLAIN server (RFC 24): every peer must send a
    /// user name and password, which the ZAP handler of this process checks (a socket
    /// bound at inproc://zeromq.zap.01, e.g. zmtp::authenticator). Without a handler every
    /// peer is refused, as in libzmq. Not with plain_username/plain_password.
    bool plain_server = false;
    /// ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD: setting either makes this socket a PLAIN
    /// client sending these credentials (an unset one is sent empty). At most 255 bytes
    /// each. Not with plain_server.
    std::optional<std::string> plain_username{};
    std::optional<std::string> plain_password{};
    /// ZMQ_CURVE_SERVER: this socket is a CURVE server (RFC 26): it needs curve_secret_key
    /// (curve_public_key is derived from it when unset). Every client must know its public
    /// key; the ZAP handler, if any, is asked about each client's key (without one, every
    /// key is admitted, as libzmq). Not with curve_server_key or PLAIN.
    bool curve_server = false;
    /// ZMQ_CURVE_PUBLICKEY / ZMQ_CURVE_SECRETKEY: this socket's long-term key pair
    /// (parse_curve_public_key()/parse_curve_secret_key() read libzmq's 40-character Z85
    /// form). A client without them makes a key pair of its own, once per socket.
    std::optional<zmtp::curve_public_key> curve_public_key{};
    std::optional<zmtp::curve_secret_key> curve_secret_key{};
    /// ZMQ_CURVE_SERVERKEY: setting it makes this socket a CURVE client of the server with
    /// this public key. Not with curve_server or PLAIN.
    std::optional<zmtp::curve_public_key> curve_server_key{};
    /// ZMQ_ZAP_DOMAIN: the domain in this socket's ZAP requests. A NULL socket asks ZAP
    /// about its peers only when it is set (libzmq); PLAIN and CURVE servers always ask.
    /// At most 255 bytes.
    std::string zap_domain{};
    /// ZMQ_ZAP_ENFORCE_DOMAIN: without a ZAP handler, refuse every peer that would have
    /// been asked about (by default a NULL or CURVE socket then admits it, as libzmq does).
    bool zap_enforce_domain = false;
    /// ZMQ_METADATA: application properties sent to every peer in the handshake and
    /// readable on its messages: names start with "X-" (case-insensitive) and are at most
    /// 255 characters of [A-Za-z0-9-_.+]; values at most 2^31 - 1 bytes.
    std::map<std::string, std::string> metadata{};
    /// Which inproc names this socket sees: an inproc bind and connect find each other only
    /// within one scope. Empty (the default) is the process-wide scope. Not in libzmq, whose
    /// inproc names belong to a context: the drop-in libzmq gives each of its contexts a
    /// scope of its own. The ZAP handler a socket asks is the one bound in its scope.
    std::string inproc_scope{};
    /// ZMQ_BACKLOG: pending connections a listener queues (listen(2)'s backlog, which the
    /// system caps at net.core.somaxconn). Not negative.
    int backlog = 100;
    /// ZMQ_USE_FD: a descriptor the next tcp or ipc bind() listens on instead of a socket of
    /// its own (systemd socket activation). It must already be bound and listening, with
    /// the options a listener takes before bind set by the caller (send_buffer_size,
    /// receive_buffer_size, bind_to_device, backlog do not apply to it). The endpoint's
    /// transport must match the descriptor's family (tcp: IPv4 or IPv6, ipc: Unix); its
    /// address is ignored, as in libzmq: last_endpoint() names the descriptor's own address.
    /// bind() fails with errc::invalid_argument for a descriptor of another family or one
    /// not listening (libzmq takes both and fails later), with errc::address_in_use while a
    /// listener of this socket holds it. The listener owns it from then on: unbind() and
    /// close() close it, leaving an ipc socket file in place (as libzmq). connect() and
    /// inproc ignore it. -1 (the default) = none; else not negative.
    int use_fd = -1;
    /// ZMQ_CONNECT_TIMEOUT: how long a tcp connect attempt may take before it fails with
    /// std::errc::timed_out (and is retried after reconnect_interval); zero leaves it to the
    /// system (minutes). 0..max_option_duration.
    std::chrono::milliseconds connect_timeout{0};
    /// ZMQ_TCP_KEEPALIVE: SO_KEEPALIVE on tcp connections, both connected and accepted:
    /// true on, false off; unset = the system's default (off on Linux), libzmq's -1.
    std::optional<bool> tcp_keepalive{};
    /// ZMQ_TCP_KEEPALIVE_IDLE: TCP_KEEPIDLE, how long a tcp connection is idle before the
    /// first keepalive probe; unset = the system's (net.ipv4.tcp_keepalive_time, 2 h).
    /// 1..32767 s (what Linux takes). Takes effect when keepalive is on.
    std::optional<std::chrono::seconds> tcp_keepalive_idle{};
    /// ZMQ_TCP_KEEPALIVE_INTVL: TCP_KEEPINTVL, time between keepalive probes; unset = the
    /// system's (net.ipv4.tcp_keepalive_intvl, 75 s). 1..32767 s.
    std::optional<std::chrono::seconds> tcp_keepalive_interval{};
    /// ZMQ_TCP_KEEPALIVE_CNT: TCP_KEEPCNT, unanswered probes before the connection is
    /// dropped; unset = the system's (net.ipv4.tcp_keepalive_probes, 9). 1..127.
    std::optional<int> tcp_keepalive_count{};
    /// ZMQ_TCP_MAXRT: TCP_USER_TIMEOUT, how long sent data may stay unacknowledged before
    /// the tcp connection is dropped; zero = the system's default.
    /// 0..max_option_duration.
    std::chrono::milliseconds tcp_max_retransmit_timeout{0};
    /// ZMQ_TOS: the IP header's Type-of-Service byte (DSCP and ECN) on tcp connections,
    /// connected and accepted (IP_TOS, or IPV6_TCLASS over IPv6); 0 leaves the system's
    /// (0). 0..255.
    int type_of_service = 0;
    /// ZMQ_BINDTODEVICE: SO_BINDTODEVICE on tcp connections and listeners: they use only
    /// this network interface (or VRF), e.g. "eth0"; empty = any. At most 15 bytes (the
    /// longest interface name). Without the right (CAP_NET_RAW, as libzmq notes), bind()
    /// fails with std::errc::operation_not_permitted and connect attempts keep failing.
    std::string bind_to_device{};
    /// ZMQ_SNDBUF: SO_SNDBUF, the kernel's send buffer of tcp and ipc connections, in bytes;
    /// unset = the system's default (libzmq's -1). Linux doubles it for its bookkeeping
    /// and caps it at net.core.wmem_max. Not negative.
    std::optional<int> send_buffer_size{};
    /// ZMQ_RCVBUF: SO_RCVBUF, the kernel's receive buffer, as send_buffer_size (capped at
    /// net.core.rmem_max). Not negative.
    std::optional<int> receive_buffer_size{};
    /// ZMQ_TCP_ACCEPT_FILTER: the peers a tcp listener admits, each an IPv4 or IPv6
    /// address ("10.1.2.3", "::1") or CIDR block ("10.0.0.0/8", "fe80::/10"); a connection
    /// from any other address is closed as soon as it is accepted. Empty = every peer.
    /// libzmq deprecates it in favour of ZAP (zmtp::authenticator), which can also refuse
    /// addresses and tells the peer why.
    std::vector<std::string> tcp_accept_filters{};
    /// ZMQ_SOCKS_PROXY: "host:port" of a SOCKS5 proxy (RFC 1928) the tcp connects of this
    /// socket go through; the endpoint's host is handed to the proxy as it is (an address,
    /// or a name the proxy resolves). Empty = connect directly.
    std::string socks_proxy{};
    /// ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD: with a username, the proxy may ask for them
    /// (RFC 1929); at most 255 bytes each. Empty username = no authentication.
    std::string socks_username{};
    std::string socks_password{};
    /// ZMQ_IPC_FILTER_PID, ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_GID: the local processes an ipc
    /// listener admits, by the credentials of the connecting process (SO_PEERCRED): its
    /// process id, its user id, or a group its user is in (primary or another). A
    /// connection none of the filters admits is closed as soon as it is accepted; all empty
    /// = every peer. libzmq deprecates them in favour of ZAP, which sees the same
    /// credentials (its address frame for ipc).
    std::vector<pid_t> ipc_accept_pids{};
    std::vector<uid_t> ipc_accept_uids{};
    std::vector<gid_t> ipc_accept_gids{};
};

/// Checks every constraint the field comments of socket_options state. Returns {} and
/// leaves `why` untouched when all hold; otherwise returns errc::invalid_argument and sets
/// `why` to the first broken one, field name first, e.g.
/// "routing_id: must not start with a zero byte".
std::error_code validate(const socket_options& options, std::string& why);

} // namespace zmtp
