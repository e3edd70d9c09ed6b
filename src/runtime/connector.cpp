#include "runtime/connector.hpp"

#include "runtime/listener.hpp"
#include "runtime/socket_core.hpp"
#include "zmtp/error.hpp"

#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>

#include <algorithm>

namespace zmtp::detail {

connector::connector(std::shared_ptr<socket_core> core, endpoint ep, std::string text)
    : core_(std::move(core)),
      endpoint_(std::move(ep)),
      text_(std::move(text)),
      timer_(core_->executor),
      resolver_(core_->executor),
      stream_(core_->executor),
      interval_(core_->options().reconnect_interval)
{
}

void connector::start()
{
    attempt();
}

void connector::stop()
{
    stopped_ = true;
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
    case transport::tcp:
        resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
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
    case transport::ipc: {
        stream_ = stream_socket(core_->executor);
        const asio::generic::stream_protocol::endpoint target(asio::local::stream_protocol::endpoint(endpoint_.path));
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
        const std::shared_ptr<listener> binder = find_inproc(endpoint_.path);
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
    stream_ = stream_socket(core_->executor);
    stream_.async_connect(target, [self = shared_from_this(), results, index](std::error_code ec) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (self->stopped_)
            return;
        if (!ec) {
            self->stream_.set_option(asio::ip::tcp::no_delay(true), ec);
            self->connected(std::move(self->stream_));
        } else if (index + 1 < results.size()) {
            self->connect_next(results, index + 1);
        } else {
            self->retry_later(ec);
        }
    });
}

void connector::connected(stream_socket stream)
{
    core_->monitor(monitor_event_type::connected, text_);
    auto s = std::make_shared<session>(core_, std::move(stream), text_, shared_from_this());
    core_->start_session(s);
}

void connector::retry_later(std::error_code reason)
{
    if (stopped_)
        return;
    core_->monitor(monitor_event_type::connect_retried, text_, reason);
    timer_.expires_after(interval_);
    const auto& o = core_->options();
    if (o.reconnect_interval_max > o.reconnect_interval)
        interval_ = std::min(interval_ * 2, o.reconnect_interval_max);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (!ec && !self->stopped_)
            self->attempt();
    });
}

void connector::session_ended()
{
    retry_later(make_error_code(asio::error::connection_reset));
}

void connector::handshake_succeeded()
{
    interval_ = core_->options().reconnect_interval;
}

} // namespace zmtp::detail
