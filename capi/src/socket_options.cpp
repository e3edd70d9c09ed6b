// zmq_setsockopt and zmq_getsockopt: libzmq's options onto zmtp's socket_options (and the
// few zmtp does not hold onto the handle's stored_options), one table entry per option.
//
// Refused with EINVAL, as by a libzmq built without them: the options of what zmtp does not
// do — GSSAPI (ZMQ_GSSAPI_*), VMCI (ZMQ_VMCI_*), ZMQ_ROUTER_RAW (deprecated for
// ZMQ_STREAM) — so that no program believes a mechanism is in force when it is not; and
// libzmq's draft options but the six below.
#include "errors.hpp"
#include "socket.hpp"

#include "zmtp/curve_key.hpp"
#include "zmtp/z85.hpp"

#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string.h> // explicit_bzero
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

using zmtp::socket_options;
using zmtp::capi::fail;
using zmtp::capi::socket_handle;
using zmtp::capi::stored_options;

// Draft options of libzmq 4.3, by number: zmq.h leaves the draft API out, but pyzmq reads
// the three flags back with its int options, ZMQ_METADATA is libzmq's only way to send
// application metadata, and the SOCKS credentials complete ZMQ_SOCKS_PROXY.
constexpr int zmq_zap_enforce_domain = 93;
constexpr int zmq_loopback_fastpath = 94;
constexpr int zmq_metadata = 95;
constexpr int zmq_multicast_loop = 96;
constexpr int zmq_socks_username = 99;
constexpr int zmq_socks_password = 100;

/// The socket types an option applies to, a bit per ZMQ_* type; libzmq refuses an option
/// of another type's with EINVAL.
using type_set = unsigned;
constexpr type_set all_types = ~0u;
constexpr type_set only(std::initializer_list<int> types)
{
    type_set set = 0;
    for (int t : types)
        set |= 1u << t;
    return set;
}
constexpr type_set publishers = only({ZMQ_PUB, ZMQ_XPUB}); // PUB is an XPUB in libzmq

bool applies(type_set set, socket_handle& s)
{
    return (set >> static_cast<int>(s.zmtp_socket().type())) & 1u;
}

// ---- The field an entry reads and writes: zmtp's options or the C API's store.

template <class Member>
struct member_traits;
template <class Class, class Value>
struct member_traits<Value Class::*> {
    using owner = Class;
};

template <auto Field>
auto& field(socket_options& o, stored_options& kept)
{
    if constexpr (std::is_same_v<typename member_traits<decltype(Field)>::owner, socket_options>)
        return o.*Field;
    else
        return kept.*Field;
}

template <auto Field>
const auto& field(const socket_options& o, const stored_options& kept)
{
    if constexpr (std::is_same_v<typename member_traits<decltype(Field)>::owner, socket_options>)
        return o.*Field;
    else
        return kept.*Field;
}

// ---- int options. Each shape converts libzmq's int to a field's type and back; -1 stands
// for std::nullopt ("forever", "the system's default") where the field is optional.

using int_setter = void (*)(socket_options&, stored_options&, int);
using int_getter = int (*)(const socket_options&, const stored_options&);

/// An int option: accepted values low..high (zmtp's validate() may refuse more), the socket
/// types it applies to, how it is set (nullptr: read-only) and read.
struct int_option {
    int id;
    int low;
    int high;
    type_set types;
    int_setter set;
    int_getter get;
};

template <auto Field>
struct flag { // bool: any non-zero value is true
    static void set(socket_options& o, stored_options& k, int v) { field<Field>(o, k) = v != 0; }
    static int get(const socket_options& o, const stored_options& k) { return field<Field>(o, k) ? 1 : 0; }
};

template <auto Field>
struct number { // an integer field (int, size_t)
    static void set(socket_options& o, stored_options& k, int v)
    {
        using T = std::remove_reference_t<decltype(field<Field>(o, k))>;
        field<Field>(o, k) = static_cast<T>(v);
    }
    static int get(const socket_options& o, const stored_options& k) { return static_cast<int>(field<Field>(o, k)); }
};

