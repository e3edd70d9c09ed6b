// CURVE server: WELCOME on HELLO, authentication on INITIATE, then READY (RFC 26).
#include "zmtp/wire/curve_mechanism.hpp"

#include "curve_box.hpp"
#include "curve_codec.hpp"
#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace zmtp::wire {

using namespace curve;

struct curve_server::state {
    enum class step { hello, initiate, authenticating, done, failed };

    state(const public_key& ours_public, metadata properties, random_source r, std::chrono::seconds lifetime)
        : server_public(ours_public), ours(std::move(properties)), random(std::move(r)), cookie_lifetime(lifetime)
    {
    }

    std::error_code on_hello(const command& cmd, output_queue& out, time_point now);
    std::error_code on_initiate(const command& cmd, time_point now);
    /// Sticky: nothing more is accepted, and no key is kept.
    void fail() noexcept
    {
        at = step::failed;
        server_secret.clear();
        cookie_key.clear();
        shared.clear();
        box.reset();
    }

    public_key server_public;    // S
    secret_key server_secret;    // s, until WELCOME is made
    metadata ours;
    metadata peer;
    random_source random;
    std::chrono::seconds cookie_lifetime;
    secret_key cookie_key;       // K, until a valid INITIATE (RFC 26)
    public_key client_transient; // C', from HELLO
    time_point cookie_made;
    peer_counter received;
    secret_key shared;           // of C' and s', until the box has it
    authentication_request request{.mechanism = std::string(mechanism_name), .credentials = {}};
    step at = step::hello;
    std::optional<message_box> box;
};

curve_server::curve_server(std::array<std::byte, 32> server_public, std::array<std::byte, 32> server_secret,
                           metadata ours, random_source random, std::chrono::seconds cookie_lifetime)
{
    try {
        initialize();
        state_ = std::make_unique<state>(server_public, std::move(ours), std::move(random), cookie_lifetime);
    } catch (...) {
        wipe(server_secret); // our by-value copy
        throw;
    }
    state_->server_secret.assign(server_secret);
    wipe(server_secret);
    // One cookie key per server object, that is per connection: the cookie it makes
    // opens nowhere else.
    state_->random(state_->cookie_key.bytes());
}

curve_server::~curve_server() = default;

std::error_code curve_server::start(output_queue&, time_point)
{
    return {};
}

std::error_code curve_server::on_command(const command& cmd, output_queue& out, time_point now)
{
    state& s = *state_;
    std::error_code ec = errc::unexpected_command;
    if (s.at == state::step::hello)
        ec = s.on_hello(cmd, out, now);
    else if (s.at == state::step::initiate)
        ec = s.on_initiate(cmd, now);
    if (ec)
        s.fail();
    return ec;
}

std::error_code curve_server::state::on_hello(const command& cmd, output_queue& out, time_point now)
{
    if (cmd.name != "HELLO")
        return errc::unexpected_command;
    if (body_size(cmd) != hello::size)
        return errc::malformed_command;
    const std::span<const std::byte> version = field(cmd, hello::version, 2);
    if (version[0] != std::byte{1} || version[1] != std::byte{0})
        return errc::malformed_command;
    // The padding carries nothing and no box covers it: it is not looked at.
    const std::uint64_t counter = counter_at(cmd, hello::counter); // the client's first: any
    std::copy_n(field(cmd, hello::client_key, key_size).begin(), key_size, client_transient.begin());
    // One key of C' and s for both boxes: an unauthenticated HELLO costs one X25519.
    secret_key hello_key;
    std::array<std::byte, hello::signature_size> signature;
    if (!precompute(hello_key, client_transient, server_secret)
        || !open_shared(signature, field(cmd, hello::box, hello::size - hello::box),
                        short_nonce(hello::prefix, counter), hello_key))
        return errc::decryption_failed;
    if (!equal(signature, std::array<std::byte, hello::signature_size>{}))
        return errc::decryption_failed; // a box, but not the signature
    received.accept(counter);

    // S' goes to the client; s' only into the cookie, which only K opens.
    public_key transient_public;
    secret_key transient_secret;
    make_key_pair(random, transient_public, transient_secret);
    secret<2 * key_size> cookie_plain;
    std::copy(client_transient.begin(), client_transient.end(), cookie_plain.bytes().begin());
    std::copy(transient_secret.bytes().begin(), transient_secret.bytes().end(), cookie_plain.bytes().begin() + key_size);
    std::array<std::byte, key_size + cookie::size> welcome_plain;
    std::copy(transient_public.begin(), transient_public.end(), welcome_plain.begin());
    const std::span<std::byte> cookie_bytes = std::span(welcome_plain).subspan(key_size);
    random(cookie_bytes.first<long_nonce_size>());
    seal_shared(cookie_bytes.subspan(long_nonce_size), cookie_plain.bytes(),
                long_nonce(cookie::prefix, cookie_bytes.first<long_nonce_size>()), cookie_key);

    std::vector<std::byte> body = new_command("WELCOME", welcome::size);
    const std::span<std::byte, long_nonce_size> welcome_nonce = std::span(body).subspan(welcome::nonce).first<long_nonce_size>();
    random(welcome_nonce);
    seal_shared(std::span(body).subspan(welcome::box), welcome_plain, long_nonce(welcome::prefix, welcome_nonce),
                hello_key);
    queue_command(out, body);
    server_secret.clear(); // HELLO and WELCOME were all it was for
    cookie_made = now;
    at = step::initiate;
    return {};
}

