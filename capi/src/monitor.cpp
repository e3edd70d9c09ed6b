// zmq_socket_monitor.
#include "monitor.hpp"

#include "errors.hpp"
#include "socket.hpp"

#include "zmtp/error.hpp"

#include <zmq.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

namespace zmtp::capi {

namespace {

/// The ZMQ_PROTOCOL_ERROR_* code nearest to what zmtp reports for a handshake the peer
/// broke (libzmq's codes are finer than zmtp's errors in places, coarser in others).
std::uint32_t protocol_error_code(std::error_code ec)
{
    if (ec.category() != zmtp::error_category())
        return ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED;
    switch (static_cast<zmtp::errc>(ec.value())) {
    case errc::unexpected_command:
    case errc::message_before_handshake:
        return ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND;
    case errc::malformed_command:
        return ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED;
    case errc::malformed_error_command:
        return ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR;
    case errc::malformed_metadata:
    case errc::invalid_property_name:
    case errc::duplicate_property:
    case errc::missing_socket_type:
    case errc::unknown_socket_type:
    case errc::incompatible_socket_type:
    case errc::invalid_identity:
        return ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA;
    case errc::mechanism_mismatch:
    case errc::invalid_mechanism_name:
        return ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
    case errc::decryption_failed:
    case errc::nonce_not_increasing:
    case errc::invalid_cookie:
    case errc::invalid_vouch:
        return ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC;
    default:
        return ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED;
    }
}

/// The ZAP status code (RFC 27) behind an authentication failure.
std::uint32_t zap_status_code(std::error_code ec)
{
    if (ec == errc::authentication_unavailable)
        return 300;
    if (ec == errc::authentication_denied)
        return 400;
    return 500;
}

/// The event value libzmq sends with `event` (zmq_socket_monitor(3)): the descriptor, the
/// errno, the protocol error or ZAP status; for CONNECT_RETRIED the socket's reconnect
/// interval, not the backed-off one.
std::uint32_t event_value(const monitor_event& event, const zmtp::socket& watched)
{
    switch (event.type) {
    case monitor_event_type::connected:
    case monitor_event_type::listening:
    case monitor_event_type::accepted:
    case monitor_event_type::closed:
    case monitor_event_type::disconnected:
        return static_cast<std::uint32_t>(event.fd); // -1 (0xffffffff) for inproc
    case monitor_event_type::connect_delayed:
        return static_cast<std::uint32_t>(errno_of(event.error)); // EINPROGRESS
    case monitor_event_type::connect_retried:
        return static_cast<std::uint32_t>(watched.options().reconnect_interval.value_or(std::chrono::milliseconds(0)).count());
    case monitor_event_type::bind_failed:
    case monitor_event_type::accept_failed:
    case monitor_event_type::handshake_failed_no_detail:
        return static_cast<std::uint32_t>(errno_of(event.error));
    case monitor_event_type::handshake_failed_protocol:
        return protocol_error_code(event.error);
    case monitor_event_type::handshake_failed_auth:
        return zap_status_code(event.error);
    default:
        return 0;
    }
}

} // namespace

/// What the forwarder's handlers share. They run on the watched socket's executor; the
/// lock orders them with stop() and outlive(), which come from the application's thread.
///
/// While it runs, one operation is in flight at a time: a wait for the watched socket's
/// next event, or the send of an event to the PAIR (the next events wait in the socket
/// meanwhile, as libzmq's socket waits for its monitor). Once it stops, the events still
/// to go and MONITOR_STOPPED are sent in the background, and then the PAIR closes.
struct monitor_forwarder::state {
    state(zmtp::socket& w, zmtp::context& ctx, int events)
        : watched(&w), pair(ctx, zmtp::socket_type::pair, in_scope_of(w)), mask(events), executor(w.get_executor())
    {
    }
    /// The PAIR's options: its inproc name is in the watched socket's context.
    static zmtp::socket_options in_scope_of(const zmtp::socket& w)
    {
        zmtp::socket_options o;
        o.inproc_scope = w.options().inproc_scope;
        return o;
    }

    std::mutex mutex;
    zmtp::socket* watched;
    std::optional<zmtp::socket> handed_over; ///< the watched socket once its handle is gone (outlive())
    zmtp::socket pair;
    int mask;
    zmtp::socket::executor_type executor;
    asio::cancellation_signal cancel; ///< of the operation in flight
    bool sending = false;             ///< that operation is a send of `in_flight`
    zmtp::message in_flight;
    std::uint64_t completions = 0;    ///< handlers run so far (stop() watches them)
    bool stopping = false;            ///< stop() asked: take what the socket has queued, then end
    bool stopped = false;             ///< no more events taken; `outbox` goes out, then the PAIR closes
    std::deque<zmtp::message> outbox;
    std::promise<void>* stop_done = nullptr;

    /// The event message for `event` (frame 1: number and value, frame 2: endpoint).
    static zmtp::message event_message(std::uint16_t event, std::uint32_t value, std::string_view endpoint)
    {
        std::array<std::byte, 6> head;
        std::memcpy(head.data(), &event, sizeof event);
        std::memcpy(head.data() + sizeof event, &value, sizeof value);
        zmtp::message msg;
        msg.push_back(std::span<const std::byte>(head));
        msg.push_back(endpoint);
        return msg;
    }

