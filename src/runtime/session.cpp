#include "runtime/session.hpp"

#include "runtime/blocking_op.hpp"
#include "runtime/pipe.hpp"
#include "runtime/socket_core.hpp"
#include "zmtp/error.hpp"

#include <asio/bind_allocator.hpp>
#include <asio/post.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace zmtp::detail {
namespace {

/// The read buffer starts small, so ten thousand quiet connections cost little, and
/// doubles whenever a read fills it, up to the size where big reads amortise the syscall
/// over many small messages.
constexpr std::size_t initial_read_buffer = 8 * 1024;
constexpr std::size_t max_read_buffer = 64 * 1024;
/// A body with at least this much left to arrive is read straight into its frame.
constexpr std::size_t direct_read_threshold = 16 * 1024;
/// How much a read into a large body may take beyond it, into the read buffer.
constexpr std::size_t read_ahead_after_body = 4 * 1024;
/// Most message bytes moved from the pipe into one write, to keep other work flowing.
constexpr std::size_t max_batch_bytes = 1024 * 1024;
/// Asio hands at most 64 buffers to one sendmsg; listing more per write is wasted work.
constexpr std::size_t max_write_pieces = 64;
/// Writes flush() makes in a row before it lets other handlers of the executor run.
constexpr int max_flush_rounds = 16;

} // namespace

session::session(std::shared_ptr<socket_core> core, stream_socket stream, std::string endpoint,
                 std::shared_ptr<connector> origin)
    : core_(std::move(core)),
      stream_(std::move(stream)),
      endpoint_(std::move(endpoint)),
      origin_(std::move(origin)),
      conn_(core_->connection_options(), wire::connection::clock::now()),
      input_(initial_read_buffer),
      timer_(core_->executor),
      descriptor_(is_inproc() ? -1 : stream_.native_handle())
{
}

void session::start()
{
    // A raw connection (STREAM) has no handshake: its peer is attached at once.
    if (conn_.current_state() == wire::connection::state::ready && !handle(wire::connection::event::handshake_succeeded))
        return;
    write(); // our greeting
    read();
    arm_timer();
}

void session::read()
{
    if (reading_ || stopped_ || input_paused_ || authenticating_)
        return;
    if (attached_ && !core_->receive_room(*pipe_)) {
        input_paused_ = true; // backpressure: resume_input() restarts us
        return;
    }
    std::span<std::byte> body; // the rest of a large body, read straight into its frame
    if (input_begin_ == input_end_) {
        if (input_end_ == input_.size() && input_.size() < max_read_buffer)
            input_.resize(max_read_buffer); // the last read filled it: traffic is heavy (one growth)
        input_begin_ = input_end_ = 0;
        if (const auto rest = conn_.direct_input(); rest.size() >= direct_read_threshold)
            body = rest;
    } else if (input_end_ == input_.size()) {
        std::memmove(input_.data(), input_.data() + input_begin_, input_end_ - input_begin_);
        input_end_ -= input_begin_;
        input_begin_ = 0;
    }
    // Behind a large body only a little is read into input_ (the next header and the start
    // of the next body), so that the next large body is not copied through input_ either.
    const std::size_t room = input_.size() - input_end_;
    const std::array<asio::mutable_buffer, 2> buffers{
        asio::buffer(body.data(), body.size()),
        asio::buffer(input_.data() + input_end_, body.empty() ? room : std::min(room, read_ahead_after_body))};
    reading_ = true;
    stream_.async_read_some(buffers, asio::bind_allocator(handler_allocator<void, 256>(read_memory_),
                            [self = shared_from_this(), body_size = body.size()](std::error_code ec, std::size_t n) {
                                std::lock_guard<std::mutex> lock(self->core_->mutex);
                                self->reading_ = false;
                                if (self->stopped_)
                                    return;
                                if (ec) {
                                    self->stop(ec);
                                    return;
                                }
                                const std::size_t into_body = std::min(n, body_size);
                                self->input_end_ += n - into_body;
                                if (into_body > 0) {
                                    const auto r = self->conn_.receive_direct(into_body, wire::connection::clock::now());
                                    if (!self->handle(r.what))
                                        return;
                                }
                                self->process_input();
                                self->read();
                            }));
}

