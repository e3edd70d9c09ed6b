// zmtp::peer_properties: who sent a received message (libzmq's zmq_msg_gets).
#pragma once

#include "zmtp/wire/metadata.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace zmtp {

namespace detail {
class peer_properties_ref;
class peer_properties_source;
} // namespace detail

/// The properties of the connection a message arrived on, fixed when its handshake ended:
/// what the peer announced (Socket-Type, Identity, its X- metadata...), what the ZAP
/// handler said (User-Id and its metadata) and where the peer is (Peer-Address: its IP, or
/// "localhost:UID:GID:PID" for ipc; none for inproc). libzmq's zmq_msg_gets gives the same.
///
/// Every message received from that connection shares one immutable object: no
/// allocation per message. User-Id and Peer-Address are never the peer's own say: a
/// peer's properties of those names are dropped.
class peer_properties {
public:
    /// The value of the property named `name` (compared case-insensitively), or nullopt.
    /// "Routing-Id" also finds the peer's Identity (zmq_msg_gets(3) calls Identity its
    /// deprecated alias). A NUL byte follows the value (`value.data()[value.size()]`), so
    /// it can go to C as it is, as zmq_msg_gets gives it.
    std::optional<std::string_view> get(std::string_view name) const noexcept;

    /// The User-Id the ZAP handler gave the peer; nullopt when no handler was asked.
    std::optional<std::string_view> user_id() const noexcept { return get("User-Id"); }
    /// The peer's address; nullopt for inproc peers.
    std::optional<std::string_view> peer_address() const noexcept { return get("Peer-Address"); }
    /// The peer's socket type ("DEALER", ...), as its READY announced it.
    std::optional<std::string_view> socket_type() const noexcept { return get("Socket-Type"); }
    /// The routing id the peer announced (its Identity), if it sent one.
    std::optional<std::string_view> routing_id() const noexcept { return get("Routing-Id"); }

    /// The descriptor of the connection's socket, as it was while the connection lived
    /// (libzmq's deprecated ZMQ_SRCFD); -1 for inproc. Once the connection has ended the
    /// number may belong to another descriptor.
    int source_fd() const noexcept { return source_fd_; }

    /// Every property, in order: the peer's, then the ZAP handler's, then User-Id and
    /// Peer-Address. Calls `f(wire::property)` for each.
    template <class F>
    void for_each(F&& f) const
    {
        all_.for_each(std::forward<F>(f));
    }

    /// Properties of a connection: the peer's metadata (User-Id and Peer-Address left out),
    /// the handler's, its User-Id (if a handler was asked) and the peer's address (if any).
    peer_properties(const wire::metadata& peer, const wire::metadata& from_handler,
                    const std::optional<std::string>& user_id, std::string_view peer_address, int source_fd = -1);
    peer_properties(const peer_properties&) = delete;
    peer_properties& operator=(const peer_properties&) = delete;

private:
    friend class detail::peer_properties_ref;
    friend class detail::peer_properties_source;

    /// The connection's own share of the count, large enough that the messages' shares
    /// never bring it to zero while the connection lives (see peer_properties_source).
    static constexpr std::int64_t connection_share = std::int64_t{1} << 62;

    /// The value of the property named exactly `name` (any case), from values_.
    std::optional<std::string_view> find(std::string_view name) const noexcept;

    wire::metadata all_;
    /// Each value of all_, in order, followed by a NUL.
    std::string values_;
    int source_fd_;
    /// The connection's share, plus one per copy of a message, minus one per message gone.
    mutable std::atomic<std::int64_t> references_{connection_share};
};

namespace detail {

/// A message's counted reference to the properties of the peer that sent it (empty for a
/// message that was not received). Copying adds a reference; the last one deletes.
class peer_properties_ref {
public:
    peer_properties_ref() noexcept = default;
    peer_properties_ref(const peer_properties_ref& other) noexcept : p_(other.p_)
    {
        if (p_)
            p_->references_.fetch_add(1, std::memory_order_relaxed);
    }
    peer_properties_ref(peer_properties_ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
    peer_properties_ref& operator=(peer_properties_ref other) noexcept
    {
        std::swap(p_, other.p_);
        return *this;
    }
    ~peer_properties_ref() { release(p_, 1); }

    const peer_properties* get() const noexcept { return p_; }

    /// Takes `count` references off `p`, deleting it when none is left.
    static void release(const peer_properties* p, std::int64_t count) noexcept
    {
        if (p && p->references_.fetch_sub(count, std::memory_order_acq_rel) == count)
            delete p;
    }

private:
    friend class peer_properties_source;
    /// A reference already counted by its source.
    explicit peer_properties_ref(const peer_properties* p) noexcept : p_(p) {}

    const peer_properties* p_ = nullptr;
};

/// A connection's side of its properties: hands a reference to every message it delivers
/// without touching the shared count (the connection's thread counts them in a plain
/// integer), and settles that tally when it goes. The count then holds exactly the
/// references still alive, and the last of them deletes the properties. So a message
/// costs one atomic operation, where and when it is destroyed, and none on arrival.
class peer_properties_source {
public:
    peer_properties_source() noexcept = default;
    peer_properties_source(const peer_properties_source&) = delete;
    peer_properties_source& operator=(const peer_properties_source&) = delete;
    ~peer_properties_source() { reset(); }

    /// From now on, messages get `p` (a new object, not yet shared).
    void reset(const peer_properties* p = nullptr) noexcept
    {
        if (p_) // messages hold `issued_` references; the connection's share goes
            peer_properties_ref::release(p_, peer_properties::connection_share - issued_);
        p_ = p;
        issued_ = 0;
    }
    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// A reference for one message.
    peer_properties_ref issue() noexcept
    {
        ++issued_;
        return peer_properties_ref(p_);
    }

private:
    const peer_properties* p_ = nullptr;
    std::int64_t issued_ = 0;
};

} // namespace detail
} // namespace zmtp
