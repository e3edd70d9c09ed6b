#include "runtime/listener.hpp"

#include "runtime/accept_filter.hpp"
#include "runtime/ipc_peer_filter.hpp"
#include "runtime/socket_core.hpp"
#include "runtime/socket_tuning.hpp"
#include "zmtp/error.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

namespace zmtp::detail {
namespace {

std::mutex inproc_mutex;
std::map<std::pair<std::string, std::string>, std::weak_ptr<listener>, std::less<>> inproc_names; // (scope, name)

/// Reads a generic endpoint back as a tcp one.
asio::ip::tcp::endpoint as_tcp(const asio::generic::stream_protocol::endpoint& generic)
{
    asio::ip::tcp::endpoint tcp;
    std::memcpy(tcp.data(), generic.data(), std::min<std::size_t>(generic.size(), tcp.capacity()));
    tcp.resize(generic.size());
    return tcp;
}

/// What an interface name stands for.
enum class interface_match { none, no_address, found };

/// The address of the network interface called `name` (as `ip addr` lists them): its first
/// IPv4 address, as libzmq binds without ZMQ_IPV6, else its first IPv6 address (global
/// before link-local, whose scope is the interface).
interface_match interface_address(const std::string& name, asio::ip::address& out)
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return interface_match::none;
    bool seen = false;
    std::optional<asio::ip::address_v4> v4;
    std::optional<asio::ip::address_v6> v6, v6_link_local;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_name || name != i->ifa_name)
            continue;
        seen = true; // an interface without addresses still has its AF_PACKET entry
        if (!i->ifa_addr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET && !v4) {
            sockaddr_in in{};
            std::memcpy(&in, i->ifa_addr, sizeof in);
            v4 = asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 in6{};
            std::memcpy(&in6, i->ifa_addr, sizeof in6);
            asio::ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
            const asio::ip::address_v6 a(bytes, in6.sin6_scope_id);
            auto& slot = a.is_link_local() ? v6_link_local : v6;
            if (!slot)
                slot = a;
        }
    }
    ::freeifaddrs(list);
    seen = seen || ::if_nametoindex(name.c_str()) != 0;
    if (v4)
        out = *v4;
    else if (v6 || v6_link_local)
        out = v6 ? *v6 : *v6_link_local;
    else
        return seen ? interface_match::no_address : interface_match::none;
    return interface_match::found;
}

} // namespace

std::error_code bind_address(const std::string& host, const asio::any_io_executor& ex, asio::ip::address& out)
{
    if (host == "*") {
        out = asio::ip::address_v4::any();
        return {};
    }
    std::error_code ec;
    out = asio::ip::make_address(host, ec);
    if (!ec)
        return {};
    switch (interface_address(host, out)) {
    case interface_match::found: return {};
    case interface_match::no_address: return make_error_code(std::errc::address_not_available);
    case interface_match::none: break;
    }
    asio::ip::tcp::resolver resolver(ex);
    const auto results = resolver.resolve(host, "", ec);
    if (ec == asio::error::host_not_found || ec == asio::error::no_data || (!ec && results.empty()))
        return make_error_code(std::errc::no_such_device);
    if (ec)
        return ec;
    out = results.begin()->endpoint().address();
    return {};
}

asio::generic::stream_protocol::endpoint ipc_address(const endpoint& ep)
{
    if (!ep.abstract_ipc())
        return asio::local::stream_protocol::endpoint(ep.path);
    std::string name = ep.path;
    name.front() = '\0';
    return asio::local::stream_protocol::endpoint(name);
}

std::error_code register_inproc(const std::string& scope, const std::string& name, const std::shared_ptr<listener>& l)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    auto [it, inserted] = inproc_names.try_emplace({scope, name}, l);
    if (!inserted) {
        if (!it->second.expired())
            return errc::address_in_use;
        it->second = l;
    }
    return {};
}

void unregister_inproc(const std::string& scope, const std::string& name, const listener* l)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    const auto it = inproc_names.find(std::pair(scope, name));
    if (it != inproc_names.end()) {
        const auto current = it->second.lock();
        if (!current || current.get() == l)
            inproc_names.erase(it);
    }
}

std::shared_ptr<listener> find_inproc(const std::string& scope, const std::string& name)
{
    std::lock_guard<std::mutex> lock(inproc_mutex);
    const auto it = inproc_names.find(std::pair(scope, name));
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
    if (const int fd = core_->options().use_fd; fd >= 0 && endpoint_.transport != transport::inproc)
        return adopt(fd);
    switch (endpoint_.transport) {
    case transport::tcp: return open_tcp();
    case transport::ipc: return open_ipc();
    case transport::inproc:
        bound_ = text_;
        inproc_scope_ = core_->options().inproc_scope;
        return register_inproc(inproc_scope_, endpoint_.path, shared_from_this());
    }
    return errc::invalid_endpoint;
}

