#include "runtime/connector.hpp"

#include "runtime/listener.hpp"
#include "runtime/socket_core.hpp"
#include "runtime/socket_tuning.hpp"
#include "runtime/socks5.hpp"
#include "zmtp/error.hpp"

#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <utility>

namespace zmtp::detail {

connector::connector(std::shared_ptr<socket_core> core, endpoint ep, std::string text)
    : core_(std::move(core)),
      endpoint_(std::move(ep)),
      text_(std::move(text)),
      timer_(core_->executor),
      resolver_(core_->executor),
      stream_(core_->executor),
      interval_(core_->options().reconnect_interval.value_or(std::chrono::milliseconds(0)))
{
}

void connector::start()
{
    attempt();
}

void connector::stop()
{
    stopped_ = true;
    handshake_over();
    timer_.cancel();
    resolver_.cancel();
    std::error_code ignored;
    stream_.close(ignored);
}

void connector::attempt()
{
    if (stopped_)
        return;
    switch (endpoint_.transport) {
    case transport::tcp: {
        // Through a SOCKS proxy, the proxy is what is resolved and connected to.
        endpoint target = endpoint_;
        if (const std::string& proxy = core_->options().socks_proxy; !proxy.empty())
            (void)parse_endpoint("tcp://" + proxy, target); // validate() checked it
        resolver_.async_resolve(target.host, std::to_string(target.port),
                                [self = shared_from_this()](std::error_code ec, asio::ip::tcp::resolver::results_type r) {
                                    std::lock_guard<std::mutex> lock(self->core_->mutex);
                                    if (self->stopped_)
                                        return;
                                    if (ec || r.empty())
                                        self->retry_later(ec ? ec : make_error_code(asio::error::host_not_found));
                                    else
                                        self->connect_next(std::move(r), 0);
                                });
        break;
    }
    case transport::ipc: {
        stream_ = stream_socket(core_->executor);
        const asio::generic::stream_protocol::endpoint target = ipc_address(endpoint_);
        std::error_code ec;
        if (stream_.open(target.protocol(), ec) || (ec = tune_socket(stream_.native_handle(), transport::ipc, core_->options()))) {
            retry_later(ec);
            break;
        }
        stream_.async_connect(target, [self = shared_from_this()](std::error_code ec) {
            std::lock_guard<std::mutex> lock(self->core_->mutex);
            if (self->stopped_)
                return;
            if (ec)
                self->retry_later(ec);
            else
                self->connected(std::move(self->stream_));
        });
        break;
    }
    case transport::inproc: {
        const std::shared_ptr<listener> binder = find_inproc(core_->options().inproc_scope, endpoint_.path);
        if (!binder) {
            retry_later(make_error_code(asio::error::connection_refused));
            break;
        }
        asio::local::stream_protocol::socket ours(core_->executor);
        asio::local::stream_protocol::socket theirs(binder->executor());
        std::error_code ec;
        asio::local::connect_pair(ours, theirs, ec);
        if (ec) {
            retry_later(ec);
            break;
        }
        const asio::generic::stream_protocol unix_stream(AF_UNIX, 0);
        stream_socket their_end(binder->executor(), unix_stream, theirs.release());
        asio::post(binder->executor(), [binder, s = std::move(their_end)]() mutable { binder->accept_inproc(std::move(s)); });
        connected(stream_socket(core_->executor, unix_stream, ours.release()));
        break;
    }
    }
}

void connector::connect_next(asio::ip::tcp::resolver::results_type results, std::size_t index)
{
    auto it = results.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(index));
    const asio::generic::stream_protocol::endpoint target(it->endpoint());
    if (std::error_code ec = open_tcp(target)) {
        connect_failed(std::move(results), index, ec);
        return;
    }
    const std::uint64_t attempt = ++attempts_;
    const std::chrono::milliseconds timeout = core_->options().connect_timeout;
    if (timeout.count() > 0) {
        timer_.expires_after(timeout);
        timer_.async_wait([self = shared_from_this(), attempt](std::error_code ec) {
            std::lock_guard<std::mutex> lock(self->core_->mutex);
            if (ec || self->stopped_ || attempt != self->attempts_)
                return; // cancelled, or the attempt ended first
            ++self->attempts_; // tells the connect handler it timed out
            std::error_code ignored;
            self->stream_.close(ignored);
        });
    }
    core_->monitor(monitor_event_type::connect_delayed, text_, make_error_code(std::errc::operation_in_progress));
    stream_.async_connect(target, [self = shared_from_this(), results, index, attempt](std::error_code ec) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (self->stopped_)
            return;
        if (attempt != self->attempts_) {
            self->connect_failed(results, index, make_error_code(asio::error::timed_out));
            return;
        }
        ++self->attempts_;
        self->timer_.cancel();
        if (!ec)
            self->stream_.set_option(asio::ip::tcp::no_delay(true), ec);
        if (ec)
            self->connect_failed(results, index, ec);
        else if (!self->core_->options().socks_proxy.empty())
            self->socks_greet();
        else
            self->connected(std::move(self->stream_));
    });
}

std::error_code connector::open_tcp(const asio::generic::stream_protocol::endpoint& target)
{
    const socket_options& o = core_->options();
    stream_ = stream_socket(core_->executor);
    std::error_code ec;
    if (stream_.open(target.protocol(), ec) || (ec = tune_socket(stream_.native_handle(), transport::tcp, o))
        || (ec = tune_tcp_connection(stream_.native_handle(), o)) || endpoint_.source_host.empty())
        return ec;
    asio::ip::address source;
    if ((ec = bind_address(endpoint_.source_host, core_->executor, source)))
        return ec;
    if (endpoint_.source_port != 0 && stream_.set_option(asio::socket_base::reuse_address(true), ec))
        return ec; // a fixed source port is bound again at each reconnect
    stream_.bind(asio::generic::stream_protocol::endpoint(asio::ip::tcp::endpoint(source, endpoint_.source_port)), ec);
    return ec;
}

