#include "runtime/socket_core.hpp"

#include "runtime/connector.hpp"
#include "runtime/core_registry.hpp"
#include "runtime/listener.hpp"
#include "pattern/make_pattern.hpp"
#include "runtime/session.hpp"
#include "runtime/zap_client.hpp"
#include "zmtp/error.hpp"

#include <asio/bind_allocator.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <random>

namespace zmtp::detail {
namespace {

std::uint32_t random_seed()
{
    std::random_device device;
    return device();
}

/// Handshake failures that would repeat on every attempt: the peer sent ERROR (fatal, says
/// the RFC), or it is of the wrong type, mechanism or protocol version. A connector that
/// meets one stops, as libzmq's does, instead of hammering the peer.
bool is_refusal(std::error_code ec) noexcept
{
    return ec == errc::peer_error || ec == errc::incompatible_socket_type || ec == errc::unknown_socket_type
        || ec == errc::mechanism_mismatch || ec == errc::unsupported_zmtp_1_0 || ec == errc::unsupported_zmtp_2_0
        || ec == errc::duplicate_property || ec == errc::authentication_denied || ec == errc::authentication_error;
}

/// A bind error as the user compares it: EADDRINUSE as errc::address_in_use (the same
/// error inproc gives), other system errors in std::system_category, which compares
/// equal to std::errc (Asio's own system category does not).
std::error_code bind_error(std::error_code ec)
{
    if (ec.category() != asio::error::get_system_category())
        return ec;
    if (ec.value() == EADDRINUSE)
        return errc::address_in_use;
    return {ec.value(), std::system_category()};
}

/// Queue storage kept once a backlog of monitor events has been read (the default 10,000
/// max_monitor_events of 88 bytes grow it to 16,384 slots, 1.4 MiB, which would otherwise
/// stay allocated).
constexpr std::size_t max_idle_event_slots = 64;
/// Most messages receive_exclusive() takes ahead under one lock: it takes the lock once per
/// batch, and a batch is bounded memory (within handover_ring::capacity).
constexpr std::size_t receive_ahead_batch = 256;
static_assert(receive_ahead_batch <= handover_ring::capacity);
/// How many times send_exclusive() yields the processor to the executor, when the room it
/// was granted is used up while the executor takes, before it does that work itself under
/// the lock (which the executor would then wait for, and the ring would stay empty).
constexpr int yields_before_taking_over = 4;
/// How many times the executor, woken to take a few handed-over frames, yields the processor
/// first, while the sending thread keeps adding: then one take and one write carry more of a
/// stream, and the sender signals less often. A lone message costs one yield.
constexpr int yields_before_taking = 4;
/// The least room a grant must give for send_exclusive() to yield once it is used up: a
/// take frees that much again, where a smaller room (a low send_hwm) waits for a write.
constexpr std::size_t least_room_to_yield_for = frame_handover::capacity / 8;

template <class T>
void erase_one(std::vector<T>& v, const T& value)
{
    if (const auto it = std::find(v.begin(), v.end(), value); it != v.end())
        v.erase(it);
}

/// Completes `op` with operation_aborted if it still waits in `waiting`; false if it is
/// not there (it completed: its handler may not have run yet).
template <class Result>
bool abort_waiting(std::vector<pending_op<std::error_code, Result>*>& waiting, pending_op<std::error_code, Result>* op)
{
    const auto it = std::find(waiting.begin(), waiting.end(), op);
    if (it == waiting.end())
        return false;
    waiting.erase(it);
    op->complete(asio::error::operation_aborted, Result{});
    return true;
}

} // namespace

namespace {

/// Makes `m` (new, unused) spin a little before it sleeps when it is taken (glibc's adaptive
/// mutex). An application thread and the I/O thread take a socket's lock for a short
/// while per message each: sleeping and waking for it (two context switches) cost more
/// than the wait, and halved a blocking sender's throughput.
void spin_before_sleeping(std::mutex& m)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(m.native_handle(), &attr);
    pthread_mutexattr_destroy(&attr);
}

} // namespace

socket_core::socket_core(asio::any_io_executor ex, socket_type t, socket_options options)
    : executor(std::move(ex)),
      type(t),
      options_(std::move(options)),
      pattern_(pattern::make_pattern<pipe>(t, *this, options_, random_seed())),
      linger_timer_(std::in_place, executor)
{
    if (!pattern_)
        throw std::system_error(errc::not_supported, "zmtp::socket: no " + std::string(to_string(type)) + " sockets");
    set_conflation();
    spin_before_sleeping(mutex);
}

socket_core::~socket_core() = default;

