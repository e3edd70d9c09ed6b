// zmq_socket, zmq_close, endpoints, and sending and receiving frames and messages.
#include "socket.hpp"

#include "errors.hpp"
#include "message_slot.hpp"

#include "zmtp/error.hpp"
#include "zmtp/poll.hpp"

#include <zmq.h>

#include <sys/un.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace zmtp::capi {

socket_handle::socket_handle(context& owner, zmtp::socket_type type, zmtp::socket_options options)
    : owner_(owner), socket_(owner.zmtp_context(), type, std::move(options))
{
}

socket_handle* socket_handle::from(void* handle) noexcept
{
    std::uint32_t tag = 0;
    if (handle != nullptr)
        std::memcpy(&tag, handle, sizeof tag); // the memory of a closed handle is still ours
    if (tag != live_tag) {
        errno = ENOTSOCK;
        return nullptr;
    }
    return static_cast<socket_handle*>(handle);
}

namespace {

/// The memory of closed handles, for the next ones. Never destroyed: handles may be
/// closed after static destructors have run.
struct handle_memory {
    std::mutex mutex;
    std::vector<void*> kept;
};
handle_memory& kept_handles()
{
    static auto* memory = new handle_memory();
    return *memory;
}

} // namespace

void* socket_handle::operator new(std::size_t size)
{
    handle_memory& m = kept_handles();
    {
        std::lock_guard<std::mutex> lock(m.mutex);
        if (!m.kept.empty()) {
            void* memory = m.kept.back();
            m.kept.pop_back();
            return memory;
        }
    }
    return ::operator new(size);
}

void socket_handle::operator delete(void* memory) noexcept
{
    const std::uint32_t dead = 0;
    std::memcpy(memory, &dead, sizeof dead); // outside the object's lifetime: no store elided
    handle_memory& m = kept_handles();
    std::lock_guard<std::mutex> lock(m.mutex);
    try {
        m.kept.push_back(memory);
    } catch (const std::bad_alloc&) {
        // Not kept, and not freed either: a later call on that handle must stay harmless.
    }
}

int socket_handle::send_frame(zmtp::frame body, bool more, bool dontwait)
{
    try {
        if (more && outgoing_.empty()) {
            // As libzmq, a message is refused at its first frame (EAGAIN, EFSM...): an
            // application that sends the refused frame again sends whole messages.
            if (const std::error_code ec = wait_until_sendable(body, dontwait))
                return fail(ec);
        }
        outgoing_.push_back(std::move(body));
        if (more)
            return 0;
        std::error_code ec = socket_.try_send_exclusive(outgoing_); // most sends need not wait
        if (!ec) { // the common case first: comparing with an errc makes an error_code
            outgoing_.clear();
            return 0;
        }
        if (ec == zmtp::errc::would_block && !dontwait) {
            const std::optional<deadline> until = deadline_after(socket_.get(&zmtp::socket_options::send_timeout));
            while (ec == zmtp::errc::would_block && !(ec = wait_ready(zmtp::wait_type::write, until))) {
                if ((ec = socket_.try_send(outgoing_)) == zmtp::errc::would_block) {
                    // Ready, yet refused: a peer it must go to is full (ROUTER_MANDATORY,
                    // XPUB_NODROP). The socket's own blocking send waits for that one; it
                    // gets a copy, so that a timeout leaves the frames as below.
                    socket_.send(zmtp::message(outgoing_), zmtp::send_flags::none, ec);
                    break;
                }
            }
        }
        if (ec == zmtp::errc::would_block) {
            rearm_signal();
            // Room went away after the first frame was taken (its peer left): this frame is
            // refused, the ones before it stay, so sending it again completes the message.
            outgoing_.pop_back();
        } else {
            outgoing_.clear();
        }
        return ec ? fail(ec) : 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

std::error_code socket_handle::wait_until_sendable(const zmtp::frame& first, bool dontwait)
{
    std::error_code ec = socket_.can_send(first);
    if (ec == zmtp::errc::would_block && !dontwait) {
        const std::optional<deadline> until = deadline_after(socket_.get(&zmtp::socket_options::send_timeout));
        while (ec == zmtp::errc::would_block && !(ec = wait_ready(zmtp::wait_type::write, until)))
            ec = socket_.can_send(first);
    }
    if (ec == zmtp::errc::would_block)
        rearm_signal();
    return ec;
}

std::error_code socket_handle::receive_frame(zmtp::frame& body, bool& more, detail::peer_properties_ref* sender,
                                             bool dontwait)
{
    if (!receiving_more()) {
        try {
            // Most receives need not wait (tested first: comparing with an errc makes an
            // error_code).
            if (std::error_code ec = socket_.try_receive_exclusive(incoming_)) {
                if (ec == zmtp::errc::would_block && !dontwait) {
                    const std::optional<deadline> until = deadline_after(socket_.get(&zmtp::socket_options::receive_timeout));
                    while (ec == zmtp::errc::would_block && !(ec = wait_ready(zmtp::wait_type::read, until)))
                        ec = socket_.try_receive_exclusive(incoming_); // another may have come first: would_block
                }
                if (ec == zmtp::errc::would_block)
                    rearm_signal();
                if (ec)
                    return ec;
            }
        } catch (const std::bad_alloc&) {
            return make_error_code(std::errc::not_enough_memory);
        }
        next_frame_ = 0;
    }
    body = std::move(incoming_[next_frame_++]);
    more = receiving_more();
    if (sender) // the last frame takes the message's reference: no count changes
        *sender = more ? incoming_.sender() : incoming_.take_sender();
    return {};
}

std::optional<socket_handle::deadline> socket_handle::deadline_after(std::optional<std::chrono::milliseconds> timeout)
{
    if (!timeout)
        return std::nullopt;
    return std::chrono::steady_clock::now() + *timeout;
}

std::error_code socket_handle::wait_ready(zmtp::wait_type what, const std::optional<deadline>& until)
{
    std::optional<std::chrono::milliseconds> left;
    if (until) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= *until)
            return zmtp::errc::would_block;
        left = std::chrono::ceil<std::chrono::milliseconds>(*until - now);
    }
    zmtp::poll_item item{&socket_, -1, what};
    std::error_code ec;
    const std::size_t ready = zmtp::poll(std::span(&item, 1), left, ec, zmtp::on_signal::interrupt);
    if (ec)
        return ec;
    return ready == 0 ? make_error_code(zmtp::errc::would_block) : std::error_code{};
}

