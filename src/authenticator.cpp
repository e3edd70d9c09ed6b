#include "zmtp/authenticator.hpp"

#include "zmtp/context.hpp"
#include "zmtp/error.hpp"
#include "zmtp/socket.hpp"
#include "zmtp/wire/metadata.hpp"
#include "zpl.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace zmtp {
namespace {

constexpr std::string_view zap_endpoint = "inproc://zeromq.zap.01";
constexpr std::string_view zap_version = "1.0";
/// RFC 27: "All string fields are at most 255 characters".
constexpr std::size_t max_zap_string = 255;
/// A certificate is a few hundred bytes; larger files in the directory are not read.
constexpr std::uintmax_t max_certificate_file = 64 * 1024;

/// An IP address in its canonical text; anything else (an ipc peer's localhost:UID:GID:PID)
/// as given.
std::string canonical_address(std::string_view address)
{
    std::error_code ec;
    const asio::ip::address ip = asio::ip::make_address(std::string(address), ec);
    return ec ? std::string(address) : ip.to_string();
}

/// Compares two secrets without stopping at the first difference (the time taken tells
/// the lengths only).
bool equal_secrets(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    return diff == 0;
}

/// The whole of `file`, or its I/O error.
std::string read_file(const std::filesystem::path& file, std::error_code& ec)
{
    if (std::filesystem::is_directory(file, ec) || ec) {
        if (!ec)
            ec = std::make_error_code(std::errc::is_a_directory);
        return {};
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        ec = std::error_code(errno ? errno : EIO, std::generic_category());
        return {};
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        ec = std::make_error_code(std::errc::io_error);
        return {};
    }
    ec.clear();
    return text;
}

/// Parses a password file (see load_plain_passwords()); `why` names a line it refuses.
std::error_code parse_passwords(std::string_view text, std::map<std::string, std::string>& out, std::string& why)
{
    std::map<std::string, std::string> table;
    std::size_t line_number = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty() || line.front() == '#')
            continue;
        const std::size_t equals = line.find('=');
        if (equals == std::string_view::npos || equals == 0) {
            why = "line " + std::to_string(line_number) + (equals == 0 ? ": an empty user name" : ": no '=' after the user name");
            return errc::invalid_argument;
        }
        table.insert_or_assign(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
    }
    out = std::move(table);
    return {};
}

/// Reads and parses a password file; `why` says what is wrong with it.
std::error_code load_passwords(const std::filesystem::path& file, std::map<std::string, std::string>& out,
                               std::string& why)
{
    std::error_code ec;
    const std::string text = read_file(file, ec);
    if (ec)
        return ec;
    if ((ec = parse_passwords(text, out, why)))
        why = ": " + why;
    return ec;
}

/// The public key of a certificate file's text, if it has one.
std::optional<curve_public_key> certificate_key(std::string_view text)
{
    std::vector<detail::zpl_property> properties;
    std::string why;
    if (detail::parse_zpl(text, properties, why))
        return std::nullopt;
    for (const detail::zpl_property& p : properties) {
        if (p.path != "curve/public-key" || p.value.size() != 40)
            continue;
        std::error_code ec;
        const curve_public_key key = parse_curve_public_key(p.value, ec);
        if (!ec)
            return key;
    }
    return std::nullopt;
}

/// The reply to a request: [envelope..., "", "1.0", id, status, text, user id, metadata].
/// A decision RFC 27 cannot carry (a User-Id over 255 bytes, a metadata name ZMTP does
/// not allow) becomes a 500.
message reply_to(const message& request, std::size_t delimiter, zap_decision d)
{
    wire::metadata properties;
    if (d.admitted()) {
        const bool valid_metadata = std::all_of(d.metadata.begin(), d.metadata.end(), [](const auto& property) {
            return wire::is_valid_property_name(property.first) && property.second.size() <= 0x7FFF'FFFF;
        });
        if (d.user_id.size() > max_zap_string)
            d = zap_decision::error("the decision's User-Id is over 255 bytes");
        else if (!valid_metadata)
            d = zap_decision::error("the decision's metadata has an invalid property");
        else
            for (const auto& [name, value] : d.metadata)
                properties.set(name, value);
    }
    message reply;
    for (std::size_t i = 0; i <= delimiter; ++i) // the envelope and the empty delimiter
        reply.push_back(request[i]);
    reply.push_back(zap_version);
    reply.push_back(request[delimiter + 2]); // the request id, echoed
    reply.push_back(std::string_view(std::to_string(static_cast<int>(d.status))));
    reply.push_back(std::string_view(d.status_text).substr(0, max_zap_string));
    if (d.admitted()) {
        reply.push_back(std::string_view(d.user_id));
        std::vector<std::byte> encoded;
        properties.encode(encoded);
        reply.push_back(std::span<const std::byte>(encoded));
    } else {
        reply.push_back(frame()); // RFC 27: no user id or metadata unless 200
        reply.push_back(frame());
    }
    return reply;
}

} // namespace

