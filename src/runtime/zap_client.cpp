#include "runtime/zap_client.hpp"

#include "runtime/listener.hpp"
#include "zmtp/wire/metadata.hpp"

#include <string>
#include <utility>

namespace zmtp::detail {
namespace {

socket_options dealer_options(const std::string& inproc_scope)
{
    socket_options o;
    o.inproc_scope = inproc_scope;
    o.linger = std::chrono::milliseconds(0);
    o.send_hwm = 0;    // one request per handshake in progress: bounded by the connections
    o.receive_hwm = 0;
    return o;
}

/// The decision a reply carries: [empty, "1.0", id, status code, status text, user id,
/// metadata]; anything else, or a status RFC 27 does not define, decides as a 500.
wire::authentication_result decision(const message& reply)
{
    wire::authentication_result r;
    r.status_code = "500";
    if (reply.size() != 7 || !reply[0].empty() || reply[1] != std::string_view("1.0"))
        return r;
    const std::string_view status = reply[3].view();
    if (status != "200" && status != "300" && status != "400" && status != "500")
        return r;
    wire::metadata properties;
    if (parse_metadata(reply[6].bytes(), properties))
        return r;
    r.status_code = std::string(status);
    r.status_text = reply[4].to_string();
    r.user_id = reply[5].to_string();
    r.properties = std::move(properties);
    return r;
}

} // namespace

zap_client::zap_client(const asio::any_io_executor& ex, const std::string& inproc_scope)
    : dealer_(ex, socket_type::dealer, dealer_options(inproc_scope))
{
    dealer_.connect(std::string(zap_endpoint));
}

bool zap_client::handler_bound(const std::string& inproc_scope)
{
    return find_inproc(inproc_scope, std::string(zap_endpoint.substr(std::string_view("inproc://").size()))) != nullptr;
}

std::uint64_t zap_client::ask(const wire::authentication_request& request, const asker& who, reply_handler done)
{
    std::uint64_t id;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        id = next_id_++;
        waiting_.emplace(id, std::move(done));
    }
    message m;
    m.push_back(frame());
    m.push_back(std::string_view("1.0"));
    m.push_back(std::string_view(std::to_string(id)));
    m.push_back(who.domain);
    m.push_back(who.address);
    m.push_back(who.identity);
    m.push_back(std::string_view(request.mechanism));
    for (const std::string& c : request.credentials)
        m.push_back(std::string_view(c));
    if (dealer_.try_send(m)) { // no high-water mark: only a closed socket fails
        cancel(id);
        return 0;
    }
    receive_next();
    return id;
}

void zap_client::cancel(std::uint64_t id)
{
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(id);
}

void zap_client::close()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        waiting_.clear();
    }
    dealer_.close();
}

void zap_client::receive_next()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (receiving_ || closed_ || waiting_.empty())
            return;
        receiving_ = true;
    }
    dealer_.async_receive([self = shared_from_this()](std::error_code ec, message reply) {
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            self->receiving_ = false;
        }
        if (ec)
            return; // closed
        self->on_reply(reply);
        self->receive_next();
    });
}

void zap_client::on_reply(const message& reply)
{
    reply_handler done;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (reply.size() < 3)
            return;
        std::uint64_t id = 0;
        for (const char c : reply[2].view()) {
            if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10)
                return; // not an id we gave
            id = id * 10 + static_cast<std::uint64_t>(c - '0');
        }
        const auto it = waiting_.find(id);
        if (it == waiting_.end())
            return; // cancelled, or not ours
        done = std::move(it->second);
        waiting_.erase(it);
    }
    done(decision(reply));
}

} // namespace zmtp::detail