zmtp::wait_type socket_handle::events()
{
    const zmtp::wait_type ready = receiving_more() ? socket_.ready_for() | zmtp::wait_type::read : socket_.ready_for();
    if (signal_)
        signal_->rearm(socket_, ready);
    return ready;
}

int socket_handle::readiness_fd()
{
    if (!signal_) {
        try {
            signal_ = std::make_unique<readiness_signal>();
        } catch (const std::system_error& e) {
            return fail(e.code());
        }
        events(); // waits for what the socket is not ready for yet
    }
    return signal_->fd();
}

void socket_handle::rearm_signal()
{
    if (signal_)
        events();
}

void socket_handle::close() noexcept
{
    socket_.close();
    if (monitor_) // forwards the socket's last events, then MONITOR_STOPPED
        monitor_->outlive(std::move(socket_));
}

} // namespace zmtp::capi

using zmtp::capi::context;
using zmtp::capi::fail;
using zmtp::capi::live_slot;
using zmtp::capi::message_slot;
using zmtp::capi::socket_handle;

namespace {

/// The errno of an endpoint zmtp found invalid, as libzmq tells them apart: no
/// "transport://" at all is EINVAL, an unknown transport EPROTONOSUPPORT, an ipc path
/// longer than a socket address holds ENAMETOOLONG.
int invalid_endpoint_errno(std::string_view endpoint)
{
    const std::size_t separator = endpoint.find("://");
    if (separator == std::string_view::npos)
        return EINVAL;
    const std::string_view scheme = endpoint.substr(0, separator);
    if (scheme != "tcp" && scheme != "ipc" && scheme != "inproc")
        return EPROTONOSUPPORT;
    if (scheme == "ipc" && endpoint.size() - separator - 3 >= sizeof(sockaddr_un::sun_path))
        return ENAMETOOLONG;
    return EINVAL;
}

/// bind, connect, unbind or disconnect: 0, or -1 with errno.
int on_endpoint(void* handle, const char* endpoint,
                void (zmtp::socket::*call)(std::string_view, std::error_code&))
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    if (endpoint == nullptr)
        return fail(EINVAL);
    try {
        std::error_code ec;
        (s->zmtp_socket().*call)(endpoint, ec);
        if (ec == zmtp::errc::invalid_endpoint)
            return fail(invalid_endpoint_errno(endpoint));
        return ec ? fail(ec) : 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

/// zmq_send (`copy`) or zmq_send_const (the buffer is constant and outlives the send,
/// zmq_send_const(3): no copy, nothing to free): `len`, or -1 with errno.
int send_buffer(void* handle, const void* buf, size_t len, int flags, bool copy)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    if (buf == nullptr && len != 0)
        return fail(EFAULT);
    try {
        zmtp::frame body = copy ? zmtp::frame(std::span(static_cast<const std::byte*>(buf), len))
                                : zmtp::frame::adopt(const_cast<void*>(buf), len, nullptr);
        if (s->send_frame(std::move(body), (flags & ZMQ_SNDMORE) != 0, (flags & ZMQ_DONTWAIT) != 0) != 0)
            return -1;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
    return static_cast<int>(len);
}

} // namespace

extern "C" {

void* zmq_socket(void* context_handle, int type)
{
    context* c = context::from(context_handle);
    if (!c)
        return nullptr;
    if (type < ZMQ_PAIR || type > ZMQ_STREAM) {
        errno = EINVAL;
        return nullptr;
    }
    if (!c->socket_opened()) {
        errno = ETERM;
        return nullptr;
    }
    try {
        zmtp::socket_options options;
        options.inproc_scope = c->inproc_scope();
        // libzmq 4.3's SUB and XSUB linger 0 whatever the context says: they send only
        // subscriptions.
        if (!c->blocky || type == ZMQ_SUB || type == ZMQ_XSUB)
            options.linger = std::chrono::milliseconds(0);
        return new socket_handle(*c, static_cast<zmtp::socket_type>(type), std::move(options));
    } catch (const std::system_error& e) {
        c->socket_closed();
        errno = zmtp::capi::errno_of(e.code());
        return nullptr;
    } catch (const std::bad_alloc&) {
        c->socket_closed();
        errno = ENOMEM;
        return nullptr;
    }
}

int zmq_close(void* handle)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    context& owner = s->owner();
    s->close();
    delete s;
    owner.socket_closed();
    return 0;
}

int zmq_bind(void* handle, const char* endpoint) { return on_endpoint(handle, endpoint, &zmtp::socket::bind); }

int zmq_connect(void* handle, const char* endpoint) { return on_endpoint(handle, endpoint, &zmtp::socket::connect); }

int zmq_unbind(void* handle, const char* endpoint) { return on_endpoint(handle, endpoint, &zmtp::socket::unbind); }

int zmq_disconnect(void* handle, const char* endpoint)
{
    return on_endpoint(handle, endpoint, &zmtp::socket::disconnect);
}

int zmq_send(void* handle, const void* buf, size_t len, int flags)
{
    return send_buffer(handle, buf, len, flags, true);
}

int zmq_send_const(void* handle, const void* buf, size_t len, int flags)
{
    return send_buffer(handle, buf, len, flags, false);
}

int zmq_recv(void* handle, void* buf, size_t len, int flags)
{
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    zmtp::frame body;
    bool more = false;
    if (std::error_code ec = s->receive_frame(body, more, nullptr, (flags & ZMQ_DONTWAIT) != 0))
        return fail(ec);
    // A longer frame is cut to `len`; the return value is its whole size (zmq_recv(3)).
    if (len != 0 && !body.empty())
        std::memcpy(buf, body.data(), std::min(len, body.size()));
    return static_cast<int>(body.size());
}

int zmq_msg_send(zmq_msg_t* msg, void* handle, int flags)
{
    message_slot* slot = live_slot(msg);
    if (!slot)
        return -1;
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    const std::size_t size = slot->size();
    if (s->send_frame(slot->outgoing(), (flags & ZMQ_SNDMORE) != 0, (flags & ZMQ_DONTWAIT) != 0) != 0)
        return -1; // the message stays the caller's
    // Sent: the message is empty again (zmq_msg_send(3)), its body now the socket's.
    slot->clear();
    return static_cast<int>(size);
}

int zmq_msg_recv(zmq_msg_t* msg, void* handle, int flags)
{
    message_slot* slot = live_slot(msg);
    if (!slot)
        return -1;
    socket_handle* s = socket_handle::from(handle);
    if (!s)
        return -1;
    zmtp::detail::peer_properties_ref sender;
    if (std::error_code ec = s->receive_frame(slot->body, slot->more, &sender, (flags & ZMQ_DONTWAIT) != 0))
        return fail(ec);
    slot->set_sender(std::move(sender)); // a buffer the message kept goes
    return static_cast<int>(slot->body.size());
}

int zmq_sendmsg(void* handle, zmq_msg_t* msg, int flags) { return zmq_msg_send(msg, handle, flags); }

int zmq_recvmsg(void* handle, zmq_msg_t* msg, int flags) { return zmq_msg_recv(msg, handle, flags); }

} // extern "C"