template <auto Field>
struct millis { // std::chrono::milliseconds
    static void set(socket_options& o, stored_options& k, int v) { field<Field>(o, k) = std::chrono::milliseconds(v); }
    static int get(const socket_options& o, const stored_options& k) { return static_cast<int>(field<Field>(o, k).count()); }
};

template <auto Field, class Unit>
struct optional_value { // std::optional of a number, duration or bool; -1 = std::nullopt
    static void set(socket_options& o, stored_options& k, int v)
    {
        if (v == -1)
            field<Field>(o, k).reset();
        else
            field<Field>(o, k) = static_cast<Unit>(v);
    }
    static int get(const socket_options& o, const stored_options& k)
    {
        const auto& value = field<Field>(o, k);
        if (!value)
            return -1;
        if constexpr (std::is_integral_v<Unit>)
            return static_cast<int>(*value);
        else
            return static_cast<int>(value->count());
    }
};
template <auto Field>
using optional_millis = optional_value<Field, std::chrono::milliseconds>;
template <auto Field>
using optional_seconds = optional_value<Field, std::chrono::seconds>;
template <auto Field>
using optional_int = optional_value<Field, int>;
template <auto Field>
using optional_bool = optional_value<Field, bool>;

template <template <auto> class Shape, auto Field>
constexpr int_option option(int id, int low, int high, type_set types = all_types)
{
    return {id, low, high, types, &Shape<Field>::set, &Shape<Field>::get};
}

/// libzmq's socket has one security mechanism: choosing a role drops the others (and
/// ZMQ_PLAIN_SERVER or ZMQ_CURVE_SERVER set to 0 leaves NULL).
void drop_security_roles(socket_options& o)
{
    o.plain_server = false;
    o.plain_username.reset();
    o.plain_password.reset();
    o.curve_server = false;
    o.curve_server_key.reset();
}

/// ZMQ_MECHANISM: the one zmtp will use. (libzmq says CURVE as soon as a CURVE key is set;
/// a zmtp socket with its own keys but neither role stays NULL, and says so.)
int mechanism(const socket_options& o, const stored_options&)
{
    if (o.plain_server || o.plain_username || o.plain_password)
        return ZMQ_PLAIN;
    if (o.curve_server || o.curve_server_key)
        return ZMQ_CURVE;
    return ZMQ_NULL;
}

constexpr int max = INT_MAX;
constexpr int any = INT_MIN; // libzmq takes any int for some flags