void session::process_input()
{
    const auto now = wire::connection::clock::now();
    while (input_begin_ < input_end_ && !stopped_ && !authenticating_) {
        if (attached_ && !core_->receive_room(*pipe_)) {
            input_paused_ = true; // backpressure: resume_input() restarts us
            break;
        }
        const auto r = conn_.receive(std::span(input_.data() + input_begin_, input_end_ - input_begin_), now);
        input_begin_ += r.consumed;
        if (!handle(r.what))
            return;
    }
    write();
    arm_timer();
}

bool session::handle(wire::connection::event e)
{
    switch (e) {
    case wire::connection::event::none:
        break;
    case wire::connection::event::handshake_succeeded: {
        std::unique_ptr<peer_properties> properties;
        try {
            properties = std::make_unique<peer_properties>(conn_.peer_metadata(), conn_.authentication_properties(),
                                                           conn_.user_id(), peer_address(),
                                                           is_inproc() ? -1 : stream_.native_handle());
        } catch (const std::bad_alloc&) { // as for a message there is no memory for: this peer goes
            stop(errc::out_of_memory);
            return false;
        }
        if (const std::error_code refused = core_->attach(*this)) {
            stop(refused);
            return false;
        }
        attached_ = true;
        properties_.reset(properties.release());
        break;
    }
    case wire::connection::event::message: {
        message&& msg = conn_.take_message();
        msg.set_properties(properties_.issue());
        if (!core_->received(*pipe_, std::move(msg))) { // no memory to queue it: this peer goes
            stop(errc::out_of_memory);
            return false;
        }
        break;
    }
    case wire::connection::event::subscribe:
    case wire::connection::event::cancel: {
        const message topic = conn_.take_message();
        core_->subscription(*pipe_, e == wire::connection::event::subscribe, topic[0].bytes());
        break;
    }
    case wire::connection::event::closed:
        on_protocol_close();
        return false;
    case wire::connection::event::authenticate:
        ask_authentication();
        return false; // no input until the decision
    }
    return true;
}

void session::ask_authentication()
{
    if (authenticating_)
        return;
    authenticating_ = true;
    std::weak_ptr<session> weak = shared_from_this();
    authentication_id_ = core_->authenticate(*conn_.authentication_wanted(), peer_address(), [weak](wire::authentication_result r) {
        const std::shared_ptr<session> self = weak.lock();
        if (!self)
            return;
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        self->on_authenticated(r);
    });
}

void session::on_authenticated(const wire::authentication_result& result)
{
    authenticating_ = false;
    authentication_id_ = 0;
    if (stopped_)
        return;
    if (!handle(conn_.authenticate(result, wire::connection::clock::now())))
        return;
    process_input(); // what arrived meanwhile, then the answer goes out
    read();
}