std::error_code listener::open_tcp()
{
    if (!endpoint_.source_host.empty())
        return errc::invalid_endpoint; // a source is for connect
    asio::ip::address address;
    if (std::error_code ec = bind_address(endpoint_.host, core_->executor, address))
        return ec;
    std::error_code ec;
    const asio::ip::tcp::endpoint target(address, endpoint_.port);
    const asio::generic::stream_protocol::endpoint generic(target);
    if (acceptor_.open(generic.protocol(), ec) || acceptor_.set_option(asio::socket_base::reuse_address(true), ec)
        || (ec = tune_socket(acceptor_.native_handle(), transport::tcp, core_->options())) || acceptor_.bind(generic, ec)
        || acceptor_.listen(core_->options().backlog, ec))
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
    const bool file = !endpoint_.abstract_ipc();
    if (file && ::stat(endpoint_.path.c_str(), &info) == 0) {
        if (!S_ISSOCK(info.st_mode))
            return make_error_code(std::errc::address_in_use); // never delete a regular file
        ::unlink(endpoint_.path.c_str()); // a stale socket file from an earlier run
    }
    const asio::generic::stream_protocol::endpoint generic = ipc_address(endpoint_);
    std::error_code ec;
    if (acceptor_.open(generic.protocol(), ec)
        || (ec = tune_socket(acceptor_.native_handle(), transport::ipc, core_->options())) || acceptor_.bind(generic, ec)
        || acceptor_.listen(core_->options().backlog, ec))
        return ec;
    owns_ipc_file_ = file;
    bound_ = text_;
    return {};
}

std::error_code listener::adopt(int fd)
{
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    int type = 0, listening = 0;
    socklen_t type_size = sizeof type, listening_size = sizeof listening;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0
        || ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0
        || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_size) != 0)
        return {errno, std::system_category()};
    const int family = address.ss_family;
    const bool family_fits = endpoint_.transport == transport::tcp ? family == AF_INET || family == AF_INET6 : family == AF_UNIX;
    if (!family_fits || type != SOCK_STREAM || !listening)
        return errc::invalid_argument;
    const asio::generic::stream_protocol::endpoint local(&address, size, family == AF_UNIX ? 0 : IPPROTO_TCP);
    std::error_code ec;
    if (acceptor_.assign(local.protocol(), fd, ec))
        return ec;
    endpoint bound; // the address given to bind() is not the one listened on
    bound.transport = endpoint_.transport;
    if (endpoint_.transport == transport::tcp) {
        const asio::ip::tcp::endpoint tcp = as_tcp(local);
        bound.host = tcp.address().to_string();
        bound.port = tcp.port();
    } else {
        const char* path = reinterpret_cast<const sockaddr_un*>(&address)->sun_path;
        const std::size_t length = size - offsetof(sockaddr_un, sun_path);
        bound.path = length > 0 && path[0] == '\0' ? "@" + std::string(path + 1, length - 1) // abstract namespace
                                                   : std::string(path, ::strnlen(path, length));
    }
    bound_ = bound.to_string();
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
        } else if (!self->admits(stream)) {
            // not admitted by the accept filters: closed as it goes out of scope
        } else if (ec = self->tune_accepted(stream); ec) {
            self->core_->monitor(monitor_event_type::accept_failed, self->bound_, ec);
        } else {
            self->accepted(std::move(stream));
        }
        self->accept();
    });
}

bool listener::admits(stream_socket& stream) const
{
    if (endpoint_.transport == transport::ipc)
        return ipc_peer_admitted(core_->options(), stream.native_handle());
    if (endpoint_.transport != transport::tcp)
        return true;
    std::error_code ec;
    const asio::generic::stream_protocol::endpoint peer = stream.remote_endpoint(ec);
    return !ec && admitted(core_->options().tcp_accept_filters, as_tcp(peer).address());
}

std::error_code listener::tune_accepted(stream_socket& stream)
{
    if (endpoint_.transport != transport::tcp) // a Unix socket inherits nothing from its listener
        return tune_socket(stream.native_handle(), endpoint_.transport, core_->options());
    std::error_code ec;
    if (!stream.set_option(asio::ip::tcp::no_delay(true), ec))
        ec = tune_tcp_connection(stream.native_handle(), core_->options());
    return ec;
}

void listener::accept_inproc(stream_socket stream)
{
    std::lock_guard<std::mutex> lock(core_->mutex);
    if (!stopped_)
        accepted(std::move(stream));
}

void listener::accepted(stream_socket stream)
{
    core_->monitor(monitor_event_type::accepted, bound_, {}, {},
                   endpoint_.transport == transport::inproc ? -1 : stream.native_handle());
    auto s = std::make_shared<session>(core_, std::move(stream), bound_, nullptr);
    core_->start_session(s);
}

void listener::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    const int fd = descriptor();
    std::error_code ignored;
    acceptor_.close(ignored);
    if (endpoint_.transport == transport::inproc)
        unregister_inproc(inproc_scope_, endpoint_.path, this);
    if (owns_ipc_file_)
        ::unlink(endpoint_.path.c_str());
    core_->monitor(monitor_event_type::closed, bound_, {}, {}, fd);
}

} // namespace zmtp::detail
