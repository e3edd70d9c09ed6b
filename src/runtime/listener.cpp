#include "runtime/listener.hpp"

#include "runtime/socket_core.hpp"
#include "zmtp/error.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

namespace zmtp::detail {
namespace {

std::mutex inproc_mutex;
std::map<std::string, std::weak_ptr<listener>, std::less<>> inproc_names;

/// Reads a generic endpoint back as a tcp one.
asio::ip::tcp::endpoint as_tcp(const asio::generic::stream_protocol::endpoint& generic)
{
    asio::ip::tcp::endpoint tcp;
    std::memcpy(tcp.data(), generic.data(), std::min<std::size_t>(generic.size(), tcp.capacity()));
    tcp.resize(generic.size());
    return tcp;
}

} // namespace

std::error_code register_inproc(const std::string& name, const std::shared_ptr<listener>& l)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    auto [it, inserted] = inproc_names.try_emplace(name, l);
    if (!inserted) {
        if (!it->second.expired())
            return errc::address_in_use;
        it->second = l;
    }
    return {};
}

void unregister_inproc(const std::string& name, const listener* l)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    const auto it = inproc_names.find(name);
    if (it != inproc_names.end()) {
        const auto current = it->second.lock();
        if (!current || current.get() == l)
            inproc_names.erase(it);
    }
}

std::shared_ptr<listener> find_inproc(const std::string& name)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    const auto it = inproc_names.find(name);
    return it == inproc_names.end() ? nullptr : it->second.lock();
}

listener::listener(std::shared_ptr<socket_core> core, endpoint ep, std::string text)
    : core_(std::move(core)), endpoint_(std::move(ep)), text_(std::move(text)), acceptor_(core_->executor)
{
}

const asio::any_io_executor& listener::executor() const noexcept
{
    return core_->executor;
}

std::error_code listener::open()
{
    switch (endpoint_.transport) {
    case transport::tcp: return open_tcp();
    case transport::ipc: return open_ipc();
    case transport::inproc:
        bound_ = text_;
        return register_inproc(endpoint_.path, shared_from_this());
    }
    return errc::invalid_endpoint;
}

std::error_code listener::open_tcp()
{
    std::error_code ec;
    asio::ip::address address;
    if (endpoint_.host == "*") {
        address = asio::ip::address_v4::any();
    } else {
        address = asio::ip::make_address(endpoint_.host, ec);
        if (ec) { // a name: resolve it now, bind() is synchronous
            asio::ip::tcp::resolver resolver(core_->executor);
            const auto results = resolver.resolve(endpoint_.host, "", ec);
            if (ec || results.empty())
                return ec ? ec : make_error_code(asio::error::host_not_found);
            address = results.begin()->endpoint().address();
        }
    }
    const asio::ip::tcp::endpoint target(address, endpoint_.port);
    const asio::generic::stream_protocol::endpoint generic(target);
    if (acceptor_.open(generic.protocol(), ec) || acceptor_.set_option(asio::socket_base::reuse_address(true), ec)
        || acceptor_.bind(generic, ec) || acceptor_.listen(core_->options().backlog, ec))
        return ec;
    const asio::ip::tcp::endpoint local = as_tcp(acceptor_.local_endpoint(ec));
    if (ec)
        return ec;
    endpoint bound = endpoint_;
    bound.host = local.address().to_string();
    bound.port = local.port();
    bound_ = bound.to_string();
    return {};
}

std::error_code listener::open_ipc()
{
    struct stat info {};
    if (::stat(endpoint_.path.c_str(), &info) == 0) {
        if (!S_ISSOCK(info.st_mode))
            return make_error_code(std::errc::address_in_use); // never delete a regular file
        ::unlink(endpoint_.path.c_str()); // a stale socket file from an earlier run
    }
    const asio::generic::stream_protocol::endpoint generic(asio::local::stream_protocol::endpoint(endpoint_.path));
    std::error_code ec;
    if (acceptor_.open(generic.protocol(), ec) || acceptor_.bind(generic, ec)
        || acceptor_.listen(core_->options().backlog, ec))
        return ec;
    owns_ipc_file_ = true;
    bound_ = text_;
    return {};
}

void listener::start()
{
    if (endpoint_.transport != transport::inproc)
        accept();
}

void listener::accept()
{
    acceptor_.async_accept([self = shared_from_this()](std::error_code ec, stream_socket stream) {
        std::lock_guard<std::mutex> lock(self->core_->mutex);
        if (self->stopped_)
            return;
        if (ec) {
            self->core_->monitor(monitor_event_type::accept_failed, self->bound_, ec);
        } else {
            if (self->endpoint_.transport == transport::tcp)
                stream.set_option(asio::ip::tcp::no_delay(true), ec);
            self->accepted(std::move(stream));
        }
        self->accept();
    });
}

void listener::accept_inproc(stream_socket stream)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    if (!stopped_)
        accepted(std::move(stream));
}

void listener::accepted(stream_socket stream)
{
    core_->monitor(monitor_event_type::accepted, bound_);
    auto s = std::make_shared<session>(core_, std::move(stream), bound_, nullptr);
    core_->start_session(s);
}

void listener::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    if (endpoint_.transport == transport::inproc)
        unregister_inproc(endpoint_.path, this);
    if (owns_ipc_file_)
        ::unlink(endpoint_.path.c_str());
    core_->monitor(monitor_event_type::closed, bound_);
}

} // namespace zmtp::detail
