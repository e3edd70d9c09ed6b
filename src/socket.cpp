#include "zmtp/socket.hpp"

#include "runtime/blocking_op.hpp"
#include "runtime/socket_core.hpp"
#include "zmtp/context.hpp"

#include <asio/io_context.hpp>

#include <chrono>
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

/// The longest an inproc connect waits for its handshake (socket::connect).
constexpr std::chrono::milliseconds inproc_connect_wait{1000};

/// Waits for `op` up to `timeout`; on timeout cancels it (cancel completes it with
/// operation_aborted unless it completed first). Returns the op's result and whether it
/// timed out.
template <class... Args, class Cancel>
std::tuple<Args...> wait(blocking_op<Args...>& op, std::optional<std::chrono::milliseconds> timeout, Cancel cancel,
                         bool& timed_out)
{
    timed_out = false;
    if (!op.wait(timeout)) {
        cancel(&op); // completes it, unless it completed meanwhile
        timed_out = true;
        op.wait();
    }
    return op.take();
}

void throw_if(std::error_code ec, const char* what)
{
    if (ec)
        throw std::system_error(ec, what);
}

/// Throws for an endpoint call that failed, naming the endpoint and the reason (what()
/// ends with the error's own message: not repeated).
void throw_endpoint_error(std::error_code ec, const char* what, std::string_view endpoint)
{
    if (!ec)
        return;
    std::string description = describe_endpoint_error(endpoint, ec);
    if (const std::string said = ": " + ec.message(); description.ends_with(said))
        description.resize(description.size() - said.size());
    throw std::system_error(ec, std::string(what) + ": " + description);
}

/// Throws errc::invalid_argument naming the option, unless `options` are valid.
socket_options validated(socket_options options, const char* what)
{
    std::string why;
    if (const std::error_code ec = validate(options, why))
        throw std::system_error(ec, std::string(what) + ": " + why);
    return options;
}

} // namespace

socket::socket(const executor_type& ex, socket_type type, socket_options options)
    : core_(detail::make_socket_core(ex, type, validated(std::move(options), "zmtp::socket"))),
      executor_(ex),
      type_(type)
{
}

socket::socket(socket&& other) noexcept
    : core_(std::move(other.core_)), executor_(other.executor_), type_(other.type_) // the executor stays with both
{
}

detail::socket_core& socket::core(const char* what) const
{
    if (!core_)
        throw std::system_error(errc::socket_closed, what);
    return *core_;
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
        executor_ = other.executor_;
        type_ = other.type_;
    }
    return *this;
}

socket::~socket()
{
    close();
}

std::error_code socket::locked(std::error_code (detail::socket_core::*call)(std::string_view), std::string_view text)
{
    if (!core_)
        return errc::socket_closed;
    std::lock_guard<std::mutex> lock(core_->mutex);
    return (core_.get()->*call)(text);
}

socket_options socket::options() const
{
    detail::socket_core& c = core("zmtp::socket::options");
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.options();
}

void socket::read_options(const std::function<void(const socket_options&)>& read) const
{
    detail::socket_core& c = core("zmtp::socket::read_options");
    std::lock_guard<std::mutex> lock(c.mutex);
    read(c.options());
}

void socket::set_options(socket_options options, std::error_code& ec)
{
    std::string why;
    if ((ec = validate(options, why)))
        return;
    if (!core_) {
        ec = errc::socket_closed;
        return;
    }
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->set_options(std::move(options));
}

void socket::set_options(socket_options options)
{
    socket_options valid = validated(std::move(options), "zmtp::socket::set_options");
    detail::socket_core& c = core("zmtp::socket::set_options");
    std::lock_guard<std::mutex> lock(c.mutex);
    c.set_options(std::move(valid));
}

void socket::update_options(const std::function<void(socket_options&)>& change)
{
    detail::socket_core& c = core("zmtp::socket::update_options");
    std::lock_guard<std::mutex> lock(c.mutex);
    socket_options updated = c.options();
    change(updated);
    c.set_options(validated(std::move(updated), "zmtp::socket::update_options"));
}

void socket::bind(std::string_view endpoint, std::error_code& ec)
{
    ec = locked(&detail::socket_core::bind, endpoint);
}

std::error_code socket::connect_now(std::string_view endpoint)
{
    if (!core_)
        return errc::socket_closed;
    blocking_op<> handshaken;
    {
        std::lock_guard<std::mutex> lock(core_->mutex);
        if (const std::error_code ec = core_->connect_watched(endpoint, handshaken))
            return ec; // context_terminated, say: then the executor may be gone
        if (on_executor_thread(core_->executor)) { // there it must not wait
            core_->forget_watch(handshaken);
            return {};
        }
    }
    if (!handshaken.wait(inproc_connect_wait)) {
        std::lock_guard<std::mutex> lock(core_->mutex);
        core_->forget_watch(handshaken);
    }
    return {};
}