std::optional<curve_public_key> zap_request::curve_key() const
{
    if (mechanism != "CURVE" || credentials.size() != 1 || credentials[0].size() != curve_key_size)
        return std::nullopt;
    curve_public_key key;
    std::memcpy(key.data(), credentials[0].data(), curve_key_size);
    return key;
}

zap_decision zap_decision::admit(std::string user_id, std::map<std::string, std::string> metadata)
{
    return {zap_status::ok, "OK", std::move(user_id), std::move(metadata)};
}

zap_decision zap_decision::deny(std::string reason)
{
    return {zap_status::denied, std::move(reason), {}, {}};
}

zap_decision zap_decision::error(std::string reason)
{
    return {zap_status::internal_error, std::move(reason), {}, {}};
}

namespace detail {

/// What an authenticator shares with its serving loop, which may outlive it by a handler.
struct authenticator_state {
    // --- policies, under `mutex`
    mutable std::mutex mutex;
    std::set<std::string> allowed;
    std::set<std::string> denied;
    std::map<std::string, std::string> passwords;
    std::set<curve_public_key> curve_keys;           // allow_curve()
    std::set<curve_public_key> curve_directory_keys; // load_curve_certificates()
    bool any_curve = false;
    std::shared_ptr<const authenticator::callback> decide;

    // --- serving, under `serving_mutex` (never held with `mutex`)
    std::mutex serving_mutex;
    std::condition_variable idle;
    std::shared_ptr<socket> router; // the bound ROUTER while running
    std::thread::id deciding;       // the thread answering a request, if any

    zap_decision decide_request(const zap_request& request) const;
    void answer(socket& router, const message& request);
};

/// Answers the requests `on` receives, one at a time, until it is closed or replaced. The
/// handler holds the state and the socket; stop() breaks that cycle by closing the socket.
void serve(const std::shared_ptr<authenticator_state>& state, const std::shared_ptr<socket>& on)
{
    on->async_receive([state, on](std::error_code ec, message request) {
        if (ec)
            return; // stopped (closed), or the context ended
        {
            std::lock_guard<std::mutex> lock(state->serving_mutex);
            if (state->router != on)
                return; // stopped meanwhile
            state->deciding = std::this_thread::get_id();
        }
        state->answer(*on, request);
        {
            std::lock_guard<std::mutex> lock(state->serving_mutex);
            state->deciding = {};
        }
        state->idle.notify_all();
        serve(state, on);
    });
}

zap_decision authenticator_state::decide_request(const zap_request& r) const
{
    std::shared_ptr<const authenticator::callback> callback;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!allowed.empty()) {
            if (!allowed.contains(r.address))
                return zap_decision::deny("address not allowed: " + r.address);
        } else if (denied.contains(r.address)) {
            return zap_decision::deny("address denied: " + r.address);
        }
        callback = decide;
    }

    if (r.mechanism.empty())
        return zap_decision::error("malformed request: empty mechanism");
    if (r.mechanism == "NULL" && !r.credentials.empty())
        return zap_decision::error("malformed request: NULL takes no credentials");
    if (r.mechanism == "PLAIN" && r.credentials.size() != 2)
        return zap_decision::error("malformed request: PLAIN takes a user name and a password");
    const std::optional<curve_public_key> key = r.curve_key();
    if (r.mechanism == "CURVE" && !key)
        return zap_decision::error("malformed request: CURVE takes one 32-byte key");

    if (callback)
        if (std::optional<zap_decision> d = (*callback)(r))
            return std::move(*d);

    if (r.mechanism == "NULL")
        return zap_decision::admit();
    if (r.mechanism == "PLAIN") {
        std::lock_guard<std::mutex> lock(mutex);
        const auto it = passwords.find(r.credentials[0]);
        if (it != passwords.end() && equal_secrets(it->second, r.credentials[1]))
            return zap_decision::admit(r.credentials[0]);
        return zap_decision::deny("invalid user name or password");
    }
    if (key) {
        std::lock_guard<std::mutex> lock(mutex);
        if (any_curve || curve_keys.contains(*key) || curve_directory_keys.contains(*key))
            return zap_decision::admit(to_z85(*key));
        return zap_decision::deny("CURVE key not allowed");
    }
    return zap_decision::deny("mechanism not supported: " + r.mechanism);
}

void authenticator_state::answer(socket& on, const message& request)
{
    // [envelope (routing ids)..., "", "1.0", request id, domain, address, identity, mechanism, credentials...]
    std::size_t delimiter = 0;
    while (delimiter < request.size() && !request[delimiter].empty())
        ++delimiter;
    if (delimiter == 0 || request.size() < delimiter + 3)
        return; // no envelope, no delimiter or no request id: not a request
    const std::size_t body = delimiter + 1;
    zap_decision d;
    if (request[body] != zap_version) {
        d = zap_decision::error("unsupported ZAP version: " + request[body].to_string().substr(0, 16));
    } else if (request.size() < body + 6) {
        d = zap_decision::error("malformed request: missing frames");
    } else {
        zap_request r;
        r.domain = request[body + 2].to_string();
        r.address = request[body + 3].to_string();
        r.identity = request[body + 4].to_string();
        r.mechanism = request[body + 5].to_string();
        for (std::size_t i = body + 6; i < request.size(); ++i)
            r.credentials.push_back(request[i].to_string());
        try {
            d = decide_request(r);
        } catch (const std::exception& e) {
            d = zap_decision::error(std::string("the authenticator failed: ") + e.what());
        } catch (...) {
            d = zap_decision::error("the authenticator failed");
        }
    }
    message reply = reply_to(request, delimiter, std::move(d));
    (void)on.try_send(reply); // a ROUTER never waits: a peer that left loses its reply
}

} // namespace detail