wire::connection_options socket_core::connection_options() const
{
    wire::connection_options o;
    o.type = type;
    o.routing_id = options_.routing_id;
    o.limits.max_message_size = options_.max_message_size;
    o.limits.max_command_size = options_.max_command_size;
    o.limits.max_message_frames = options_.max_message_frames;
    o.max_handshake_size = options_.max_handshake_size;
    o.handshake_timeout = options_.handshake_timeout;
    o.heartbeat_interval = options_.heartbeat_interval;
    o.heartbeat_timeout = options_.heartbeat_timeout;
    o.heartbeat_ttl = options_.heartbeat_ttl;
    for (const auto& [name, value] : options_.metadata)
        o.properties.set(name, value);
    using mechanism_type = wire::security_options::mechanism_type;
    if (options_.plain_server || options_.plain_username || options_.plain_password) {
        o.security.mechanism = mechanism_type::plain;
        o.security.server = options_.plain_server;
        o.security.plain_username = options_.plain_username.value_or("");
        o.security.plain_password = options_.plain_password.value_or("");
    }
    if (options_.curve_server || options_.curve_server_key) {
        o.security.mechanism = mechanism_type::curve;
        o.security.server = options_.curve_server;
        o.security.curve_server = options_.curve_server_key.value_or(curve_public_key{});
        const curve_key_pair& keys = curve_keys();
        o.security.curve_public = keys.public_key;
        o.security.curve_secret = keys.secret_key;
    }
    o.security.authenticate_null = !options_.zap_domain.empty();
    return o;
}

const curve_key_pair& socket_core::curve_keys() const
{
    if (!curve_keys_) {
        if (options_.curve_secret_key)
            curve_keys_ = curve_key_pair{curve_public(*options_.curve_secret_key), *options_.curve_secret_key};
        else
            curve_keys_ = curve_keypair(); // a client that has none makes its own, once
    }
    return *curve_keys_;
}

std::uint64_t socket_core::authenticate(const wire::authentication_request& request, std::string_view address,
                                        std::function<void(wire::authentication_result)> done)
{
    if (zap_client::handler_bound(options_.inproc_scope)) {
        if (!zap_)
            zap_ = std::make_shared<zap_client>(executor, options_.inproc_scope);
        return zap_->ask(request, {.domain = options_.zap_domain, .address = address, .identity = options_.routing_id},
                         std::move(done));
    }
    // No handler: libzmq admits a NULL or CURVE peer and refuses a PLAIN one (it closes
    // after HELLO, sending nothing); zap_enforce_domain refuses them all.
    const bool admit = !options_.zap_enforce_domain && request.mechanism != "PLAIN";
    wire::authentication_result result;
    result.status_code = admit ? "200" : "300";
    asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    return 0;
}

void socket_core::cancel_authentication(std::uint64_t id)
{
    if (zap_ && id != 0)
        zap_->cancel(id);
}

// --- endpoints ---------------------------------------------------------------

std::error_code socket_core::closed_error() const noexcept
{
    return terminated_ ? errc::context_terminated : errc::socket_closed;
}

std::error_code socket_core::bind(std::string_view text)
{
    if (closed_)
        return closed_error();
    endpoint ep;
    if (std::error_code ec = parse_endpoint(text, ep))
        return ec;
    if (ep.transport != transport::inproc && options_.use_fd >= 0
        && std::any_of(listeners_.begin(), listeners_.end(), [&](const auto& l) { return l->holds(options_.use_fd); }))
        return errc::address_in_use; // its listener took the descriptor
    auto l = std::make_shared<listener>(shared_from_this(), ep, std::string(text));
    if (std::error_code ec = l->open()) {
        ec = bind_error(ec);
        monitor(monitor_event_type::bind_failed, std::string(text), ec);
        return ec;
    }
    listeners_.push_back(l);
    last_endpoint_ = l->bound_endpoint();
    monitor(monitor_event_type::listening, last_endpoint_, {}, {}, l->descriptor());
    l->start();
    return {};
}

std::error_code socket_core::connect(std::string_view text)
{
    if (closed_)
        return closed_error();
    endpoint ep;
    if (std::error_code ec = parse_endpoint(text, ep))
        return ec;
    if (ep.transport == transport::tcp && ep.port == 0)
        return errc::invalid_endpoint; // cannot connect to "any port"
    auto c = std::make_shared<connector>(shared_from_this(), ep, std::string(text));
    if (!options_.connect_routing_id.empty()) { // the peer has an id before it is reached
        pipe* p = make_pipe(c.get(), std::exchange(options_.connect_routing_id, {}));
        if (!p)
            return errc::duplicate_routing_id;
        c->peer_pipe = p;
    } else if (!options_.immediate) {
        c->peer_pipe = make_pipe(c.get());
    }
    connectors_.push_back(c);
    last_endpoint_ = std::string(text);
    c->start();
    retry_waiting(); // its queue may take messages now
    return {};
}

std::error_code socket_core::connect_watched(std::string_view text, pending_op<>& handshaken)
{
    if (const std::error_code ec = connect(text))
        return ec;
    connectors_.back()->notify_when_handshaken(handshaken);
    return {};
}

void socket_core::forget_watch(pending_op<>& handshaken) noexcept
{
    for (const auto& c : connectors_)
        c->forget(handshaken);
}