// clang-format off
constexpr int_option int_options[] = {
    option<number, &socket_options::send_hwm>(ZMQ_SNDHWM, 0, max),
    option<number, &socket_options::receive_hwm>(ZMQ_RCVHWM, 0, max),
    option<optional_millis, &socket_options::linger>(ZMQ_LINGER, -1, max),
    option<optional_millis, &socket_options::send_timeout>(ZMQ_SNDTIMEO, -1, max),
    option<optional_millis, &socket_options::receive_timeout>(ZMQ_RCVTIMEO, -1, max),
    option<optional_millis, &socket_options::reconnect_interval>(ZMQ_RECONNECT_IVL, -1, max), // -1: never
    option<millis, &socket_options::reconnect_interval_max>(ZMQ_RECONNECT_IVL_MAX, 0, max),
    option<millis, &socket_options::heartbeat_interval>(ZMQ_HEARTBEAT_IVL, 0, max),
    // -1 (the default) = the interval; zmtp refuses 0, which would drop every peer at its
    // first PING.
    option<optional_millis, &socket_options::heartbeat_timeout>(ZMQ_HEARTBEAT_TIMEOUT, -1, max),
    // Read back in whole deciseconds, the unit the PING carries, as libzmq does.
    {ZMQ_HEARTBEAT_TTL, 0, static_cast<int>(zmtp::max_heartbeat_ttl.count()), all_types,
     millis<&socket_options::heartbeat_ttl>::set,
     [](const socket_options& o, const stored_options&) { return static_cast<int>(o.heartbeat_ttl.count() / 100 * 100); }},
    option<millis, &socket_options::handshake_timeout>(ZMQ_HANDSHAKE_IVL, 0, max),
    option<millis, &socket_options::connect_timeout>(ZMQ_CONNECT_TIMEOUT, 0, max),
    option<number, &socket_options::backlog>(ZMQ_BACKLOG, 0, max),
    option<flag, &socket_options::immediate>(ZMQ_IMMEDIATE, 0, 1),
    option<flag, &socket_options::conflate>(ZMQ_CONFLATE, 0, 1),
    option<flag, &socket_options::invert_matching>(ZMQ_INVERT_MATCHING, any, max),
    option<flag, &socket_options::router_mandatory>(ZMQ_ROUTER_MANDATORY, 0, max, only({ZMQ_ROUTER})),
    option<flag, &socket_options::router_handover>(ZMQ_ROUTER_HANDOVER, 0, max, only({ZMQ_ROUTER})),
    option<flag, &socket_options::probe_router>(ZMQ_PROBE_ROUTER, 0, max, only({ZMQ_ROUTER, ZMQ_DEALER, ZMQ_REQ})),
    option<flag, &socket_options::req_correlate>(ZMQ_REQ_CORRELATE, 0, max, only({ZMQ_REQ})),
    option<flag, &socket_options::req_relaxed>(ZMQ_REQ_RELAXED, 0, max, only({ZMQ_REQ})),
    option<flag, &socket_options::xpub_verbose>(ZMQ_XPUB_VERBOSE, 0, max, publishers),
    option<flag, &socket_options::xpub_verboser>(ZMQ_XPUB_VERBOSER, 0, max, publishers),
    option<flag, &socket_options::xpub_manual>(ZMQ_XPUB_MANUAL, 0, max, publishers),
    option<flag, &socket_options::xpub_nodrop>(ZMQ_XPUB_NODROP, 0, max, publishers),
    option<flag, &socket_options::stream_notify>(ZMQ_STREAM_NOTIFY, 0, 1, only({ZMQ_STREAM})),
    {ZMQ_PLAIN_SERVER, 0, 1, all_types,
     [](socket_options& o, stored_options&, int v) { drop_security_roles(o); o.plain_server = v != 0; },
     flag<&socket_options::plain_server>::get},
    {ZMQ_CURVE_SERVER, 0, 1, all_types,
     [](socket_options& o, stored_options&, int v) { drop_security_roles(o); o.curve_server = v != 0; },
     flag<&socket_options::curve_server>::get},
    {ZMQ_MECHANISM, 0, 0, all_types, nullptr, mechanism},
    option<flag, &socket_options::zap_enforce_domain>(zmq_zap_enforce_domain, any, max),
    option<optional_bool, &socket_options::tcp_keepalive>(ZMQ_TCP_KEEPALIVE, -1, 1),
    option<optional_seconds, &socket_options::tcp_keepalive_idle>(ZMQ_TCP_KEEPALIVE_IDLE, -1, max),
    option<optional_seconds, &socket_options::tcp_keepalive_interval>(ZMQ_TCP_KEEPALIVE_INTVL, -1, max),
    option<optional_int, &socket_options::tcp_keepalive_count>(ZMQ_TCP_KEEPALIVE_CNT, -1, max),
    option<millis, &socket_options::tcp_max_retransmit_timeout>(ZMQ_TCP_MAXRT, 0, max),
    option<number, &socket_options::type_of_service>(ZMQ_TOS, 0, max),
    // -1 leaves the system's size; 0 is passed on as libzmq 4.3 does (Linux takes its least).
    option<optional_int, &socket_options::send_buffer_size>(ZMQ_SNDBUF, -1, max),
    option<optional_int, &socket_options::receive_buffer_size>(ZMQ_RCVBUF, -1, max),
    option<flag, &stored_options::ipv6>(ZMQ_IPV6, 0, 1),
    {ZMQ_IPV4ONLY, 0, 1, all_types,
     [](socket_options&, stored_options& k, int v) { k.ipv6 = v == 0; },
     [](const socket_options&, const stored_options& k) { return k.ipv6 ? 0 : 1; }},
    option<number, &stored_options::rate>(ZMQ_RATE, 1, max),
    option<number, &stored_options::recovery_interval>(ZMQ_RECOVERY_IVL, 0, max),
    option<number, &stored_options::multicast_hops>(ZMQ_MULTICAST_HOPS, 1, max),
    option<number, &stored_options::multicast_max_tpdu>(ZMQ_MULTICAST_MAXTPDU, 1, max),
    option<flag, &stored_options::multicast_loop>(zmq_multicast_loop, any, max),
    option<flag, &stored_options::loopback_fastpath>(zmq_loopback_fastpath, any, max),
    option<number, &socket_options::use_fd>(ZMQ_USE_FD, -1, max),
    {ZMQ_THREAD_SAFE, 0, 0, all_types, nullptr, [](const socket_options&, const stored_options&) { return 0; }},
};
// clang-format on

