#include "zmtp/proxy.hpp"

#include "runtime/blocking_op.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <cstdint>
#include <mutex>
#include <span>

namespace zmtp {
namespace detail {

/// Two forwarding loops (frontend to backend, backend to frontend) and an optional control
/// loop; a loop from a socket that receives nothing (PUSH) only watches it for its closing.
/// A loop takes messages that are already waiting with try_receive and passes them on
/// with try_send; only when one side must wait does it start an async receive or send,
/// so each direction has at most one operation in flight. Stopping cancels those
/// operations (a cancelled receive takes no message, a cancelled send queues nothing) and
/// completes `done` once none is left. Lock order: engine, then socket.
class proxy_engine : public std::enable_shared_from_this<proxy_engine> {
public:
    proxy_engine(socket& frontend, socket& backend, socket* capture, socket* control, pending_op<std::error_code>* done)
        : directions_{{&frontend, &backend}, {&backend, &frontend}}, capture_(capture), control_(control), done_(done)
    {
    }

    void start()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (direction& d : active_directions())
            pull(d);
        if (control_)
            listen_for_commands();
        finish_if_idle();
    }

    void stop(std::error_code why)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_with(why);
        finish_if_idle();
    }

private:
    struct direction {
        direction(socket* f, socket* t) : from(f), to(t) {}
        socket* from;
        socket* to;
        asio::cancellation_signal cancel;
        bool busy = false;      ///< an async receive or send is in flight
        bool receiving = false; ///< ... and it is a receive
        bool withdrawn = false; ///< PAUSE cancelled that receive
        // Counted for STATISTICS: messages (and their bytes) `from` received, `to` sent.
        std::uint64_t received = 0, received_bytes = 0, sent = 0, sent_bytes = 0;
        std::uint64_t sending_bytes = 0; ///< of the async send in flight
    };

    /// The directions that run: one when frontend and backend are the same socket (a REP
    /// answering its requests with themselves, as zmq_device(QUEUE, rep, rep) makes it).
    std::span<direction> active_directions()
    {
        return std::span(directions_, directions_[0].from == directions_[0].to ? 1 : 2);
    }

    /// Messages forwarded in a row before yielding to the executor.
    static constexpr int batch = 64;

    void pull(direction& d)
    {
        if (stopping_ || paused_ || d.busy)
            return;
        for (int i = 0; i < batch; ++i) {
            std::error_code ec;
            std::optional<message> msg = d.from->try_receive(ec);
            if (!msg) {
                if (ec == errc::not_supported)
                    return watch(d);
                if (ec != errc::would_block)
                    stop_with(ec);
                if (ec != errc::would_block || stopping_)
                    return;
                break;
            }
            if (!forward(d, std::move(*msg)))
                return;
        }
        d.busy = d.receiving = true;
        d.from->async_receive(asio::bind_cancellation_slot(
            d.cancel.slot(), [self = shared_from_this(), &d](std::error_code ec, message msg) {
                std::lock_guard<std::mutex> lock(self->mutex_);
                d.busy = d.receiving = false;
                const bool withdrawn = std::exchange(d.withdrawn, false); // by PAUSE: RESUME pulls again
                if (ec && !(withdrawn && ec == asio::error::operation_aborted))
                    self->stop_with(self->stopping_ || ec != asio::error::operation_aborted ? ec : errc::socket_closed);
                else if (!ec && self->forward(d, std::move(msg)))
                    self->pull(d);
                self->finish_if_idle();
            }));
    }

    /// `d.from` receives nothing (a PUSH backend): `d` carries no message and only waits
    /// for that socket to close, which ends the proxy as for the other direction.
    void watch(direction& d)
    {
        d.busy = true;
        d.from->async_wait(wait_type::read, asio::bind_cancellation_slot(
            d.cancel.slot(), [self = shared_from_this(), &d](std::error_code ec) {
                std::lock_guard<std::mutex> lock(self->mutex_);
                d.busy = false;
                if (ec)
                    self->stop_with(self->stopping_ || ec != asio::error::operation_aborted ? ec : errc::socket_closed);
                else
                    self->pull(d); // never ready to read in fact; pull() watches again
                self->finish_if_idle();
            }));
    }