void socket::connect(std::string_view endpoint, std::error_code& ec)
{
    ec = connect_now(endpoint);
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
    throw_endpoint_error(locked(&detail::socket_core::bind, endpoint), "zmtp::socket::bind", endpoint);
}

void socket::connect(std::string_view endpoint)
{
    throw_endpoint_error(connect_now(endpoint), "zmtp::socket::connect", endpoint);
}

void socket::unbind(std::string_view endpoint)
{
    throw_endpoint_error(locked(&detail::socket_core::unbind, endpoint), "zmtp::socket::unbind", endpoint);
}

void socket::disconnect(std::string_view endpoint)
{
    throw_endpoint_error(locked(&detail::socket_core::disconnect, endpoint), "zmtp::socket::disconnect", endpoint);
}

void socket::subscribe(std::string_view topic, std::error_code& ec)
{
    ec = locked(&detail::socket_core::subscribe, topic);
}

void socket::unsubscribe(std::string_view topic, std::error_code& ec)
{
    ec = locked(&detail::socket_core::unsubscribe, topic);
}

void socket::subscribe(std::string_view topic)
{
    throw_if(locked(&detail::socket_core::subscribe, topic), "zmtp::socket::subscribe");
}

void socket::unsubscribe(std::string_view topic)
{
    throw_if(locked(&detail::socket_core::unsubscribe, topic), "zmtp::socket::unsubscribe");
}

std::string socket::last_endpoint() const
{
    detail::socket_core& c = core("zmtp::socket::last_endpoint");
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.last_endpoint();
}

void socket::close() noexcept
{
    if (!core_)
        return;
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->close();
}

wait_type socket::ready_for() const
{
    if (!core_)
        return wait_type::none;
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->ready_for();
}

std::error_code socket::can_send() const
{
    if (!core_)
        return errc::socket_closed;
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->can_send();
}

std::error_code socket::can_send(const frame& first) const
{
    if (!core_)
        return errc::socket_closed;
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->can_send(&first);
}

void socket::enable_monitor(bool on)
{
    detail::socket_core& c = core("zmtp::socket::enable_monitor");
    std::lock_guard<std::mutex> lock(c.mutex);
    c.enable_monitor(on);
}

std::error_code socket::try_send(message& msg)
{
    if (!core_)
        return errc::socket_closed;
    std::lock_guard<std::mutex> lock(core_->mutex);
    return core_->try_send(msg);
}

std::error_code socket::try_send_exclusive(message& msg)
{
    if (!core_)
        return errc::socket_closed;
    return core_->send_exclusive(msg);
}

std::error_code socket::try_receive_exclusive(message& msg)
{
    const std::error_code ec = core_ ? core_->receive_exclusive(msg) : make_error_code(errc::socket_closed);
    if (ec)
        msg.clear();
    return ec;
}

std::optional<message> socket::try_receive(std::error_code& ec)
{
    if (!core_) {
        ec = errc::socket_closed;
        return std::nullopt;
    }
    std::lock_guard<std::mutex> lock(core_->mutex);
    std::optional<message> msg(std::in_place); // one object, returned in place
    ec = core_->try_receive(*msg);
    if (ec)
        msg.reset();
    return msg;
}

void socket::send(message msg, send_flags flags, std::error_code& ec)
{
    if (!core_) {
        ec = errc::socket_closed;
        return;
    }
    blocking_op<std::error_code> op;
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
    ec = std::get<0>(wait(op, timeout, [this](detail::send_op* o) { detail::cancel_send(*core_, o); }, timed_out));
    if (timed_out && ec == asio::error::operation_aborted)
        ec = errc::would_block;
}

void socket::send(message msg, send_flags flags)
{
    std::error_code ec;
    send(std::move(msg), flags, ec);
    throw_if(ec, "zmtp::socket::send");
}

void socket::send(std::string_view text, send_flags flags, std::error_code& ec)
{
    send(message{text}, flags, ec);
}

void socket::send(std::string_view text, send_flags flags)
{
    send(message{text}, flags);
}

message socket::receive(recv_flags flags, std::error_code& ec)
{
    return receive_within(flags, nullptr, ec);
}

message socket::receive_within(recv_flags flags, const std::chrono::milliseconds* timeout_override, std::error_code& ec)
{
    if (!core_) {
        ec = errc::socket_closed;
        return {};
    }
    blocking_op<std::error_code, message> op;
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
        timeout = timeout_override ? std::optional(*timeout_override) : core_->options().receive_timeout;
        core_->wait_receive(&op);
    }
    bool timed_out = false;
    auto [result, msg] = wait(op, timeout, [this](detail::receive_op* o) { detail::cancel_receive(*core_, o); }, timed_out);
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

std::optional<message> socket::receive_for(std::chrono::milliseconds timeout)
{
    std::error_code ec;
    message msg = receive_within(timeout.count() > 0 ? recv_flags::none : recv_flags::dontwait, &timeout, ec);
    if (ec == errc::would_block)
        return std::nullopt;
    throw_if(ec, "zmtp::socket::receive_for");
    return msg;
}

} // namespace zmtp