authenticator::authenticator(const executor_type& ex)
    : state_(std::make_shared<detail::authenticator_state>()), executor_(ex)
{
}

authenticator::authenticator(context& ctx) : authenticator(ctx.get_executor())
{
}

authenticator::~authenticator()
{
    stop();
}

void authenticator::start(std::error_code& ec)
{
    std::lock_guard<std::mutex> lock(state_->serving_mutex);
    ec.clear();
    if (state_->router)
        return;
    socket_options o;
    o.linger = std::chrono::milliseconds(0); // replies to servers are worthless once we stop
    std::shared_ptr<socket> router;
    try {
        router = std::make_shared<socket>(executor_, socket_type::router, std::move(o));
    } catch (const std::system_error& e) {
        ec = e.code();
        return;
    }
    router->bind(zap_endpoint, ec);
    if (ec)
        return;
    state_->router = router;
    serve(state_, router);
}

void authenticator::start()
{
    std::error_code ec;
    start(ec);
    if (ec)
        throw std::system_error(ec, "zmtp::authenticator::start");
}

void authenticator::stop() noexcept
{
    std::unique_lock<std::mutex> lock(state_->serving_mutex);
    if (const std::shared_ptr<socket> router = std::exchange(state_->router, nullptr))
        router->close();
    state_->idle.wait(lock, [&] {
        return state_->deciding == std::thread::id() || state_->deciding == std::this_thread::get_id();
    });
}

bool authenticator::running() const
{
    std::lock_guard<std::mutex> lock(state_->serving_mutex);
    return state_->router != nullptr;
}

void authenticator::allow(std::string_view address)
{
    std::string canonical = canonical_address(address);
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->allowed.insert(std::move(canonical));
}

void authenticator::deny(std::string_view address)
{
    std::string canonical = canonical_address(address);
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->denied.insert(std::move(canonical));
}

void authenticator::allow_plain(std::string user, std::string password)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->passwords.insert_or_assign(std::move(user), std::move(password));
}

void authenticator::set_plain_passwords(std::map<std::string, std::string> passwords)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->passwords.swap(passwords);
}

std::size_t authenticator::load_plain_passwords(const std::filesystem::path& file, std::error_code& ec)
{
    std::map<std::string, std::string> table;
    std::string why;
    if ((ec = load_passwords(file, table, why)))
        return 0;
    const std::size_t users = table.size();
    set_plain_passwords(std::move(table));
    return users;
}

std::size_t authenticator::load_plain_passwords(const std::filesystem::path& file)
{
    std::map<std::string, std::string> table;
    std::string why;
    if (const std::error_code ec = load_passwords(file, table, why))
        throw std::system_error(ec, "zmtp::authenticator::load_plain_passwords: " + file.string() + why);
    const std::size_t users = table.size();
    set_plain_passwords(std::move(table));
    return users;
}

void authenticator::allow_curve(const curve_public_key& key)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->curve_keys.insert(key);
}

std::size_t authenticator::load_curve_certificates(const std::filesystem::path& directory, std::error_code& ec)
{
    std::set<curve_public_key> keys;
    std::filesystem::directory_iterator it(directory, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        std::error_code file_ec; // a file that cannot be read is skipped, as one that is no certificate
        if (!it->is_regular_file(file_ec) || it->file_size(file_ec) > max_certificate_file || file_ec)
            continue;
        const std::string text = read_file(it->path(), file_ec);
        if (file_ec)
            continue;
        if (const std::optional<curve_public_key> key = certificate_key(text))
            keys.insert(*key);
    }
    if (ec)
        return 0;
    const std::size_t found = keys.size();
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->curve_directory_keys.swap(keys);
    return found;
}

std::size_t authenticator::load_curve_certificates(const std::filesystem::path& directory)
{
    std::error_code ec;
    const std::size_t found = load_curve_certificates(directory, ec);
    if (ec)
        throw std::system_error(ec, "zmtp::authenticator::load_curve_certificates: " + directory.string());
    return found;
}

void authenticator::allow_any_curve(bool on)
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->any_curve = on;
}

void authenticator::set_callback(callback decider)
{
    std::shared_ptr<const callback> shared = decider ? std::make_shared<const callback>(std::move(decider)) : nullptr;
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->decide = std::move(shared);
}

zap_decision authenticator::decide(const zap_request& request) const
{
    return state_->decide_request(request);
}

} // namespace zmtp