std::string session::peer_address()
{
    std::error_code ec;
    const auto peer = stream_.remote_endpoint(ec);
    if (ec)
        return {};
    char text[INET6_ADDRSTRLEN] = {};
    if (peer.protocol().family() == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(peer.data())->sin_addr, text, sizeof text);
    else if (peer.protocol().family() == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(peer.data())->sin6_addr, text, sizeof text);
    else if (peer.protocol().family() == AF_UNIX && !is_inproc()) {
        // libzmq's form for ipc: the peer process's credentials on the socket.
        ucred cred{};
        socklen_t size = sizeof cred;
        if (::getsockopt(stream_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0)
            return "localhost:" + std::to_string(cred.uid) + ":" + std::to_string(cred.gid) + ":" +
                   std::to_string(cred.pid);
    }
    return text; // an inproc peer has no address
}

void session::on_protocol_close()
{
    if (conn_.wants_write() && !stop_after_flush_) {
        stop_after_flush_ = true; // an ERROR for the peer goes out first
        write();
        if (!stopped_ && !writing_)
            stop(conn_.error());
        return;
    }
    stop(conn_.error());
}

void session::write()
{
    if (core_->taking_handed_over()) {
        // One write after the take, for all it gives this session (not one for its first
        // message and another for the rest).
        if (!write_deferred_ && !writing_ && !stopped_) {
            core_->defer_write(shared_from_this());
            write_deferred_ = true;
        }
        return;
    }
    if (!prepare_write())
        return;
    if (on_executor_thread(core_->executor)) {
        post_flush();
        return;
    }
    // Another thread (the application's, in a send) writes at once, holding the lock: a
    // round trip waits for no other thread. The executor takes it from there, so what is
    // sent until then joins the next batch. (A stream of messages from such a thread is
    // handed over instead: socket::try_send_exclusive; when that thread takes what it
    // handed over, the executor writes them, together.)
    post_flush(send_batch());
}

void session::write_deferred()
{
    write_deferred_ = false;
    if (prepare_write())
        post_flush();
}

void session::post_flush(std::optional<write_result> done)
{
    flush_posted_ = true;
    // The system call is made by flush(), on the executor and without the lock: a thread
    // that sends meanwhile only queues, instead of waiting for the lock through a write.
    asio::post(core_->executor, asio::bind_allocator(handler_allocator<void, 2048>(write_memory_),
                                                     [self = shared_from_this(), done] { self->flush(done); }));
}

bool session::prepare_write()
{
    if (writing_ || stopped_)
        return false;
    bool took = false;
    // A batch sent in part is finished first; messages join the next batch only then, so
    // the bytes queued in conn_ stay bounded by one batch plus send_hwm.
    const bool new_batch = !conn_.batch_unfinished();
    if (new_batch && attached_ && conn_.current_state() == wire::connection::state::ready) {
        std::size_t batch = 0;
        message msg;
        while (batch < max_batch_bytes && pipe_->take_output(msg)) {
            batch += msg.total_size();
            (void)conn_.send(msg); // cannot fail: ready, and the core never queues empty messages
            took = true;
        }
    }
    if (!conn_.wants_write()) {
        if (stop_after_flush_ && (flushed() || conn_.current_state() == wire::connection::state::closed))
            stop(conn_.error() ? conn_.error() : make_error_code(errc::socket_closed));
        return false;
    }
    if (new_batch && pipe_ && pipe_->encoded_taken()) // they are in this write now
        took = true;
    output_.clear();
    output_.reserve(max_write_pieces); // once: later batches of more pieces allocate nothing
    for (std::span<const std::byte> piece : conn_.start_write(max_write_pieces))
        output_.push_back(iovec{const_cast<std::byte*>(piece.data()), piece.size()});
    writing_ = true;
    core_->write_started();
    if (took)
        core_->pipe_drained(*pipe_); // after writing_ is set: a send it releases only queues
    return true;
}

session::write_result session::send_batch() noexcept
{
    // One sendmsg per round, not asio::async_write: that splits a big write into 64 KiB
    // calls and waits for epoll between them. A partial write leaves the rest in conn_ for
    // the next round.
    msghdr header{};
    header.msg_iov = output_.data();
    header.msg_iovlen = output_.size();
    const ssize_t written = ::sendmsg(stream_.native_handle(), &header, MSG_NOSIGNAL | MSG_DONTWAIT);
    return written < 0 ? write_result{0, errno} : write_result{static_cast<std::size_t>(written), 0};
}

bool session::write_done(write_result r)
{
    if (!stopped_ && (r.error == EAGAIN || r.error == EWOULDBLOCK || r.error == EINTR)) {
        await_writable(); // the same batch once the peer has taken some
        return false;
    }
    writing_ = false;
    if (r.error == 0)
        conn_.finish_write(r.written);
    else if (!stopped_)
        stop(std::error_code(r.error, std::system_category()));
    if (stopped_)
        close_stream(); // if stop() left it to us
    return true;
}

void session::flush(std::optional<write_result> done)
{
    // While writing_, output_ and the bytes of conn_ it points to are this write's alone,
    // and stop() leaves the descriptor open while flush_posted_ (closing it here instead).
    for (int round = 1;; ++round) {
        const write_result r = done ? *std::exchange(done, std::nullopt) : send_batch();
        std::unique_lock<std::mutex> lock(core_->mutex);
        flush_posted_ = false;
        if (!write_done(r))
            return;
        if (!stopped_ && core_->few_handed_over()) {
            lock.unlock();
            sched_yield();
            lock.lock();
        }
        core_->write_finished(); // may queue more, which this session writes next
        if (stopped_ || !prepare_write())
            return;
        if (round == max_flush_rounds) { // let other handlers run
            post_flush();
            return;
        }
        flush_posted_ = true;
    }
}

void session::await_writable()
{
    stream_.async_wait(stream_socket::wait_write, asio::bind_allocator(handler_allocator<void, 2048>(write_memory_),
                                                                       [self = shared_from_this()](std::error_code ec) {
        {
            std::lock_guard<std::mutex> lock(self->core_->mutex);
            if (self->stopped_ || ec) {
                self->writing_ = false;
                if (!self->stopped_)
                    self->stop(ec);
                self->core_->write_finished();
                return;
            }
            self->flush_posted_ = true;
        }
        self->flush(std::nullopt);
    }));
}

bool session::flushed() const noexcept
{
    return attached_ && !pipe_->has_queued_output() && !writing_ && !conn_.wants_write();
}

void session::notify_output()
{
    write();
}

bool session::send_now(const message& msg)
{
    if (!attached_ || stopped_ || stop_after_flush_ || conn_.current_state() != wire::connection::state::ready)
        return false;
    (void)conn_.send(msg); // cannot fail: ready, and the core never sends empty messages
    pipe_->encoded(msg.size());
    write();
    return true;
}

void session::resume_input()
{
    if (resume_posted_)
        return;
    resume_posted_ = true;
    asio::post(core_->executor, [self = shared_from_this()] {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        self->resume_posted_ = false;
        if (self->stopped_ || !self->input_paused_)
            return;
        self->input_paused_ = false;
        self->process_input();
        self->read();
    });
}

void session::arm_timer()
{
    if (stopped_)
        return;
    const auto next = conn_.next_deadline();
    if (!next || (timer_deadline_ && *timer_deadline_ <= *next))
        return;
    timer_deadline_ = next;
    timer_.expires_at(*next);
    timer_.async_wait(asio::bind_allocator(handler_allocator<void, 256>(timer_memory_), [self = shared_from_this()](std::error_code ec) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (ec == asio::error::operation_aborted || self->stopped_)
            return;
        self->timer_deadline_.reset();
        self->conn_.on_timer(wire::connection::clock::now());
        if (self->conn_.current_state() == wire::connection::state::closed) {
            self->on_protocol_close();
            return;
        }
        self->write();
        self->arm_timer();
    }));
}

void session::stop_after_flush()
{
    stop_after_flush_ = true;
    write();
}

void session::close_stream()
{
    std::error_code ignored;
    stream_.close(ignored);
}

void session::stop(std::error_code reason)
{
    if (stopped_)
        return;
    const auto keep = shared_from_this(); // the core lets go of us below
    stopped_ = true;
    core_->cancel_authentication(std::exchange(authentication_id_, 0));
    if (!flush_posted_) // else flush() closes it, after its system call
        close_stream();
    timer_.cancel();
    core_->session_ended(*this, reason, attached_);
}

} // namespace zmtp::detail