// ---- 64-bit options.

struct wide_option {
    int id;
    std::int64_t low;
    void (*set)(socket_options&, stored_options&, std::int64_t);
    std::int64_t (*get)(const socket_options&, const stored_options&);
};

constexpr wide_option wide_options[] = {
    // int64_t; any negative value is "no limit" (libzmq documents -1 and takes any), which
    // is also zmtp's default.
    {ZMQ_MAXMSGSIZE, INT64_MIN,
     [](socket_options& o, stored_options&, std::int64_t v) {
         o.max_message_size = v < 0 ? zmtp::wire::no_limit : static_cast<std::uint64_t>(v);
     },
     [](const socket_options& o, const stored_options&) {
         return o.max_message_size > INT64_MAX ? std::int64_t{-1} : static_cast<std::int64_t>(o.max_message_size);
     }},
    // uint64_t, the same bits.
    {ZMQ_AFFINITY, INT64_MIN,
     [](socket_options&, stored_options& k, std::int64_t v) { k.affinity = static_cast<std::uint64_t>(v); },
     [](const socket_options&, const stored_options& k) { return static_cast<std::int64_t>(k.affinity); }},
};

// ---- Byte-string options.

/// How a value is given and read: bytes as they are, a character string (set with or
/// without a terminating NUL, read with one), or a CURVE key (set as 32 bytes or 40 Z85
/// characters with or without NUL; read as 32 bytes into a 32-byte buffer, as Z85 with its
/// NUL into one of 41 or more).
enum class format { bytes, text, curve_key };

/// Sets the value; std::nullopt is a NULL pointer (with size 0), which passes min_size. Throws std::system_error
/// (EINVAL) for a value it refuses.
using bytes_setter = void (*)(socket_options&, stored_options&, std::optional<std::string_view>);
using bytes_getter = std::string (*)(const socket_options&, const stored_options&);

struct bytes_option {
    int id;
    format form;
    std::size_t min_size; // of a value given (NULL passes), without the NUL of a string
    std::size_t max_size;
    type_set types;
    bytes_setter set;
    bytes_getter get; // nullptr: write-only, as in libzmq
};

[[noreturn]] void refuse()
{
    throw std::system_error(std::make_error_code(std::errc::invalid_argument));
}

std::string text_of(std::optional<std::string_view> v) { return std::string(v.value_or("")); }

/// ZMQ_IPC_FILTER_*: adds the id `v` holds (a pid_t, uid_t or gid_t) to `filters`; NULL
/// clears them.
template <class Id>
void add_or_clear(std::vector<Id>& filters, std::optional<std::string_view> v)
{
    if (!v) {
        filters.clear();
        return;
    }
    Id id;
    std::memcpy(&id, v->data(), sizeof id);
    filters.push_back(id);
}

std::string key_bytes(std::span<const std::byte, zmtp::curve_key_size> key)
{
    return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}

/// ZMQ_PLAIN_USERNAME/PASSWORD: a value makes the socket a PLAIN client (keeping the other
/// credential if it was one already); NULL leaves it NULL, as libzmq.
template <std::optional<std::string> socket_options::*Credential>
void set_credential(socket_options& o, stored_options&, std::optional<std::string_view> v)
{
    const bool plain_client = o.plain_username || o.plain_password;
    if (!v || !plain_client)
        drop_security_roles(o);
    if (v)
        o.*Credential = std::string(*v);
}

template <std::optional<std::string> socket_options::*Credential>
std::string get_credential(const socket_options& o, const stored_options&)
{
    return (o.*Credential).value_or("");
}