void connector::connect_failed(asio::ip::tcp::resolver::results_type results, std::size_t index, std::error_code ec)
{
    std::error_code ignored;
    stream_.close(ignored);
    if (index + 1 < results.size())
        connect_next(std::move(results), index + 1);
    else
        retry_later(ec);
}

// --- through a SOCKS5 proxy: greeting, credentials if asked, CONNECT -----------

void connector::socks_greet()
{
    const socket_options& o = core_->options();
    if (endpoint_.host.size() > 255)
        return socks_failed(make_error_code(std::errc::invalid_argument));
    // The exchange has handshake_timeout to end, as a ZMTP handshake has.
    if (o.handshake_timeout.count() > 0) {
        timer_.expires_after(o.handshake_timeout);
        timer_.async_wait([self = shared_from_this(), attempt = attempts_](std::error_code ec) {
            std::lock_guard<std::mutex> lock(self->core_->mutex);
            if (!ec && !self->stopped_ && attempt == self->attempts_) {
                std::error_code ignored;
                self->stream_.close(ignored); // the exchange's read fails
            }
        });
    }
    socks_exchange(socks5::greeting(!o.socks_username.empty()), 2, [](connector& self) {
        std::uint8_t method = 0;
        const bool with_credentials = !self.core_->options().socks_username.empty();
        if (const std::error_code ec = socks5::chosen_method(std::span<const std::uint8_t, 2>(self.socks_reply_.data(), 2),
                                                             with_credentials, method))
            return self.socks_failed(ec);
        if (method == socks5::username_password)
            return self.socks_exchange(socks5::credentials(self.core_->options().socks_username,
                                                           self.core_->options().socks_password),
                                       2, [](connector& me) {
                                           if (const std::error_code ec = socks5::credentials_accepted(
                                                   std::span<const std::uint8_t, 2>(me.socks_reply_.data(), 2)))
                                               return me.socks_failed(ec);
                                           me.socks_connect();
                                       });
        self.socks_connect();
    });
}

void connector::socks_connect()
{
    socks_exchange(socks5::connect_request(endpoint_.host, endpoint_.port), 5, [](connector& self) {
        std::size_t rest = 0;
        if (const std::error_code ec = socks5::connect_reply_rest(std::span<const std::uint8_t, 5>(self.socks_reply_.data(), 5), rest))
            return self.socks_failed(ec);
        self.socks_exchange({}, rest, [](connector& me) { // the address the proxy bound: not needed
            ++me.attempts_; // the timeout's timer has lost
            me.timer_.cancel();
            me.connected(std::move(me.stream_));
        });
    });
}

void connector::socks_exchange(std::vector<std::uint8_t> request, std::size_t reply_size, void (*next)(connector&))
{
    socks_request_ = std::move(request);
    asio::async_write(stream_, asio::buffer(socks_request_), [self = shared_from_this(), reply_size, next](std::error_code ec, std::size_t) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (self->stopped_)
            return;
        if (ec)
            return self->socks_failed(ec);
        asio::async_read(self->stream_, asio::buffer(self->socks_reply_.data(), reply_size),
                         [self, next](std::error_code ec, std::size_t) {
                             std::lock_guard<std::mutex> lock(self->core_->mutex);
                             if (self->stopped_)
                                 return;
                             if (ec)
                                 return self->socks_failed(ec);
                             next(*self);
                         });
    });
}

void connector::socks_failed(std::error_code ec)
{
    ++attempts_;
    timer_.cancel();
    std::error_code ignored;
    stream_.close(ignored);
    retry_later(ec);
}

void connector::connected(stream_socket stream)
{
    core_->monitor(monitor_event_type::connected, text_, {}, {}, endpoint_.transport == transport::inproc ? -1 : stream.native_handle());
    auto s = std::make_shared<session>(core_, std::move(stream), text_, shared_from_this());
    handshaking_ = true;
    core_->start_session(s);
}

void connector::retry_later(std::error_code reason)
{
    const auto& o = core_->options();
    if (stopped_ || !o.reconnect_interval)
        return; // never reconnect: the endpoint stays, idle
    core_->monitor(monitor_event_type::connect_retried, text_, reason);
    timer_.expires_after(interval_);
    if (o.reconnect_interval_max > *o.reconnect_interval)
        interval_ = std::min(interval_ * 2, o.reconnect_interval_max);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (!ec && !self->stopped_)
            self->attempt();
    });
}

void connector::session_ended()
{
    handshake_over();
    retry_later(make_error_code(asio::error::connection_reset));
}

void connector::handshake_succeeded()
{
    handshake_over();
    interval_ = core_->options().reconnect_interval.value_or(std::chrono::milliseconds(0));
}

void connector::notify_when_handshaken(pending_op<>& op)
{
    if (handshaking_)
        handshake_watch_ = &op;
    else
        op.complete();
}

void connector::forget(pending_op<>& op) noexcept
{
    if (handshake_watch_ == &op)
        handshake_watch_ = nullptr;
}

void connector::handshake_over()
{
    handshaking_ = false;
    if (pending_op<>* op = std::exchange(handshake_watch_, nullptr))
        op->complete();
}

} // namespace zmtp::detail