std::error_code socket_core::unbind(std::string_view text)
{
    take_handed_over();
    send_limit_.store(0, std::memory_order_relaxed); // the room may go with its peers
    const auto it = std::find_if(listeners_.begin(), listeners_.end(), [&](const auto& l) {
        return l->text() == text || l->bound_endpoint() == text;
    });
    if (it == listeners_.end())
        return errc::no_such_endpoint;
    const std::shared_ptr<listener> l = *it;
    listeners_.erase(it);
    l->stop();
    return {};
}

std::error_code socket_core::disconnect(std::string_view text)
{
    take_handed_over(); // sent before: they may go to this peer
    send_limit_.store(0, std::memory_order_relaxed); // the room may go with it
    const auto it = std::find_if(connectors_.begin(), connectors_.end(), [&](const auto& c) { return c->text() == text; });
    if (it == connectors_.end())
        return errc::no_such_endpoint;
    const std::shared_ptr<connector> c = *it;
    connectors_.erase(it);
    c->stop();
    pipe* p = c->peer_pipe;
    c->peer_pipe = nullptr;
    for (const std::shared_ptr<session>& s : std::vector(sessions_))
        if (s->origin() == c)
            s->stop(errc::socket_closed);
    if (p) {
        p->origin = nullptr;
        terminate(*p);
    }
    return {};
}

std::error_code socket_core::change_subscription(bool on, std::string_view topic)
{
    if (closed_)
        return closed_error();
    return pattern_->subscribe(on, std::as_bytes(std::span(topic)));
}

// --- pipes and sessions ------------------------------------------------------

pipe* socket_core::make_pipe(connector* origin, std::string routing_id)
{
    incoming_.reserve(pipes_.size() + 1); // deliver() then never allocates to queue a pipe
    pipes_.push_back(std::make_unique<pipe>(origin));
    pipe* p = pipes_.back().get();
    if (routing_id.empty()) {
        pattern_->add(*p);
        return p;
    }
    p->routing_id = std::move(routing_id);
    p->routing_id_assigned = true;
    if (pattern_->add_with_id(*p)) {
        pipes_.pop_back(); // nothing refers to it yet
        return nullptr;
    }
    return p;
}

void socket_core::start_session(const std::shared_ptr<session>& s)
{
    sessions_.push_back(s);
    s->start();
    if (closed_)
        s->stop_after_flush(); // a lingering connector reached its peer: flush, then go
}

std::error_code socket_core::attach(session& s)
{
    const auto& origin = s.origin();
    pipe* p = origin ? origin->peer_pipe : nullptr;
    const bool made = !p;
    if (made) {
        // immediate: the pipe lives while connected. It must name its connector, so that
        // session_ended() clears the connector's pointer to it when it is destroyed.
        p = make_pipe(origin.get());
    }
    if (!p->routing_id_assigned)
        p->routing_id = std::string(s.connection().peer_metadata().get("Identity").value_or(""));
    if (const std::error_code ec = pattern_->attach(*p)) {
        monitor(monitor_event_type::handshake_failed_protocol, s.endpoint(), ec, p->routing_id);
        if (made)
            terminate(*p);
        return ec;
    }
    if (made && origin)
        origin->peer_pipe = p;
    p->active = &s;
    s.attach(*p);
    if (origin)
        origin->handshake_succeeded();
    monitor(monitor_event_type::handshake_succeeded, s.endpoint(), {}, p->routing_id);
    retry_sends();
    if (has_waits())
        serve_waits();
    return {};
}

void socket_core::disconnect(pipe& p, std::error_code reason)
{
    if (p.active)
        p.active->stop(reason);
}

void socket_core::close_after_flush(pipe& p)
{
    if (p.active)
        p.active->stop_after_flush();
}

bool socket_core::received(pipe& p, message&& msg)
{
    if (closed_ || !pattern_->arrived(p, msg))
        return true; // lingering (nobody will receive it), or dropped by the type
    try {
        queue_received(p, std::move(msg));
    } catch (const std::bad_alloc&) {
        return false;
    }
    return true;
}

void socket_core::subscription(pipe& p, bool on, std::span<const std::byte> topic)
{
    if (!closed_)
        pattern_->subscription(p, on, topic);
}

void socket_core::deliver(pipe& p, message&& msg)
{
    if (!closed_)
        queue_received(p, std::move(msg));
}

void socket_core::queue_received(pipe& p, message&& msg)
{
    if (conflation_.incoming)
        p.discard_input(); // only the newest waits
    p.queue_input(std::move(msg));
    if (!p.queued_for_receive) { // room was reserved for every pipe
        p.queued_for_receive = true;
        incoming_.push(&p);
    }
    serve_receivers();
    if (has_waits())
        serve_waits();
}

void socket_core::pipe_drained(pipe&)
{
    retry_waiting();
}