std::error_code curve_server::state::on_initiate(const command& cmd, time_point now)
{
    if (cmd.name != "INITIATE")
        return errc::unexpected_command;
    const std::size_t size = body_size(cmd);
    if (size < initiate::min_size)
        return errc::malformed_command;
    const std::uint64_t counter = counter_at(cmd, initiate::counter);
    if (!received.allows(counter))
        return errc::nonce_not_increasing;

    // The cookie: ours, fresh, and for this C'. It gives back s'.
    if (now - cookie_made > cookie_lifetime)
        return errc::invalid_cookie;
    const std::span<const std::byte> cookie_bytes = field(cmd, initiate::cookie, cookie::size);
    secret<2 * key_size> cookie_plain;
    if (!open_shared(cookie_plain.bytes(), cookie_bytes.subspan(long_nonce_size),
                     long_nonce(cookie::prefix, cookie_bytes.first<long_nonce_size>()), cookie_key)
        || !equal(cookie_plain.bytes().first<key_size>(), client_transient))
        return errc::invalid_cookie;
    secret_key transient_secret;
    transient_secret.assign(cookie_plain.bytes().last<key_size>());
    if (!precompute(shared, client_transient, transient_secret))
        return errc::decryption_failed;

    // C, the vouch and the metadata, from C' to S'.
    const std::span<const std::byte> boxed = field(cmd, initiate::box, size - initiate::box);
    std::vector<std::byte> plain(boxed.size() - box_overhead);
    if (!open_shared(plain, boxed, short_nonce(initiate::prefix, counter), shared))
        return errc::decryption_failed;
    const std::span<const std::byte, key_size> client_public = std::span(plain).first<key_size>();
    const std::span<const std::byte> vouch_bytes = std::span(plain).subspan(key_size, vouch::size);

    // The vouch: the client's long-term key speaks for exactly this C' and this server.
    std::array<std::byte, 2 * key_size> vouched;
    if (!open_box(vouched, vouch_bytes.subspan(long_nonce_size),
                  long_nonce(vouch::prefix, vouch_bytes.first<long_nonce_size>()), client_public, transient_secret))
        return errc::invalid_vouch;
    if (!equal(std::span(vouched).first<key_size>(), client_transient)
        || !equal(std::span(vouched).last<key_size>(), server_public))
        return errc::invalid_vouch;

    // Only the decrypted bytes are metadata (CVE-2019-13132 was a length trusted beyond them).
    metadata parsed;
    if (std::error_code ec = parse_metadata(std::span(plain).subspan(key_size + vouch::size), parsed))
        return ec;
    received.accept(counter);
    peer = std::move(parsed);
    request.credentials = {std::string(reinterpret_cast<const char*>(client_public.data()), key_size)};
    cookie_key.clear(); // its work is done (RFC 26)
    at = step::authenticating;
    return {};
}

const authentication_request* curve_server::authentication_wanted() const noexcept
{
    return state_->at == state::step::authenticating ? &state_->request : nullptr;
}

std::error_code curve_server::on_authentication(const authentication_result& result, output_queue& out)
{
    state& s = *state_;
    if (s.at != state::step::authenticating) {
        s.fail();
        return errc::unexpected_command;
    }
    if (result.status_code != "200") {
        s.fail();
        return authentication_refused(result, out);
    }
    std::vector<std::byte> properties;
    s.ours.encode(properties);
    constexpr std::uint64_t counter = 1;
    std::vector<std::byte> body = new_command("READY", ready::box + box_overhead + properties.size());
    detail::store_big_endian(body.data() + ready::counter, counter, counter_size);
    seal_shared(std::span(body).subspan(ready::box), properties, short_nonce(ready::prefix, counter), s.shared);
    queue_command(out, body);
    s.box.emplace(message_box::side::server, s.shared, counter, s.received.last());
    s.shared.clear();
    s.at = state::step::done;
    return {};
}

bool curve_server::done() const noexcept
{
    return state_->at == state::step::done;
}

const metadata& curve_server::peer_metadata() const noexcept
{
    return state_->peer;
}

frame_box* curve_server::box() noexcept
{
    return state_->box ? &*state_->box : nullptr;
}

} // namespace zmtp::wire