    /// Takes no more events; MONITOR_STOPPED (if selected) joins the outbox.
    void finish()
    {
        stopped = true;
        if (mask & ZMQ_EVENT_MONITOR_STOPPED)
            outbox.push_back(event_message(ZMQ_EVENT_MONITOR_STOPPED, 0, {}));
        if (stop_done)
            std::exchange(stop_done, nullptr)->set_value();
    }
};

void monitor_forwarder::forward_next(const std::shared_ptr<state>& st)
{
    st->watched->async_next_event(asio::bind_cancellation_slot(
        st->cancel.slot(), [st](std::error_code ec, monitor_event event) {
            std::lock_guard<std::mutex> lock(st->mutex);
            ++st->completions;
            if (ec) { // the socket's events ended (closed, context terminated), or stop()
                st->finish();
                return flush(st);
            }
            const auto number = static_cast<std::uint16_t>(event.type);
            if (st->mask & number) {
                zmtp::message msg = state::event_message(number, event_value(event, *st->watched), event.endpoint);
                if (!st->stopping)
                    return send(st, std::move(msg));
                st->outbox.push_back(std::move(msg));
            }
            forward_next(st);
        }));
}

void monitor_forwarder::send(const std::shared_ptr<state>& st, zmtp::message msg)
{
    st->sending = true;
    st->in_flight = msg; // frames are shared, not copied
    st->pair.async_send(std::move(msg), asio::bind_cancellation_slot(st->cancel.slot(), [st](std::error_code ec) {
        std::lock_guard<std::mutex> lock(st->mutex);
        ++st->completions;
        st->sending = false;
        zmtp::message unsent = std::exchange(st->in_flight, {});
        if (ec == asio::error::operation_aborted && st->stopping) {
            st->outbox.push_back(std::move(unsent)); // withdrawn by stop(): it goes first
        } else if (ec) { // the PAIR was terminated
            st->finish();
            return flush(st);
        }
        forward_next(st);
    }));
}

void monitor_forwarder::flush(const std::shared_ptr<state>& st)
{
    if (st->outbox.empty())
        return st->pair.close();
    st->pair.async_send(st->outbox.front(), [st](std::error_code ec) {
        std::lock_guard<std::mutex> lock(st->mutex);
        if (ec) { // the context ends: nobody will read them
            st->outbox.clear();
            return st->pair.close();
        }
        st->outbox.pop_front();
        flush(st);
    });
}

void monitor_forwarder::detach_when_idle(const std::shared_ptr<state>& st, std::uint64_t seen)
{
    std::lock_guard<std::mutex> lock(st->mutex);
    if (st->stopped)
        return;
    if (st->completions == seen && !st->sending) // the event wait found the queue empty
        return st->cancel.emit(asio::cancellation_type::terminal); // its handler finishes
    asio::post(st->executor, [st, now = st->completions] { detach_when_idle(st, now); });
}

monitor_forwarder::monitor_forwarder(zmtp::socket& watched, zmtp::context& ctx, std::string_view endpoint, int events)
    : state_(std::make_shared<state>(watched, ctx, events))
{
    state_->pair.bind(endpoint);
    watched.enable_monitor(true);
    std::lock_guard<std::mutex> lock(state_->mutex);
    forward_next(state_);
}

monitor_forwarder::~monitor_forwarder()
{
    stop();
}

void monitor_forwarder::stop() noexcept
{
    try {
        std::promise<void> done;
        std::future<void> finished = done.get_future();
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            if (state_->stopped || state_->handed_over)
                return;
            state_->stop_done = &done;
        }
        asio::post(state_->executor, [st = state_] {
            std::lock_guard<std::mutex> lock(st->mutex);
            if (st->stopped)
                return;
            st->stopping = true;
            if (st->sending) // waits for a reader, maybe forever: withdrawn to the outbox
                st->cancel.emit(asio::cancellation_type::terminal);
            asio::post(st->executor, [st, now = st->completions] { detach_when_idle(st, now); });
        });
        finished.wait();
        state_->watched->enable_monitor(false);
    } catch (const std::exception&) {
        // no memory to stop in order: the events stop with the socket
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->stop_done = nullptr;
    }
}

void monitor_forwarder::outlive(zmtp::socket closed) noexcept
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->watched = &state_->handed_over.emplace(std::move(closed));
}

} // namespace zmtp::capi

using zmtp::capi::fail;
using zmtp::capi::monitor_forwarder;
using zmtp::capi::socket_handle;

extern "C" {

int zmq_socket_monitor(void* handle, const char* endpoint, int events)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    // Monitors are inproc only (zmq_socket_monitor(3)); any other endpoint, even a
    // malformed one, is EPROTONOSUPPORT as in libzmq.
    if (endpoint != nullptr && std::string_view(endpoint).rfind("inproc://", 0) != 0)
        return fail(EPROTONOSUPPORT);
    try {
        // A monitor already running ends first (MONITOR_STOPPED), as in libzmq.
        s->monitor().reset();
        if (endpoint == nullptr)
            return 0;
        s->monitor() = std::make_unique<monitor_forwarder>(s->zmtp_socket(), s->owner().zmtp_context(), endpoint, events);
        return 0;
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

} // extern "C"
