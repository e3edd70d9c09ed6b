// CURVE client: HELLO, then INITIATE on WELCOME, then done on READY (RFC 26).
#include "zmtp/wire/curve_mechanism.hpp"

#include "curve_box.hpp"
#include "curve_codec.hpp"
#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace zmtp::wire {

using namespace curve;

struct curve_client::state {
    enum class step { hello, welcome, ready, done, failed };

    state(const public_key& ours_public, const public_key& server, metadata properties, random_source r)
        : client_public(ours_public), server_public(server), ours(std::move(properties)), random(std::move(r))
    {
    }

    std::error_code on_welcome(const command& cmd, output_queue& out);
    std::error_code on_ready(const command& cmd);
    /// Sticky: nothing more is accepted, and no key is kept.
    void fail() noexcept
    {
        at = step::failed;
        client_secret.clear();
        transient_secret.clear();
        shared.clear();
        box.reset();
    }

    public_key client_public;    // C
    public_key server_public;    // S
    secret_key client_secret;    // c, until the vouch is made
    metadata ours;
    metadata peer;
    random_source random;
    public_key transient_public; // C'
    secret_key transient_secret; // c', until the shared key is made
    secret_key shared;           // of S' and c', until the box has it
    step at = step::hello;
    std::optional<message_box> box;
};

curve_client::curve_client(std::array<std::byte, 32> client_public, std::array<std::byte, 32> client_secret,
                           std::array<std::byte, 32> server_public, metadata ours, random_source random)
{
    try {
        initialize();
        state_ = std::make_unique<state>(client_public, server_public, std::move(ours), std::move(random));
    } catch (...) {
        wipe(client_secret); // our by-value copy
        throw;
    }
    state_->client_secret.assign(client_secret);
    wipe(client_secret);
}

curve_client::~curve_client() = default;

std::error_code curve_client::start(output_queue& out, time_point)
{
    state& s = *state_;
    if (s.at != state::step::hello)
        return errc::unexpected_command;
    make_key_pair(s.random, s.transient_public, s.transient_secret);
    constexpr std::uint64_t counter = 1;
    std::vector<std::byte> body = new_command("HELLO", hello::size);
    body[hello::version] = std::byte{1}; // CurveZMQ 1.0; the padding stays zero
    std::copy(s.transient_public.begin(), s.transient_public.end(), body.begin() + hello::client_key);
    detail::store_big_endian(body.data() + hello::counter, counter, counter_size);
    const std::array<std::byte, hello::signature_size> signature{};
    if (!seal_box(std::span(body).subspan(hello::box), signature, short_nonce(hello::prefix, counter),
                  s.server_public, s.transient_secret)) {
        s.fail(); // a server key no box can be made for
        return errc::decryption_failed;
    }
    queue_command(out, body);
    s.at = state::step::welcome;
    return {};
}

std::error_code curve_client::on_command(const command& cmd, output_queue& out, time_point)
{
    state& s = *state_;
    std::error_code ec = errc::unexpected_command;
    if (s.at == state::step::welcome)
        ec = s.on_welcome(cmd, out);
    else if (s.at == state::step::ready)
        ec = s.on_ready(cmd);
    if (ec)
        s.fail();
    return ec;
}

std::error_code curve_client::state::on_welcome(const command& cmd, output_queue& out)
{
    if (cmd.name != "WELCOME")
        return errc::unexpected_command;
    if (body_size(cmd) != welcome::size)
        return errc::malformed_command;
    // S' and the cookie, from S to C'.
    std::array<std::byte, key_size + cookie::size> welcomed;
    const nonce welcome_nonce = long_nonce(welcome::prefix, field(cmd, welcome::nonce, long_nonce_size).first<long_nonce_size>());
    if (!open_box(welcomed, field(cmd, welcome::box, welcome::size - welcome::box), welcome_nonce, server_public,
                  transient_secret))
        return errc::decryption_failed;
    const std::span<const std::byte, key_size> server_transient = std::span(welcomed).first<key_size>();
    const std::span<const std::byte> cookie = std::span(welcomed).subspan(key_size);
    if (!precompute(shared, server_transient, transient_secret))
        return errc::decryption_failed;

    // Box[C + vouch + metadata](C'->S'), where vouch = Box[C' + S](C->S').
    std::vector<std::byte> plain(key_size + vouch::size);
    std::copy(client_public.begin(), client_public.end(), plain.begin());
    const std::span<std::byte> vouch_bytes = std::span(plain).subspan(key_size, vouch::size);
    random(vouch_bytes.first<long_nonce_size>());
    std::array<std::byte, 2 * key_size> vouched;
    std::copy(transient_public.begin(), transient_public.end(), vouched.begin());
    std::copy(server_public.begin(), server_public.end(), vouched.begin() + key_size);
    if (!seal_box(vouch_bytes.subspan(long_nonce_size), vouched,
                  long_nonce(vouch::prefix, vouch_bytes.first<long_nonce_size>()), server_transient, client_secret))
        return errc::decryption_failed;
    ours.encode(plain);

    constexpr std::uint64_t counter = 2;
    std::vector<std::byte> body = new_command("INITIATE", initiate::box + box_overhead + plain.size());
    std::copy(cookie.begin(), cookie.end(), body.begin() + initiate::cookie);
    detail::store_big_endian(body.data() + initiate::counter, counter, counter_size);
    seal_shared(std::span(body).subspan(initiate::box), plain, short_nonce(initiate::prefix, counter), shared);
    queue_command(out, body);
    // The long-term secret and c' have done their work; the shared key is all we need now.
    client_secret.clear();
    transient_secret.clear();
    at = step::ready;
    return {};
}

std::error_code curve_client::state::on_ready(const command& cmd)
{
    if (cmd.name != "READY")
        return errc::unexpected_command;
    const std::size_t size = body_size(cmd);
    if (size < ready::min_size)
        return errc::malformed_command;
    // The server's first counter: any value is its start, but the box must open with it.
    const std::uint64_t counter = counter_at(cmd, ready::counter);
    std::vector<std::byte> properties(size - ready::box - box_overhead);
    if (!open_shared(properties, field(cmd, ready::box, size - ready::box), short_nonce(ready::prefix, counter),
                     shared))
        return errc::decryption_failed;
    metadata parsed;
    if (std::error_code ec = parse_metadata(properties, parsed))
        return ec;
    peer = std::move(parsed);
    box.emplace(message_box::side::client, shared, 2, counter);
    shared.clear();
    at = step::done;
    return {};
}

std::error_code curve_client::on_authentication(const authentication_result&, output_queue&)
{
    state_->fail();
    return errc::unexpected_command;
}

bool curve_client::done() const noexcept
{
    return state_->at == state::step::done;
}

const metadata& curve_client::peer_metadata() const noexcept
{
    return state_->peer;
}

frame_box* curve_client::box() noexcept
{
    return state_->box ? &*state_->box : nullptr;
}

} // namespace zmtp::wire