void socket_core::retry_waiting()
{
    if (closed_)
        return;
    retry_sends();
    if (has_waits())
        serve_waits();
}

void socket_core::session_ended(session& s, std::error_code reason, bool attached)
{
    const std::shared_ptr<session> keep = s.shared_from_this();
    erase_one(sessions_, keep);
    std::string routing_id; // for the event: the pipe may be destroyed below
    if (pipe* p = s.attached_pipe(); p && p->active == &s) {
        routing_id = p->routing_id;
        p->active = nullptr;
        p->encoded_taken(); // lost with the connection
        pattern_->detach(*p);
        // A connect() endpoint's queue waits for the next connection, if one will come.
        const bool persistent = p->origin && !options_.immediate && !closed_ && options_.reconnect_interval;
        if (!persistent) {
            if (p->origin)
                p->origin->peer_pipe = nullptr;
            terminate(*p);
        }
        grant_sends(); // its room is no more (PAIR's may move to another pipe)
    }
    // A timeout is the peer's fault but not a protocol violation: like an I/O error it is
    // reported as handshake_failed_no_detail (monitor.hpp; libzmq does the same).
    const bool timed_out = reason == errc::handshake_timeout || reason == errc::heartbeat_timeout;
    if (attached)
        monitor(monitor_event_type::disconnected, s.endpoint(), reason, std::move(routing_id), s.descriptor());
    else
        monitor(reason == error_kind::authentication ? monitor_event_type::handshake_failed_auth
                : (is_protocol_error(reason) && !timed_out) || reason == errc::duplicate_routing_id
                        || reason == errc::peer_already_connected
                    ? monitor_event_type::handshake_failed_protocol
                    : monitor_event_type::handshake_failed_no_detail,
                s.endpoint(), reason);
    if (const auto& origin = s.origin(); origin && !origin->stopped() && !closed_) {
        if (!attached && is_refusal(reason)) {
            origin->stop();
            if (pipe* p = std::exchange(origin->peer_pipe, nullptr)) {
                p->origin = nullptr;
                terminate(*p); // its messages could never be delivered
            }
        } else {
            origin->session_ended();
        }
    }
    if (closed_) {
        finish_close();
    } else {
        retry_sends(); // a send waiting for this peer can now fail (ROUTER) or find room
        if (has_waits())
            serve_waits();
    }
}

void socket_core::terminate(pipe& p)
{
    pattern_->remove(p);
    p.discard_output();
    p.terminating = true;
    if (!p.queued_for_receive)
        destroy(p);
    grant_sends(); // its room is no more
}

void socket_core::destroy(pipe& p)
{
    pattern_->remove(p);
    pattern_->forget(p);
    const auto it = std::find_if(pipes_.begin(), pipes_.end(), [&](const auto& owned) { return owned.get() == &p; });
    if (it != pipes_.end())
        pipes_.erase(it);
}

// --- send --------------------------------------------------------------------

void socket_core::push(pipe& p, message&& msg)
{
    // Nothing queued before it and a live connection: encode it now, skipping the queue.
    if (conflation_.outgoing)
        p.discard_output(); // only the newest waits
    if (p.active && !p.has_queued_output() && p.active->send_now(msg))
        return;
    p.queue_output(std::move(msg));
    if (p.active)
        p.active->notify_output();
}

std::error_code socket_core::try_send(message& msg)
{
    const std::error_code ec = send_message(msg);
    if (!ec && has_waits())
        serve_waits(); // REQ may now receive
    return ec;
}