constexpr std::size_t unlimited = SIZE_MAX;

// clang-format off
constexpr bytes_option bytes_options[] = {
    // 1..255 bytes; zmtp also refuses a first byte of zero (the ids a ROUTER makes).
    {ZMQ_ROUTING_ID, format::bytes, 1, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) {
         if (!v)
             refuse();
         o.routing_id = std::string(*v);
     },
     [](const socket_options& o, const stored_options&) { return o.routing_id; }},
    // For the next zmq_connect only (zmtp clears it there); written, not read, as in libzmq.
    {ZMQ_CONNECT_ROUTING_ID, format::bytes, 1, 255, only({ZMQ_ROUTER, ZMQ_STREAM}),
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) {
         if (!v)
             refuse();
         o.connect_routing_id = std::string(*v);
     },
     nullptr},
    {ZMQ_ZAP_DOMAIN, format::text, 0, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.zap_domain = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.zap_domain; }},
    {ZMQ_PLAIN_USERNAME, format::text, 1, 255, all_types,
     set_credential<&socket_options::plain_username>, get_credential<&socket_options::plain_username>},
    {ZMQ_PLAIN_PASSWORD, format::text, 1, 255, all_types,
     set_credential<&socket_options::plain_password>, get_credential<&socket_options::plain_password>},
    // zmtp takes at most 15 bytes, the longest interface name.
    // "host:port" (zmtp refuses another form at once, libzmq at connect); NULL clears it,
    // an empty one is refused, as by libzmq.
    {ZMQ_SOCKS_PROXY, format::text, 1, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.socks_proxy = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.socks_proxy; }},
    {zmq_socks_username, format::text, 0, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.socks_username = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.socks_username; }},
    {zmq_socks_password, format::text, 0, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.socks_password = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.socks_password; }},
    {ZMQ_BINDTODEVICE, format::text, 0, 255, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.bind_to_device = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.bind_to_device; }},
    {ZMQ_XPUB_WELCOME_MSG, format::bytes, 0, unlimited, publishers,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { o.xpub_welcome_message = text_of(v); },
     [](const socket_options& o, const stored_options&) { return o.xpub_welcome_message; }},
    // "X-name:value", a property per call; an empty value is refused, as by libzmq.
    {zmq_metadata, format::text, 1, unlimited, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) {
         const std::string_view text = v.value_or("");
         const std::size_t colon = text.find(':');
         if (colon == std::string_view::npos || colon + 1 == text.size())
             refuse();
         o.metadata[std::string(text.substr(0, colon))] = std::string(text.substr(colon + 1));
     },
     nullptr},
    // A filter per call; NULL or an empty one clears them.
    {ZMQ_TCP_ACCEPT_FILTER, format::text, 0, unlimited, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) {
         if (v.value_or("").empty())
             o.tcp_accept_filters.clear();
         else
             o.tcp_accept_filters.emplace_back(*v);
     },
     nullptr},
    // An id per call (its native type); NULL clears that kind. Write-only, as in libzmq.
    {ZMQ_IPC_FILTER_PID, format::bytes, sizeof(pid_t), sizeof(pid_t), all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { add_or_clear(o.ipc_accept_pids, v); },
     nullptr},
    {ZMQ_IPC_FILTER_UID, format::bytes, sizeof(uid_t), sizeof(uid_t), all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { add_or_clear(o.ipc_accept_uids, v); },
     nullptr},
    {ZMQ_IPC_FILTER_GID, format::bytes, sizeof(gid_t), sizeof(gid_t), all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) { add_or_clear(o.ipc_accept_gids, v); },
     nullptr},
    {ZMQ_CURVE_PUBLICKEY, format::curve_key, 32, 41, all_types,
     [](socket_options&, stored_options& k, std::optional<std::string_view> v) {
         k.curve_public_key = zmtp::parse_curve_public_key(v.value_or(""));
     },
     [](const socket_options&, const stored_options& k) { return key_bytes(k.curve_public_key.value_or(zmtp::curve_public_key{})); }},
    {ZMQ_CURVE_SECRETKEY, format::curve_key, 32, 41, all_types,
     [](socket_options&, stored_options& k, std::optional<std::string_view> v) {
         k.curve_secret_key = zmtp::parse_curve_secret_key(v.value_or(""));
     },
     [](const socket_options&, const stored_options& k) {
         return k.curve_secret_key ? key_bytes(k.curve_secret_key->bytes()) : std::string(zmtp::curve_key_size, '\0');
     }},
    // Makes the socket a CURVE client of this server.
    {ZMQ_CURVE_SERVERKEY, format::curve_key, 32, 41, all_types,
     [](socket_options& o, stored_options&, std::optional<std::string_view> v) {
         const zmtp::curve_public_key key = zmtp::parse_curve_public_key(v.value_or(""));
         drop_security_roles(o);
         o.curve_server_key = key;
     },
     [](const socket_options& o, const stored_options&) { return key_bytes(o.curve_server_key.value_or(zmtp::curve_public_key{})); }},
};
// clang-format on

