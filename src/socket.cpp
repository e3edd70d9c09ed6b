#include "zmtp/socket.hpp"

#include "runtime/blocking_op.hpp"
#include "runtime/socket_core.hpp"
#include "zmtp/context.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <tuple>

namespace zmtp {

bool detail::on_executor_thread(const asio::any_io_executor& ex)
{
    const auto* io = ex.target<asio::io_context::executor_type>();
    return io && io->running_in_this_thread();
}

namespace {

using detail::blocking_op;
using detail::on_executor_thread;

/// Waits for `op` up to `timeout`; on timeout cancels it (cancel completes it with
/// operation_aborted unless it completed first). Returns the op's result and whether it
/// timed out.
template <class... Args, class Cancel>
std::tuple<Args...> wait(blocking_op<Args...>& op, std::future<std::tuple<Args...>>& done,
                         std::optional<std::chrono::milliseconds> timeout, Cancel cancel, bool& timed_out)
{
    timed_out = false;
    if (timeout && done.wait_for(*timeout) == std::future_status::timeout) {
        cancel(&op);
        timed_out = true;
    }
    return done.get();
}

void throw_if(std::error_code ec, const char* what)
{
    if (ec)
        throw std::system_error(ec, what);
}

} // namespace

socket::socket(const executor_type& ex, socket_type type, socket_options options)
    : core_(detail::make_socket_core(ex, type, std::move(options))), type_(type)
{
}

socket::socket(context& ctx, socket_type type, socket_options options)
    : socket(ctx.get_executor(), type, std::move(options))
{
}

socket& socket::operator=(socket&& other) noexcept
{
    if (this != &other) {
        close();
        core_ = std::move(other.core_);
        type_ = other.type_;
    }
    return *this;
}

socket::~socket()
{
    close();
}

std::error_code socket::locked(std::error_code (detail::socket_core::*call)(std::string_view), std::string_view endpoint)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    return (core_.get()->*call)(endpoint);
}

socket::executor_type socket::get_executor() const noexcept
{
    return core_->executor;
}

socket_options socket::options() const
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->options();
}

void socket::set_options(socket_options options)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->set_options(std::move(options));
}

void socket::bind(std::string_view endpoint, std::error_code& ec)
{
    ec = locked(&detail::socket_core::bind, endpoint);
}

void socket::connect(std::string_view endpoint, std::error_code& ec)
{
    ec = locked(&detail::socket_core::connect, endpoint);
}

void socket::unbind(std::string_view endpoint, std::error_code& ec)
{
    ec = locked(&detail::socket_core::unbind, endpoint);
}

void socket::disconnect(std::string_view endpoint, std::error_code& ec)
{
    ec = locked(&detail::socket_core::disconnect, endpoint);
}

void socket::bind(std::string_view endpoint)
{
    throw_if(locked(&detail::socket_core::bind, endpoint), "zmtp::socket::bind");
}

void socket::connect(std::string_view endpoint)
{
    throw_if(locked(&detail::socket_core::connect, endpoint), "zmtp::socket::connect");
}

void socket::unbind(std::string_view endpoint)
{
    throw_if(locked(&detail::socket_core::unbind, endpoint), "zmtp::socket::unbind");
}

void socket::disconnect(std::string_view endpoint)
{
    throw_if(locked(&detail::socket_core::disconnect, endpoint), "zmtp::socket::disconnect");
}

std::string socket::last_endpoint() const
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->last_endpoint();
}

void socket::close() noexcept
{
    if (!core_)
        return;
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->close();
}

void socket::enable_monitor(bool on)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->enable_monitor(on);
}

std::error_code socket::try_send(message& msg)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->try_send(msg);
}

std::optional<message> socket::try_receive(std::error_code& ec)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    std::optional<message> msg(std::in_place); // one object, returned in place
    ec = core_->try_receive(*msg);
    if (ec)
        msg.reset();
    return msg;
}

void socket::send(message msg, send_flags flags, std::error_code& ec)
{
    blocking_op<std::error_code> op;
    auto done = op.result();
    std::optional<std::chrono::milliseconds> timeout;
    {
        std::lock_guard<std::mutex> lock(core_->mutex);
        ec = core_->try_send(msg);
        if (ec != errc::would_block || flags == send_flags::dontwait)
            return;
        if (on_executor_thread(core_->executor)) {
            ec = errc::blocking_in_executor;
            return;
        }
        timeout = core_->options().send_timeout;
        core_->wait_send(std::move(msg), &op);
    }
    bool timed_out = false;
    ec = std::get<0>(wait(op, done, timeout, [this](detail::send_op* o) { detail::cancel_send(*core_, o); }, timed_out));
    if (timed_out && ec == asio::error::operation_aborted)
        ec = errc::would_block;
}

void socket::send(message msg, send_flags flags)
{
    std::error_code ec;
    send(std::move(msg), flags, ec);
    throw_if(ec, "zmtp::socket::send");
}

message socket::receive(recv_flags flags, std::error_code& ec)
{
    blocking_op<std::error_code, message> op;
    auto done = op.result();
    std::optional<std::chrono::milliseconds> timeout;
    {
        std::lock_guard<std::mutex> lock(core_->mutex);
        message msg;
        ec = core_->try_receive(msg);
        if (ec != errc::would_block || flags == recv_flags::dontwait)
            return msg;
        if (on_executor_thread(core_->executor)) {
            ec = errc::blocking_in_executor;
            return {};
        }
        timeout = core_->options().receive_timeout;
        core_->wait_receive(&op);
    }
    bool timed_out = false;
    auto [result, msg] = wait(op, done, timeout, [this](detail::receive_op* o) { detail::cancel_receive(*core_, o); }, timed_out);
    ec = result;
    if (timed_out && ec == asio::error::operation_aborted)
        ec = errc::would_block;
    return std::move(msg);
}

message socket::receive(recv_flags flags)
{
    std::error_code ec;
    message msg = receive(flags, ec);
    throw_if(ec, "zmtp::socket::receive");
    return msg;
}

} // namespace zmtp