std::error_code socket_core::send_exclusive(message& msg)
{
    if (hand_over(msg))
        return {};
    // Each take grants more room: while the executor takes, let it run.
    for (int i = 0; i < yields_before_taking_over && may_hand_over(msg) && yield_for_grant_.load(std::memory_order_relaxed) &&
                    taking_.load(std::memory_order_acquire);
         ++i) {
        sched_yield();
        if (hand_over(msg))
            return {};
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (!handed_over_ && !closed_ && pattern_->send_room(1) > 0)
        start_handing_over();
    // The first message goes that way too, rather than being routed here: the executor
    // routes it after reading what the peers sent before it (say, a subscription made
    // just before over inproc, as libzmq's PUB sees it).
    if (handed_over_ && hand_over(msg))
        return {};
    return try_send(msg); // takes what waits in the ring first
}

bool socket_core::hand_over(message& msg)
{
    if (!may_hand_over(msg) || handed_over_->pushed() >= send_limit_.load(std::memory_order_acquire) ||
        !handed_over_->try_push(msg))
        return false;
    // Both sides exchange taking_: keep_taking()'s exchange to false either comes later and
    // sees this message, or came before and this one signals.
    if (!taking_.exchange(true, std::memory_order_acq_rel))
        (void)::eventfd_write(take_signal_->native_handle(), 1); // cannot fail short of 2^64 signals
    return true;
}

void socket_core::start_handing_over()
{
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return; // no hand-over then: every send takes the lock
    take_signal_.emplace(executor, fd);
    handed_over_ = std::make_unique<frame_handover>();
    await_take_signal();
    grant_sends();
}

void socket_core::await_take_signal()
{
    take_signal_->async_wait(asio::posix::stream_descriptor::wait_read,
                             asio::bind_allocator(handler_allocator<void, 128>(take_memory_),
                                                  [self = shared_from_this()](std::error_code ec) {
        if (ec)
            return; // closed
        self->let_handed_over_grow();
        std::lock_guard<std::mutex> lock(self->mutex);
        if (!self->take_signal_ || self->closed_)
            return;
        eventfd_t count = 0;
        (void)::eventfd_read(self->take_signal_->native_handle(), &count);
        self->await_take_signal(); // before taking_ may go false: no signal is missed
        self->keep_taking();
    }));
}

void socket_core::let_handed_over_grow() const
{
    for (int i = 0; i < yields_before_taking && few_handed_over(); ++i) {
        const std::size_t before = handed_over_->frames_waiting();
        sched_yield();
        if (handed_over_->frames_waiting() == before)
            return; // the sender is not adding: take what there is
    }
}

void socket_core::take_handed_over()
{
    if (!handed_over_)
        return;
    message msg;
    bool took = false;
    {
        struct flag_guard {
            bool& flag;
            explicit flag_guard(bool& f) : flag(f) { flag = true; }
            ~flag_guard() { flag = false; }
        } taking(taking_handed_over_);
        while (handed_over_->try_pop(msg)) {
            took = true;
            // The room granted for it may have gone with its peer: then it is dropped, as
            // the messages queued for that peer were.
            if (!closed_)
                (void)pattern_->send(msg);
        }
    }
    for (const std::shared_ptr<session>& s : deferred_writes_)
        s->write_deferred();
    deferred_writes_.clear();
    if (took && has_waits())
        serve_waits();
    grant_sends();
}

void socket_core::grant_sends()
{
    if (!handed_over_)
        return;
    // The messages still in the ring will take some of this room: the limit counts from
    // the last one taken.
    const std::size_t room = closed_ ? 0 : pattern_->send_room(frame_handover::capacity);
    send_limit_.store(handed_over_->popped() + room, std::memory_order_release);
    yield_for_grant_.store(room >= least_room_to_yield_for, std::memory_order_relaxed);
}

void socket_core::keep_taking()
{
    for (;;) {
        take_handed_over();
        if (writes_in_flight_ > 0)
            return; // the end of a write takes again
        taking_.exchange(false, std::memory_order_acq_rel);
        if (handed_over_->empty() || taking_.exchange(true, std::memory_order_acq_rel))
            return; // nothing came meanwhile, or its sender posted
    }
}

void socket_core::write_finished()
{
    --writes_in_flight_;
    if (taking_.load(std::memory_order_acquire))
        keep_taking();
    else
        grant_sends(); // the write made room
}

std::error_code socket_core::send_message(message& msg)
{
    take_handed_over();
    if (closed_)
        return closed_error();
    if (msg.empty())
        return errc::empty_message;
    const std::error_code ec = pattern_->send(msg);
    grant_sends(); // the message took room the last grant counted on
    return ec;
}

void socket_core::wait_send(message&& msg, send_op* op)
{
    waiting_sends_.push_back({std::move(msg), op});
}

void socket_core::cancel_send(send_op* op)
{
    const auto it = std::find_if(waiting_sends_.begin(), waiting_sends_.end(), [&](const auto& w) { return w.op == op; });
    if (it == waiting_sends_.end())
        return;
    waiting_sends_.erase(it);
    op->complete(asio::error::operation_aborted);
}

std::error_code socket_core::send_or_wait(message& msg, async_send_op* op, bool woken)
{
    std::error_code ec = errc::would_block;
    if (woken || waiting_sends_.empty() || closed_) // first come, first served
        ec = try_send(msg);
    if (ec == errc::would_block)
        waiting_sends_.insert(woken ? waiting_sends_.begin() : waiting_sends_.end(), waiting_send{{}, nullptr, op});
    else if (!waiting_sends_.empty())
        retry_sends(); // there may be room for the next one too
    return ec;
}

void socket_core::cancel_async_send(async_send_op* op)
{
    op->cancel(asio::error::operation_aborted);
    const auto it = std::find_if(waiting_sends_.begin(), waiting_sends_.end(), [&](const auto& w) { return w.async == op; });
    if (it == waiting_sends_.end())
        return; // its attempt is already posted and will see the cancellation
    waiting_sends_.erase(it);
    op->wake();
}

void socket_core::retry_sends()
{
    while (!waiting_sends_.empty()) {
        if (waiting_sends_.front().async) {
            // It sends from its own executor, and retries this when it has sent.
            if (!pattern_->may_send())
                return;
            async_send_op* op = waiting_sends_.front().async;
            waiting_sends_.erase(waiting_sends_.begin());
            op->wake();
            return;
        }
        // Out of the list while it is tried: a send may write at once, and the write call
        // this again (nested) for the sends behind it.
        waiting_send w = std::move(waiting_sends_.front());
        waiting_sends_.erase(waiting_sends_.begin());
        const std::error_code ec = try_send(w.msg);
        if (ec == errc::would_block) {
            waiting_sends_.insert(waiting_sends_.begin(), std::move(w));
            return;
        }
        w.op->complete(ec);
    }
}

// --- receive -----------------------------------------------------------------

std::error_code socket_core::try_receive(message& msg)
{
    const std::error_code ec = take_message(msg);
    if (!ec && has_waits())
        serve_waits(); // REP may now send
    return ec;
}

std::error_code socket_core::receive_exclusive(message& msg)
{
    if (received_ahead_ && receive_ahead_open_.load(std::memory_order_acquire) && received_ahead_->try_pop(msg))
        return {};
    std::lock_guard<std::mutex> lock(mutex);
    const std::error_code ec = try_receive(msg);
    // Not with conflate: a newer message replaces the one in its queue, not one taken ahead.
    if (ec || closed_ || !pattern_->may_receive_ahead() || conflation_.incoming || incoming_.empty())
        return ec;
    if (!received_ahead_) {
        received_ahead_ = std::make_unique<handover_ring>();
        receive_ahead_open_.store(true, std::memory_order_release);
    }
    // The ring is empty (its messages came first): up to a batch fits, each taken
    // straight into its slot.
    for (std::size_t n = 0; n < receive_ahead_batch; ++n)
        if (!received_ahead_->try_push_with([this](message& slot) { return take_from_pipes(slot); }))
            break;
    return ec;
}

std::error_code socket_core::take_message(message& msg)
{
    if (closed_)
        return closed_error();
    if (std::error_code ec = pattern_->can_receive())
        return ec;
    if (!returned_.empty()) {
        returned_.pop_front_into(msg);
        pattern_->retaken();
        return {};
    }
    if (received_ahead_ && received_ahead_->try_pop(msg))
        return {};
    if (take_from_pipes(msg))
        return {};
    msg.clear();
    return errc::would_block;
}

bool socket_core::take_from_pipes(message& msg)
{
    while (!incoming_.empty()) {
        pipe* p = incoming_.pop();
        p->take_input(msg);
        const bool accepted = pattern_->accept(*p, msg);
        // Its session stopped reading when the queue was full: it reads again from here.
        // (Decided before a terminating pipe may be destroyed below; such a pipe has none.)
        session* const resume = !p->terminating && p->active && p->active->input_paused()
                                        && p->at_receive_lwm(options_.receive_hwm)
                                    ? p->active
                                    : nullptr;
        if (p->has_input()) {
            incoming_.push(p);
        } else {
            p->queued_for_receive = false;
            if (p->terminating)
                destroy(*p);
        }
        if (resume)
            resume->resume_input();
        if (accepted)
            return true;
    }
    return false;
}

void socket_core::wait_receive(receive_op* op)
{
    waiting_receives_.push_back(op);
}

void socket_core::cancel_receive(receive_op* op)
{
    if (abort_waiting(waiting_receives_, op))
        return;
    // Taken, but its handler has not run: first in line again, as if never received;
    // unless REQ/REP sent since (a new request, the reply): then it is stale, and stays
    // with the op.
    if (!pattern_->may_give_back())
        return;
    returned_.reserve(returned_.size() + 1); // give_back() cannot fail once taken back
    std::error_code ec;
    message msg;
    if (!op->take_back(ec, msg))
        return;
    give_back(std::move(msg));
    serve_receivers();
    if (has_waits())
        serve_waits();
}

void socket_core::give_back(message&& msg)
{
    pattern_->given_back();
    returned_.push_front(std::move(msg));
}

bool socket_core::has_receivable()
{
    if (!returned_.empty() || (received_ahead_ && !received_ahead_->empty()))
        return true;
    if (incoming_.empty())
        return false;
    if (!pattern_->accept_may_drop())
        return true;
    // REQ and REP drop what they cannot accept: find the next message they can, and keep
    // it first in line.
    message msg;
    if (take_message(msg))
        return false;
    give_back(std::move(msg));
    return true;
}

void socket_core::serve_receivers()
{
    while (!waiting_receives_.empty()) {
        message msg;
        const std::error_code ec = try_receive(msg);
        if (ec == errc::would_block)
            return;
        receive_op* op = waiting_receives_.front();
        waiting_receives_.erase(waiting_receives_.begin());
        op->complete(ec, std::move(msg));
    }
}

// --- readiness ---------------------------------------------------------------

wait_type socket_core::ready_for()
{
    take_handed_over();
    if (closed_)
        return wait_type::none;
    const wait_type ready = !pattern_->can_receive() && has_receivable() ? wait_type::read : wait_type::none;
    return pattern_->may_send() ? ready | wait_type::write : ready;
}

std::error_code socket_core::can_send(const frame* first)
{
    take_handed_over();
    if (closed_)
        return closed_error();
    return first ? pattern_->can_start(*first) : pattern_->can_send();
}

void socket_core::wait_ready(wait_type what, wait_op* op)
{
    if (closed_)
        return op->complete(closed_error());
    if (has(ready_for(), what))
        return op->complete({});
    read_waits_.reserve(read_waits_.size() + 1); // in both lists or in neither
    write_waits_.reserve(write_waits_.size() + 1);
    if (has(what, wait_type::read))
        read_waits_.push_back(op);
    if (has(what, wait_type::write))
        write_waits_.push_back(op);
}

void socket_core::cancel_wait(wait_op* op)
{
    const bool was_reading = std::erase(read_waits_, op) > 0;
    const bool was_writing = std::erase(write_waits_, op) > 0;
    if (was_reading || was_writing)
        op->complete(asio::error::operation_aborted);
}

void socket_core::serve_waits()
{
    const wait_type ready = ready_for();
    std::vector<wait_op*> done;
    if (has(ready, wait_type::read))
        done.swap(read_waits_);
    if (has(ready, wait_type::write))
        for (wait_op* op : std::exchange(write_waits_, {}))
            if (std::find(done.begin(), done.end(), op) == done.end())
                done.push_back(op);
    for (wait_op* op : done) { // an op waiting for either is in both lists
        std::erase(read_waits_, op);
        std::erase(write_waits_, op);
        op->complete({});
    }
}

// --- monitor -----------------------------------------------------------------

void socket_core::enable_monitor(bool on)
{
    monitoring_ = on;
    if (!on)
        events_.clear();
}

void socket_core::monitor(monitor_event_type t, std::string ep, std::error_code ec, std::string routing_id, int fd)
{
    if (!monitoring_)
        return;
    if (events_.size() >= std::max<std::size_t>(options_.max_monitor_events, 1))
        events_.pop_front();
    events_.push_back({t, std::move(ep), std::move(routing_id), ec, fd});
    serve_monitors();
}

std::error_code socket_core::try_next_event(monitor_event& event)
{
    if (events_.empty())
        return closed_ ? closed_error() : make_error_code(errc::would_block);
    event = events_.pop_front();
    events_.shrink_if_empty(max_idle_event_slots);
    return {};
}

void socket_core::wait_event(event_op* op)
{
    waiting_events_.push_back(op);
}

void socket_core::cancel_event(event_op* op)
{
    if (abort_waiting(waiting_events_, op))
        return;
    std::error_code ec;
    monitor_event event;
    if (op->take_back(ec, event)) {
        events_.push_front(std::move(event));
        serve_monitors();
    }
}

void socket_core::serve_monitors()
{
    while (!waiting_events_.empty() && !events_.empty()) {
        event_op* op = waiting_events_.front();
        waiting_events_.erase(waiting_events_.begin());
        op->complete({}, events_.pop_front());
    }
    events_.shrink_if_empty(max_idle_event_slots);
}

// --- close -------------------------------------------------------------------

void socket_core::close()
{
    close_with(asio::error::operation_aborted);
}

void socket_core::terminate()
{
    terminated_ = true;
    close_with(errc::context_terminated);
    for (event_op* op : std::exchange(waiting_events_, {})) // nothing more will be read
        op->complete(errc::context_terminated, monitor_event{});
}

void socket_core::orphan()
{
    terminate();
    for (const std::shared_ptr<session>& s : std::vector(sessions_))
        s->stop(errc::context_terminated);
    for (const std::shared_ptr<connector>& c : std::exchange(connectors_, {}))
        c->stop();
    finish_close();
    linger_timer_.reset();
    take_signal_.reset();
    orphaned_.store(true, std::memory_order_release);
}

void socket_core::close_with(std::error_code reason)
{
    if (closed_)
        return;
    take_handed_over(); // they linger with the rest
    closed_ = true;
    send_limit_.store(0, std::memory_order_relaxed);
    receive_ahead_open_.store(false, std::memory_order_release);
    if (take_signal_)
        take_signal_->cancel(); // its wait holds the core
    std::vector<wait_op*> waits = std::exchange(read_waits_, {});
    for (wait_op* op : std::exchange(write_waits_, {}))
        if (std::find(waits.begin(), waits.end(), op) == waits.end()) // read|write: in both
            waits.push_back(op);
    for (wait_op* op : waits)
        op->complete(reason);
    for (waiting_send& w : std::exchange(waiting_sends_, {})) {
        if (w.async) {
            w.async->cancel(reason);
            w.async->wake();
        } else {
            w.op->complete(reason);
        }
    }
    returned_.clear();
    for (receive_op* op : std::exchange(waiting_receives_, {}))
        op->complete(reason, message{});
    for (const auto& l : std::exchange(listeners_, {}))
        l->stop();
    if (zap_)
        zap_->close(); // handshakes waiting for it end with their sessions

    // Linger: connections with queued messages keep flushing; the rest close now.
    const bool linger = !options_.linger || options_.linger->count() > 0;
    for (const std::shared_ptr<session>& s : std::vector(sessions_)) {
        pipe* p = s->attached_pipe();
        const bool has_output = (p && p->has_queued_output()) || !s->flushed();
        if (linger && has_output && (p || s->origin()))
            s->stop_after_flush();
        else
            s->stop(errc::socket_closed);
    }
    for (const std::shared_ptr<connector>& c : connectors_) {
        const bool waiting_messages = c->peer_pipe && c->peer_pipe->has_queued_output();
        const bool has_session = std::any_of(sessions_.begin(), sessions_.end(),
                                             [&](const auto& s) { return s->origin() == c; });
        if (!(linger && (waiting_messages || has_session)))
            c->stop();
    }
    if (options_.linger && options_.linger->count() > 0) {
        linger_timer_->expires_after(*options_.linger);
        linger_timer_->async_wait([self = shared_from_this()](std::error_code ec) {
            std::lock_guard<std::mutex> lock(self->mutex);
            if (ec)
                return;
            for (const auto& s : std::vector(self->sessions_))
                s->stop(errc::socket_closed);
            for (const auto& c : std::exchange(self->connectors_, {}))
                c->stop();
            self->finish_close(); // with no session left to do it: drop the queues, end monitor waits
        });
    }
    finish_close();
}

void socket_core::finish_close()
{
    // A connector goes once it is stopped, or has neither a connection nor messages left.
    for (const std::shared_ptr<connector>& c : std::vector(connectors_)) {
        const bool has_session = std::any_of(sessions_.begin(), sessions_.end(),
                                             [&](const auto& s) { return s->origin() == c; });
        const bool waiting_messages = c->peer_pipe && c->peer_pipe->has_queued_output();
        if (c->stopped() || (!has_session && !waiting_messages)) {
            c->stop();
            erase_one(connectors_, c);
        }
    }
    if (sessions_.empty() && connectors_.empty()) {
        if (linger_timer_)
            linger_timer_->cancel();
        pipes_.clear();
        for (event_op* op : std::exchange(waiting_events_, {}))
            op->complete(asio::error::operation_aborted, monitor_event{});
    }
}

// --- the narrow interface used by zmtp::socket's templates --------------------

std::shared_ptr<socket_core> make_socket_core(asio::any_io_executor ex, socket_type type, socket_options options)
{
    auto core = std::make_shared<socket_core>(ex, type, std::move(options));
    // After the core's timer: Asio shuts services down newest first, so the registry
    // lets go of the I/O objects while the services they use still work.
    asio::use_service<core_registry>(asio::query(ex, asio::execution::context)).add(core);
    return core;
}

void throw_if_orphaned(socket_core& core)
{
    if (core.orphaned())
        throw std::system_error(errc::context_terminated, "zmtp::socket: its execution context is gone");
}

const asio::any_io_executor& core_executor(socket_core& core) noexcept { return core.executor; }
std::unique_lock<std::mutex> lock_core(socket_core& core) { return std::unique_lock<std::mutex>(core.mutex); }
void pass_send_turn(socket_core& core) { core.retry_waiting(); }
void wait_ready(socket_core& core, wait_type what, wait_op* op) { core.wait_ready(what, op); }
std::error_code send_or_wait(socket_core& core, message& msg, async_send_op* op, bool woken)
{
    return core.send_or_wait(msg, op, woken);
}
std::error_code try_receive(socket_core& core, message& msg) { return core.try_receive(msg); }
void wait_receive(socket_core& core, receive_op* op) { core.wait_receive(op); }
std::error_code try_next_event(socket_core& core, monitor_event& event) { return core.try_next_event(event); }
void wait_event(socket_core& core, event_op* op) { core.wait_event(op); }

namespace {

/// Runs a cancellation under the core's lock: it comes from the handler's side, any thread.
template <class Op>
void cancel_locked(socket_core& core, void (socket_core::*cancel)(Op*), Op* op)
{
    std::lock_guard<std::mutex> lock(core.mutex);
    (core.*cancel)(op);
}

} // namespace

void cancel_send(socket_core& core, send_op* op) { cancel_locked(core, &socket_core::cancel_send, op); }
void cancel_async_send(socket_core& core, async_send_op* op) { cancel_locked(core, &socket_core::cancel_async_send, op); }
void cancel_wait(socket_core& core, wait_op* op) { cancel_locked(core, &socket_core::cancel_wait, op); }
void cancel_receive(socket_core& core, receive_op* op) { cancel_locked(core, &socket_core::cancel_receive, op); }
void cancel_event(socket_core& core, event_op* op) { cancel_locked(core, &socket_core::cancel_event, op); }

} // namespace zmtp::detail