    /// Passes `msg` on; false if it had to wait (an async send is then in flight) or failed.
    bool forward(direction& d, message&& msg)
    {
        const std::uint64_t bytes = msg.total_size();
        ++d.received;
        d.received_bytes += bytes;
        if (capture_) {
            message copy = msg; // large frames are shared, not copied
            (void)capture_->try_send(copy);
        }
        const std::error_code ec = d.to->try_send(msg);
        if (!ec) {
            ++d.sent;
            d.sent_bytes += bytes;
            return true;
        }
        if (ec != errc::would_block || stopping_) {
            stop_with(ec ? ec : make_error_code(errc::socket_closed));
            return false;
        }
        d.busy = true;
        d.sending_bytes = bytes;
        d.to->async_send(std::move(msg), asio::bind_cancellation_slot(d.cancel.slot(), [self = shared_from_this(), &d](std::error_code e) {
                             std::lock_guard<std::mutex> lock(self->mutex_);
                             d.busy = false;
                             if (e) {
                                 self->stop_with(self->stopping_ || e != asio::error::operation_aborted ? e : errc::socket_closed);
                             } else {
                                 ++d.sent;
                                 d.sent_bytes += d.sending_bytes;
                                 self->pull(d);
                             }
                             self->finish_if_idle();
                         }));
        return false;
    }

    void listen_for_commands()
    {
        control_busy_ = true;
        control_->async_receive(asio::bind_cancellation_slot(
            control_cancel_.slot(), [self = shared_from_this()](std::error_code ec, message msg) {
                std::lock_guard<std::mutex> lock(self->mutex_);
                self->control_busy_ = false;
                if (ec)
                    self->stop_with(ec);
                else
                    self->obey(msg);
                if (!self->stopping_)
                    self->listen_for_commands();
                self->finish_if_idle();
            }));
    }

    void obey(const message& command)
    {
        const std::string_view word = command.size() == 1 ? command[0].view() : std::string_view{};
        if (word == "PAUSE") {
            paused_ = true;
            for (direction& d : directions_)
                if (d.receiving) { // a withdrawn receive takes nothing; a send in flight finishes
                    d.withdrawn = true;
                    d.cancel.emit(asio::cancellation_type::terminal);
                }
        } else if (word == "RESUME") {
            paused_ = false;
            for (direction& d : active_directions())
                pull(d);
        } else if (word == "TERMINATE") {
            stop_with({});
        } else if (word == "STATISTICS") {
            report_statistics();
        }
    }

    /// Answers STATISTICS as libzmq does: 8 frames of a native-endian uint64 each, the
    /// messages and bytes the frontend received and sent, then the backend's. Dropped if
    /// the control socket cannot take it at once.
    void report_statistics()
    {
        const direction& in = directions_[0];  // frontend to backend
        const direction& out = directions_[1]; // backend to frontend
        message reply;
        for (std::uint64_t v : {in.received, in.received_bytes, out.sent, out.sent_bytes, out.received,
                                out.received_bytes, in.sent, in.sent_bytes})
            reply.push_back(std::span(reinterpret_cast<const std::byte*>(&v), sizeof v));
        (void)control_->try_send(reply);
    }

    void stop_with(std::error_code why)
    {
        if (stopping_)
            return;
        stopping_ = true;
        result_ = why;
        for (direction& d : directions_)
            if (d.busy)
                d.cancel.emit(asio::cancellation_type::terminal);
        if (control_busy_)
            control_cancel_.emit(asio::cancellation_type::terminal);
    }

    void finish_if_idle()
    {
        if (!stopping_ || !done_ || control_busy_)
            return;
        for (const direction& d : directions_)
            if (d.busy)
                return;
        std::exchange(done_, nullptr)->complete(result_);
    }

    std::mutex mutex_;
    direction directions_[2];
    socket* capture_;
    socket* control_;
    asio::cancellation_signal control_cancel_;
    bool control_busy_ = false;
    bool paused_ = false;
    bool stopping_ = false;
    std::error_code result_;
    pending_op<std::error_code>* done_;
};

std::shared_ptr<proxy_engine> make_proxy(socket& frontend, socket& backend, socket* capture, socket* control,
                                         pending_op<std::error_code>* done)
{
    return std::make_shared<proxy_engine>(frontend, backend, capture, control, done);
}

void start_proxy(const std::shared_ptr<proxy_engine>& engine)
{
    engine->start();
}

void stop_proxy(proxy_engine& engine)
{
    engine.stop(asio::error::operation_aborted);
}

} // namespace detail

std::error_code proxy(socket& frontend, socket& backend, socket* capture, socket* control)
{
    if (detail::on_executor_thread(frontend.get_executor()))
        return errc::blocking_in_executor;
    detail::blocking_op<std::error_code> done;
    detail::start_proxy(detail::make_proxy(frontend, backend, capture, control, &done));
    done.wait();
    return std::get<0>(done.take());
}

} // namespace zmtp