template <class Option, std::size_t N>
const Option* find(const Option (&table)[N], int id)
{
    const auto it = std::find_if(std::begin(table), std::end(table), [id](const Option& o) { return o.id == id; });
    return it == std::end(table) ? nullptr : it;
}

/// zmtp takes a CURVE key pair whole, so the pair goes to it once the secret key is set. A
/// CURVE server without its secret key yet gets a random one nobody knows: its handshakes
/// fail, as libzmq's would, instead of the socket falling back to NULL.
void pass_curve_keys(socket_options& o, const stored_options& kept)
{
    if (kept.curve_secret_key) {
        o.curve_secret_key = kept.curve_secret_key;
        o.curve_public_key = kept.curve_public_key;
        return;
    }
    o.curve_public_key.reset();
    o.curve_secret_key.reset();
    if (o.curve_server)
        o.curve_secret_key = zmtp::curve_keypair().secret_key;
}

/// Applies `change` to the socket's options and its stored ones: both or neither, EINVAL
/// if zmtp or `change` refuses the result.
template <class Change>
int update(socket_handle& s, Change change)
{
    try {
        stored_options kept = s.options_beside_zmtp();
        s.zmtp_socket().update_options([&](socket_options& o) {
            change(o, kept);
            pass_curve_keys(o, kept);
        });
        s.options_beside_zmtp() = std::move(kept);
        return 0;
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int set_subscription(socket_handle& s, int option, std::string_view topic)
{
    try {
        std::error_code ec;
        if (option == ZMQ_SUBSCRIBE)
            s.zmtp_socket().subscribe(topic, ec);
        else
            s.zmtp_socket().unsubscribe(topic, ec);
        if (ec == zmtp::errc::not_supported) // not a SUB, XSUB or manual XPUB: libzmq's EINVAL
            return fail(EINVAL);
        return ec ? fail(ec) : 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int set_option(socket_handle& s, int option, const void* value, size_t size)
{
    const char* bytes = static_cast<const char*>(value);
    if (option == ZMQ_SUBSCRIBE || option == ZMQ_UNSUBSCRIBE)
        return set_subscription(s, option, std::string_view(bytes, size));
    if (const int_option* o = find(int_options, option)) {
        int v;
        if (!o->set || !applies(o->types, s) || size != sizeof v)
            return fail(EINVAL);
        std::memcpy(&v, value, sizeof v);
        if (v < o->low || v > o->high)
            return fail(EINVAL);
        return update(s, [&](socket_options& opts, stored_options& kept) { o->set(opts, kept, v); });
    }
    if (const wide_option* o = find(wide_options, option)) {
        std::int64_t v;
        if (size != sizeof v)
            return fail(EINVAL);
        std::memcpy(&v, value, sizeof v);
        if (v < o->low)
            return fail(EINVAL);
        return update(s, [&](socket_options& opts, stored_options& kept) { o->set(opts, kept, v); });
    }
    if (const bytes_option* o = find(bytes_options, option)) {
        if (!applies(o->types, s))
            return fail(EINVAL);
        std::optional<std::string_view> v;
        if (value != nullptr) {
            v = std::string_view(bytes, size);
            // A string or Z85 key given with its terminating NUL: the NUL is not part of it.
            const bool z85_with_nul = o->form == format::curve_key && size == 41;
            if ((o->form == format::text || z85_with_nul) && !v->empty() && v->back() == '\0')
                v->remove_suffix(1);
            if (v->size() < o->min_size || v->size() > o->max_size)
                return fail(EINVAL);
            if (o->form == format::curve_key && v->size() != zmtp::curve_key_size && v->size() != 40)
                return fail(EINVAL);
        }
        return update(s, [&](socket_options& opts, stored_options& kept) { o->set(opts, kept, v); });
    }
    return fail(EINVAL); // unknown, read-only, or for what zmtp does not do (see the top)
}

/// Writes `answer` for the caller's buffer of *size bytes, as `form` says.
int answer_bytes(void* value, size_t* size, const std::string& answer, format form)
{
    if (form == format::curve_key && *size != zmtp::curve_key_size) {
        if (*size < 41)
            return fail(EINVAL);
        std::string text = zmtp::z85_encode(std::as_bytes(std::span(answer.data(), answer.size())));
        std::memcpy(value, text.c_str(), text.size() + 1);
        *size = text.size() + 1;
        explicit_bzero(text.data(), text.size());
        return 0;
    }
    const bool with_nul = form == format::text;
    if (*size < answer.size() + (with_nul ? 1 : 0))
        return fail(EINVAL);
    std::memcpy(value, answer.data(), answer.size());
    if (with_nul)
        static_cast<char*>(value)[answer.size()] = '\0';
    *size = answer.size() + (with_nul ? 1 : 0);
    return 0;
}

int answer_int(void* value, size_t* size, int v)
{
    if (*size < sizeof v)
        return fail(EINVAL);
    std::memcpy(value, &v, sizeof v);
    *size = sizeof v;
    return 0;
}

int get_option(socket_handle& s, int option, void* value, size_t* size)
{
    if (value == nullptr || size == nullptr)
        return fail(EINVAL);
    if (option == ZMQ_TYPE)
        return answer_int(value, size, static_cast<int>(s.zmtp_socket().type()));
    if (option == ZMQ_RCVMORE)
        return answer_int(value, size, s.receiving_more() ? 1 : 0);
    if (option == ZMQ_LAST_ENDPOINT)
        return answer_bytes(value, size, s.zmtp_socket().last_endpoint(), format::text);
    if (option == ZMQ_EVENTS) {
        const zmtp::wait_type ready = s.events();
        return answer_int(value, size, (has(ready, zmtp::wait_type::read) ? ZMQ_POLLIN : 0)
                                           | (has(ready, zmtp::wait_type::write) ? ZMQ_POLLOUT : 0));
    }
    if (option == ZMQ_FD) {
        const int fd = s.readiness_fd();
        return fd < 0 ? -1 : answer_int(value, size, fd);
    }
    const int_option* as_int = find(int_options, option);
    const wide_option* as_wide = find(wide_options, option);
    const bytes_option* as_bytes = find(bytes_options, option);
    if (!as_int && !as_wide && !(as_bytes && as_bytes->get))
        return fail(EINVAL);
    const socket_options o = s.zmtp_socket().options();
    const stored_options& kept = s.options_beside_zmtp();
    if (as_int)
        return answer_int(value, size, as_int->get(o, kept));
    if (as_wide) {
        const std::int64_t v = as_wide->get(o, kept);
        if (*size < sizeof v)
            return fail(EINVAL);
        std::memcpy(value, &v, sizeof v);
        *size = sizeof v;
        return 0;
    }
    std::string answer = as_bytes->get(o, kept);
    const int rc = answer_bytes(value, size, answer, as_bytes->form);
    if (as_bytes->form == format::curve_key)
        explicit_bzero(answer.data(), answer.size());
    return rc;
}

} // namespace

extern "C" {

int zmq_setsockopt(void* handle, int option, const void* value, size_t size)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    if (value == nullptr && size != 0)
        return fail(EINVAL);
    return set_option(*s, option, value, size);
}

int zmq_getsockopt(void* handle, int option, void* value, size_t* size)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    try {
        return get_option(*s, option, value, size);
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

} // extern "C"
