// Unit tests for the CURVE mechanism (RFC 25, CurveZMQ RFC 26): curve_client and
// curve_server against each other in memory; each against the test's own CurveZMQ peer,
// written here from the RFC with libsodium, which proves every command's layout, nonce
// prefix and counter byte by byte; the sealed MESSAGEs; and hostile input: tampered boxes,
// replayed counters, foreign and stale cookies, bad vouches, wrong sizes, commands out of
// turn.
#include "zmtp/wire/curve_mechanism.hpp"

#include <doctest/doctest.h>

#include "support/curve_fixture.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/command.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace zmtp_test;
using namespace zmtp_test::curve;
using zmtp::errc;
using zmtp::frame;
namespace wire = zmtp::wire;
namespace flag = zmtp::wire::frame_flag;
using time_point = wire::mechanism::time_point;
using namespace std::chrono_literals;

namespace {

// --- bytes ----------------------------------------------------------------------------

std::vector<std::byte> vec(std::span<const std::byte> s)
{
    return {s.begin(), s.end()};
}

std::vector<std::byte> u64_be(std::uint64_t v)
{
    std::vector<std::byte> out(8);
    for (std::size_t i = 0; i < 8; ++i)
        out[i] = static_cast<std::byte>(v >> (56 - 8 * i));
    return out;
}

std::uint64_t counter_at(std::span<const std::byte> body, std::size_t offset)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = v << 8 | static_cast<std::uint8_t>(body[offset + i]);
    return v;
}

key key_at(std::span<const std::byte> bytes, std::size_t offset)
{
    key k;
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), k.size(), k.begin());
    return k;
}

std::vector<std::byte> flipped(std::span<const std::byte> bytes, std::size_t at, std::byte mask = std::byte{0x01})
{
    std::vector<std::byte> out = vec(bytes);
    out[at] ^= mask;
    return out;
}

/// zmq_curve(7) gives its keys in Z85 (RFC 32); a tiny decoder, only for them.
std::vector<std::byte> decode_z85_key(std::string_view text)
{
    static constexpr std::string_view alphabet
        = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    std::vector<std::byte> out;
    for (std::size_t i = 0; i + 5 <= text.size(); i += 5) {
        std::uint64_t v = 0;
        for (char c : text.substr(i, 5))
            v = v * 85 + alphabet.find(c);
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<std::byte>(v >> shift));
    }
    return out;
}

// --- libsodium by hand: the test's own CurveZMQ ----------------------------------------

using nonce = std::array<std::byte, 24>;

nonce make_nonce(std::string_view prefix, std::span<const std::byte> tail)
{
    REQUIRE(prefix.size() + tail.size() == 24);
    nonce n;
    std::copy(as_bytes(prefix).begin(), as_bytes(prefix).end(), n.begin());
    std::copy(tail.begin(), tail.end(), n.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
    return n;
}

nonce short_nonce(std::string_view prefix, std::uint64_t counter)
{
    return make_nonce(prefix, u64_be(counter));
}

const unsigned char* uc(const std::byte* p)
{
    return reinterpret_cast<const unsigned char*>(p);
}

key public_of(const key& secret)
{
    key pub;
    REQUIRE(crypto_scalarmult_base(reinterpret_cast<unsigned char*>(pub.data()), uc(secret.data())) == 0);
    return pub;
}

/// Box[plain](from -> to), as crypto_box_easy writes it: 16-byte tag, then ciphertext.
std::vector<std::byte> box(std::span<const std::byte> plain, const nonce& n, const key& to, const key& from_secret)
{
    std::vector<std::byte> out(plain.size() + crypto_box_MACBYTES);
    REQUIRE(crypto_box_easy(reinterpret_cast<unsigned char*>(out.data()), uc(plain.data()), plain.size(),
                            uc(n.data()), uc(to.data()), uc(from_secret.data()))
            == 0);
    return out;
}

/// Opens Box[...](from -> to); nothing when it does not open.
std::optional<std::vector<std::byte>> unbox(std::span<const std::byte> boxed, const nonce& n, const key& from,
                                            const key& to_secret)
{
    if (boxed.size() < crypto_box_MACBYTES)
        return std::nullopt;
    std::vector<std::byte> out(boxed.size() - crypto_box_MACBYTES);
    if (crypto_box_open_easy(reinterpret_cast<unsigned char*>(out.data()), uc(boxed.data()), boxed.size(),
                             uc(n.data()), uc(from.data()), uc(to_secret.data()))
        != 0)
        return std::nullopt;
    return out;
}

/// A key pair whose secret is 32 bytes of `seed`'s random.
std::pair<key, key> key_pair(std::uint64_t seed)
{
    key secret;
    seeded_random(seed)(secret);
    return {public_of(secret), secret};
}

/// MESSAGE: 07 "MESSAGE", counter, Box[flags + body](from -> to) under `prefix` + counter.
std::vector<std::byte> make_message(std::string_view prefix, std::uint64_t counter, std::uint8_t flags,
                                    std::span<const std::byte> body, const key& to, const key& from_secret)
{
    return concat({bytes("07 'MESSAGE'"), u64_be(counter),
                   box(concat({std::vector<std::byte>{std::byte{flags}}, vec(body)}), short_nonce(prefix, counter),
                       to, from_secret)});
}

/// Opens a MESSAGE body: flags byte + data, or nothing.
std::optional<std::vector<std::byte>> open_message(std::string_view prefix, std::span<const std::byte> body,
                                                   const key& from, const key& to_secret)
{
    REQUIRE(body.size() >= 33);
    CHECK(vec(body.first(8)) == bytes("07 'MESSAGE'"));
    return unbox(body.subspan(16), short_nonce(prefix, counter_at(body, 8)), from, to_secret);
}

/// The test's own CurveZMQ client (RFC 26 with libsodium): every field under its control.
struct raw_client {
    key long_public = client_public;
    key long_secret = client_secret;
    key server = server_public;
    key transient_public; // C'
    key transient_secret; // c'
    key server_transient{}; // S', from WELCOME
    std::vector<std::byte> cookie;

    explicit raw_client(std::uint64_t seed = 11)
    {
        std::tie(transient_public, transient_secret) = key_pair(seed);
    }

    std::vector<std::byte> hello(std::uint64_t counter = 1) const
    {
        return concat({bytes("05 'HELLO' 01 00"), repeat(72), transient_public, u64_be(counter),
                       box(repeat(64), short_nonce("CurveZMQHELLO---", counter), server, transient_secret)});
    }

    /// Opens a WELCOME, checking its layout: learns S' and the cookie.
    void welcome(std::span<const std::byte> body)
    {
        REQUIRE(body.size() == 168);
        CHECK(vec(body.first(8)) == bytes("07 'WELCOME'"));
        const auto opened = unbox(body.subspan(24), make_nonce("WELCOME-", body.subspan(8, 16)), server, transient_secret);
        REQUIRE(opened);
        REQUIRE(opened->size() == 32 + 96);
        server_transient = key_at(*opened, 0);
        cookie.assign(opened->begin() + 32, opened->end());
    }

    /// What a vouch says and who signs it.
    struct vouch_terms {
        key transient;
        key server;
        key signer_secret;
    };
    vouch_terms honest_vouch() const { return {transient_public, server, long_secret}; }

    std::vector<std::byte> vouch(const vouch_terms& v) const
    {
        const auto r3 = repeat(16, std::byte{0x33});
        return concat({r3, box(concat({v.transient, v.server}), make_nonce("VOUCH---", r3), server_transient,
                               v.signer_secret)});
    }

    /// INITIATE carrying `plain` (C + vouch + metadata) in its box.
    std::vector<std::byte> initiate_with(std::span<const std::byte> plain, std::uint64_t counter = 2) const
    {
        return concat({bytes("08 'INITIATE'"), cookie, u64_be(counter),
                       box(plain, short_nonce("CurveZMQINITIATE", counter), server_transient, transient_secret)});
    }
    std::vector<std::byte> initiate(std::span<const std::byte> metadata, std::uint64_t counter = 2) const
    {
        return initiate_with(concat({long_public, vouch(honest_vouch()), metadata}), counter);
    }

    /// Opens a READY: its metadata in wire form.
    std::optional<std::vector<std::byte>> ready(std::span<const std::byte> body) const
    {
        REQUIRE(body.size() >= 30);
        CHECK(vec(body.first(6)) == bytes("05 'READY'"));
        return unbox(body.subspan(14), short_nonce("CurveZMQREADY---", counter_at(body, 6)), server_transient,
                     transient_secret);
    }

    std::vector<std::byte> message(std::uint64_t counter, std::uint8_t flags, std::span<const std::byte> body) const
    {
        return make_message("CurveZMQMESSAGEC", counter, flags, body, server_transient, transient_secret);
    }
    std::optional<std::vector<std::byte>> open(std::span<const std::byte> body) const
    {
        return open_message("CurveZMQMESSAGES", body, server_transient, transient_secret);
    }
};

/// The test's own CurveZMQ server (RFC 26 with libsodium); its cookie is opaque bytes.
struct raw_server {
    key long_public = server_public;
    key long_secret = server_secret;
    key transient_public; // S'
    key transient_secret; // s'
    key client_transient{}; // C', from HELLO
    std::vector<std::byte> cookie = repeat(96, std::byte{0xC0});

    explicit raw_server(std::uint64_t seed = 22)
    {
        std::tie(transient_public, transient_secret) = key_pair(seed);
    }

    /// Checks a HELLO byte by byte and answers it.
    std::vector<std::byte> welcome(std::span<const std::byte> hello)
    {
        REQUIRE(hello.size() == 200);
        CHECK(vec(hello.first(8)) == bytes("05 'HELLO' 01 00"));
        CHECK(vec(hello.subspan(8, 72)) == repeat(72));
        client_transient = key_at(hello, 80);
        const std::uint64_t counter = counter_at(hello, 112);
        CHECK(counter == 1);
        const auto signature = unbox(hello.subspan(120), short_nonce("CurveZMQHELLO---", counter), client_transient,
                                     long_secret);
        REQUIRE(signature);
        CHECK(*signature == repeat(64));
        const auto r = repeat(16, std::byte{0x77});
        return concat({bytes("07 'WELCOME'"), r,
                       box(concat({transient_public, cookie}), make_nonce("WELCOME-", r), client_transient, long_secret)});
    }

    struct initiated {
        key client;
        std::vector<std::byte> metadata;
        std::uint64_t counter;
    };
    /// Checks an INITIATE byte by byte: the cookie echoed, the box, the vouch.
    initiated initiate(std::span<const std::byte> body) const
    {
        REQUIRE(body.size() >= 257);
        CHECK(vec(body.first(9)) == bytes("08 'INITIATE'"));
        CHECK(vec(body.subspan(9, 96)) == cookie);
        const std::uint64_t counter = counter_at(body, 105);
        const auto plain = unbox(body.subspan(113), short_nonce("CurveZMQINITIATE", counter), client_transient,
                                 transient_secret);
        REQUIRE(plain);
        REQUIRE(plain->size() >= 128);
        const key client = key_at(*plain, 0);
        const auto vouch = std::span(*plain).subspan(32, 96);
        const auto vouched = unbox(vouch.subspan(16), make_nonce("VOUCH---", vouch.first(16)), client, transient_secret);
        REQUIRE(vouched);
        CHECK(*vouched == concat({client_transient, long_public}));
        return {client, std::vector<std::byte>(plain->begin() + 128, plain->end()), counter};
    }

    std::vector<std::byte> ready(std::span<const std::byte> metadata, std::uint64_t counter = 1) const
    {
        return concat({bytes("05 'READY'"), u64_be(counter),
                       box(metadata, short_nonce("CurveZMQREADY---", counter), client_transient, transient_secret)});
    }

    std::vector<std::byte> message(std::uint64_t counter, std::uint8_t flags, std::span<const std::byte> body) const
    {
        return make_message("CurveZMQMESSAGES", counter, flags, body, client_transient, transient_secret);
    }
    std::optional<std::vector<std::byte>> open(std::span<const std::byte> body) const
    {
        return open_message("CurveZMQMESSAGEC", body, client_transient, transient_secret);
    }
};

// --- the mechanisms' side ----------------------------------------------------------------

wire::metadata properties(std::initializer_list<std::pair<std::string_view, std::string_view>> list)
{
    wire::metadata m;
    for (const auto& [name, value] : list)
        m.set(name, value);
    return m;
}

std::vector<std::byte> encoded(const wire::metadata& m)
{
    std::vector<std::byte> out;
    m.encode(out);
    return out;
}

wire::metadata client_properties()
{
    return properties({{"Socket-Type", "DEALER"}, {"Identity", "client-7"}, {"X-Color", "blue"}});
}

wire::metadata server_properties()
{
    return properties({{"Socket-Type", "ROUTER"}, {"X-Server", "s1"}});
}

/// The bytes waiting in `q`, left there.
std::vector<std::byte> queued(wire::output_queue& q)
{
    std::vector<std::byte> out;
    for (std::span<const std::byte> piece : q.buffers())
        out.insert(out.end(), piece.begin(), piece.end());
    return out;
}

/// The one command frame waiting in `q` (which is emptied): its body.
std::vector<std::byte> only_command(wire::output_queue& q)
{
    std::error_code ec;
    std::vector<wire::decoded_frame> frames = take_frames(q, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(frames.size() == 1);
    REQUIRE(frames[0].command);
    return vec(frames[0].body.bytes());
}

/// Hands one command body to a mechanism, as the connection does.
std::error_code give(wire::mechanism& m, std::span<const std::byte> body, wire::output_queue& out,
                     time_point now = {})
{
    wire::command cmd;
    if (std::error_code ec = wire::parse_command(body, cmd))
        return ec;
    return m.on_command(cmd, out, now);
}

wire::authentication_result status(std::string code)
{
    return {.status_code = std::move(code), .status_text = {}, .user_id = {}, .properties = {}};
}

std::string key_string(const key& k)
{
    return {reinterpret_cast<const char*>(k.data()), k.size()};
}

struct session_options {
    wire::metadata client_properties = ::client_properties();
    wire::metadata server_properties = ::server_properties();
    key server_key_for_client = server_public;
    std::chrono::seconds cookie_lifetime = 60s;
    std::uint64_t client_seed = 1;
    std::uint64_t server_seed = 2;
};

/// A curve_client and a curve_server, and the commands between them; each step first runs
/// the ones before it that have not run yet.
struct session {
    explicit session(const session_options& o = {})
        : client(client_public, client_secret, o.server_key_for_client, o.client_properties,
                 seeded_random(o.client_seed)),
          server(server_public, server_secret, o.server_properties, seeded_random(o.server_seed), o.cookie_lifetime)
    {
    }

    wire::curve_client client;
    wire::curve_server server;
    wire::output_queue to_server; // what the client sends
    wire::output_queue to_client; // what the server sends
    time_point now{};
    std::vector<std::byte> hello, welcome, initiate, ready;

    void send_hello()
    {
        REQUIRE_FALSE(server.start(to_client, now));
        REQUIRE_FALSE(client.start(to_server, now));
        CHECK(to_client.empty());
        hello = only_command(to_server);
    }
    void send_welcome()
    {
        if (hello.empty())
            send_hello();
        REQUIRE_FALSE(give(server, hello, to_client, now));
        welcome = only_command(to_client);
    }
    void send_initiate()
    {
        if (welcome.empty())
            send_welcome();
        REQUIRE_FALSE(give(client, welcome, to_server, now));
        initiate = only_command(to_server);
    }
    void authenticate()
    {
        if (initiate.empty())
            send_initiate();
        REQUIRE_FALSE(give(server, initiate, to_client, now));
        REQUIRE(server.authentication_wanted() != nullptr);
        CHECK(to_client.empty());
    }
    void send_ready()
    {
        if (server.authentication_wanted() == nullptr)
            authenticate();
        REQUIRE_FALSE(server.on_authentication(status("200"), to_client));
        ready = only_command(to_client);
        REQUIRE(server.done());
    }
    void complete()
    {
        if (ready.empty())
            send_ready();
        REQUIRE_FALSE(give(client, ready, to_server, now));
        REQUIRE(client.done());
        CHECK(to_server.empty());
    }
};

/// One frame sealed by `box`: the data frame's body as a decoder delivers it.
frame seal_one(wire::frame_box& box, std::span<const std::byte> body, std::uint8_t flags)
{
    wire::output_queue q;
    box.seal(body, flags, q);
    std::error_code ec;
    std::vector<wire::decoded_frame> frames = take_frames(q, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(frames.size() == 1);
    CHECK_FALSE(frames[0].command); // a data frame, as libzmq sends it
    CHECK_FALSE(frames[0].more);
    return std::move(frames[0].body);
}

struct opened {
    std::error_code ec;
    std::uint8_t flags = 0xFF;
    frame body;
};

opened open(wire::frame_box& box, frame wire_body)
{
    opened r;
    r.ec = box.open(std::move(wire_body), r.flags, r.body);
    return r;
}

/// Opens in place, as a connection does a short frame still in its input.
opened open(wire::frame_box& box, std::span<const std::byte> wire_body)
{
    opened r;
    r.ec = box.open(wire_body, r.flags, r.body);
    return r;
}

} // namespace

// --- keys and layouts -------------------------------------------------------------------

TEST_CASE("curve: the zmq_curve(7) test keys: Z85 as the facts give them, each public the secret's")
{
    CHECK(vec(decode_z85_key("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")) == vec(client_public));
    CHECK(vec(decode_z85_key("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")) == vec(client_secret));
    CHECK(vec(decode_z85_key("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")) == vec(server_public));
    CHECK(vec(decode_z85_key("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")) == vec(server_secret));
    CHECK(public_of(client_secret) == client_public);
    CHECK(public_of(server_secret) == server_public);
}

TEST_CASE("curve: names and roles, the server waits, the client starts with a HELLO frame 04 C8")
{
    session s;
    CHECK(s.client.name() == "CURVE");
    CHECK(s.server.name() == "CURVE");
    CHECK_FALSE(s.client.as_server());
    CHECK(s.server.as_server());
    CHECK(s.client.authentication_wanted() == nullptr);
    CHECK(s.server.authentication_wanted() == nullptr);
    CHECK(s.client.box() == nullptr);
    CHECK(s.server.box() == nullptr);
    REQUIRE_FALSE(s.server.start(s.to_client, s.now));
    CHECK(s.to_client.empty());
    REQUIRE_FALSE(s.client.start(s.to_server, s.now));
    const auto sent = queued(s.to_server);
    REQUIRE(sent.size() == 202);
    CHECK(vec(std::span(sent).first(2)) == bytes("04 C8"));
}

TEST_CASE("curve: the client's HELLO, INITIATE and MESSAGEs, byte by byte (the test's own server)")
{
    wire::curve_client client(client_public, client_secret, server_public, client_properties(), seeded_random(5));
    raw_server server;
    wire::output_queue out;
    REQUIRE_FALSE(client.start(out, {}));
    const auto welcome = server.welcome(only_command(out)); // checks the HELLO

    REQUIRE_FALSE(give(client, welcome, out));
    const auto sent = queued(out);
    const auto initiate = only_command(out);
    // INITIATE is over 255 bytes: a long command frame (libzmq's was 276 bytes).
    REQUIRE(sent.size() == 9 + initiate.size());
    CHECK(vec(std::span(sent).first(9)) == concat({bytes("06"), u64_be(initiate.size())}));
    const raw_server::initiated in = server.initiate(initiate);
    CHECK(in.client == client_public);
    CHECK(in.counter == 2);
    CHECK(in.metadata == encoded(client_properties()));
    CHECK(initiate.size() == 113 + 16 + 128 + in.metadata.size());
    CHECK_FALSE(client.done());

    REQUIRE_FALSE(give(client, server.ready(encoded(server_properties())), out));
    CHECK(out.empty());
    REQUIRE(client.done());
    CHECK(client.peer_metadata().get("Socket-Type") == "ROUTER");
    CHECK(client.peer_metadata().get("X-Server") == "s1");
    wire::frame_box* box = client.box();
    REQUIRE(box != nullptr);

    // MESSAGEs from the client: counters 3, 4, 5; flags bit 0 MORE, bit 1 COMMAND.
    struct sample {
        std::uint8_t flags;
        std::uint8_t payload_flags;
        std::string_view body;
    };
    std::uint64_t counter = 3;
    for (const sample& m : {sample{0, 0x00, "hello"}, sample{flag::more, 0x01, "part"},
                            sample{flag::command, 0x02, "\x04PING\x00\x0A"}}) {
        CAPTURE(counter);
        wire::output_queue q;
        box->seal(as_bytes(m.body), m.flags, q);
        const auto wire_bytes = queued(q);
        REQUIRE(wire_bytes.size() == 2 + 33 + m.body.size());
        CHECK(vec(std::span(wire_bytes).first(2))
              == std::vector<std::byte>{std::byte{0x00}, static_cast<std::byte>(33 + m.body.size())});
        const auto body = std::span(wire_bytes).subspan(2);
        CHECK(counter_at(body, 8) == counter);
        const auto plain = server.open(body);
        REQUIRE(plain);
        CHECK(*plain == concat({std::vector<std::byte>{std::byte{m.payload_flags}}, text_bytes(m.body)}));
        // The RFC's stale "CurveZMQMESSAGE-" prefix is not the one used.
        CHECK_FALSE(open_message("CurveZMQMESSAGE-", body, server.client_transient, server.transient_secret));
        ++counter;
    }

    // MESSAGEs from the server: counter 2 on (READY was 1), "CurveZMQMESSAGES".
    const opened first = open(*box, server.message(2, 0x01, text_bytes("world")));
    REQUIRE_FALSE(first.ec);
    CHECK(first.flags == flag::more);
    CHECK(first.body == std::string_view("world"));
    const opened second = open(*box, server.message(3, 0x02, text_bytes("\x04PONG")));
    REQUIRE_FALSE(second.ec);
    CHECK(second.flags == flag::command);
    CHECK(open(*box, make_message("CurveZMQMESSAGEC", 4, 0, text_bytes("x"), server.client_transient,
                                  server.transient_secret))
              .ec
          == errc::decryption_failed); // the client's own prefix
    CHECK(open(*box, make_message("CurveZMQMESSAGE-", 4, 0, text_bytes("x"), server.client_transient,
                                  server.transient_secret))
              .ec
          == errc::decryption_failed);
    const opened third = open(*box, server.message(4, 0x00, text_bytes("x")));
    CHECK_FALSE(third.ec);
    CHECK(third.flags == 0);
}

TEST_CASE("curve: the server's WELCOME, READY and MESSAGEs, and its ZAP request (the test's own client)")
{
    wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(6));
    raw_client client;
    wire::output_queue out;
    REQUIRE_FALSE(server.start(out, {}));
    REQUIRE_FALSE(give(server, client.hello(), out));
    const auto sent = queued(out);
    REQUIRE(sent.size() == 170);
    CHECK(vec(std::span(sent).first(2)) == bytes("04 A8"));
    client.welcome(only_command(out)); // checks the WELCOME
    CHECK(client.cookie.size() == 96);

    REQUIRE_FALSE(give(server, client.initiate(encoded(client_properties())), out));
    CHECK(out.empty()); // READY waits for the decision
    CHECK_FALSE(server.done());
    const wire::authentication_request* request = server.authentication_wanted();
    REQUIRE(request != nullptr);
    CHECK(request->mechanism == "CURVE");
    REQUIRE(request->credentials.size() == 1);
    CHECK(request->credentials[0] == key_string(client_public));
    CHECK(server.peer_metadata().get("X-Color") == "blue");

    REQUIRE_FALSE(server.on_authentication(status("200"), out));
    CHECK(server.authentication_wanted() == nullptr);
    REQUIRE(server.done());
    const auto ready = only_command(out);
    CHECK(counter_at(ready, 6) == 1);
    const auto metadata = client.ready(ready);
    REQUIRE(metadata);
    CHECK(*metadata == encoded(server_properties()));
    CHECK(ready.size() == 14 + 16 + metadata->size());

    wire::frame_box* box = server.box();
    REQUIRE(box != nullptr);
    for (std::uint64_t counter : {2, 3}) {
        const frame sealed = seal_one(*box, text_bytes("reply"), flag::more);
        CHECK(counter_at(sealed.bytes(), 8) == counter);
        const auto plain = client.open(sealed.bytes());
        REQUIRE(plain);
        CHECK(*plain == bytes("01 'reply'"));
    }
    const opened in = open(*box, client.message(3, 0x00, text_bytes("request")));
    REQUIRE_FALSE(in.ec);
    CHECK(in.flags == 0);
    CHECK(in.body == std::string_view("request"));
}

// --- the two mechanisms together ----------------------------------------------------------

TEST_CASE("curve: client and server complete the handshake in memory, metadata goes both ways")
{
    session s;
    s.send_hello();
    CHECK(s.hello.size() == 200);
    CHECK(counter_at(s.hello, 112) == 1);
    s.send_welcome();
    CHECK(s.welcome.size() == 168);
    s.send_initiate();
    CHECK(counter_at(s.initiate, 105) == 2);
    s.authenticate();
    const wire::authentication_request& request = *s.server.authentication_wanted();
    CHECK(request.mechanism == "CURVE");
    CHECK(request.credentials == std::vector<std::string>{key_string(client_public)});
    CHECK(s.server.box() == nullptr);
    s.send_ready();
    CHECK(counter_at(s.ready, 6) == 1);
    CHECK(s.client.box() == nullptr);
    s.complete();

    CHECK(s.server.peer_metadata().get("Socket-Type") == "DEALER");
    CHECK(s.server.peer_metadata().get("identity") == "client-7");
    CHECK(s.server.peer_metadata().get("X-Color") == "blue");
    CHECK(s.client.peer_metadata().get("Socket-Type") == "ROUTER");
    CHECK(s.client.peer_metadata().get("X-Server") == "s1");
    CHECK_FALSE(s.client.peer_metadata().get("Identity"));
    CHECK(s.client.box() != nullptr);
    CHECK(s.server.box() != nullptr);

    // The same seeds make the same bytes: the handshake is a function of its inputs.
    session again;
    again.complete();
    CHECK(again.hello == s.hello);
    CHECK(again.initiate == s.initiate);
    CHECK(again.ready == s.ready);
}

TEST_CASE("curve: authentication outcomes: 200 READY, 400 and 500 an ERROR, 300 and others nothing")
{
    struct outcome {
        std::string code;
        std::error_code ec;
        std::string error; // ERROR command body queued, if any
    };
    for (const outcome& o : {outcome{"400", errc::authentication_denied, "\x05" "ERROR\x03" "400"},
                             outcome{"500", errc::authentication_error, "\x05" "ERROR\x03" "500"},
                             outcome{"300", errc::authentication_unavailable, ""},
                             outcome{"999", errc::authentication_error, ""}}) {
        CAPTURE(o.code);
        session s;
        s.authenticate();
        CHECK(s.server.on_authentication(status(o.code), s.to_client) == o.ec);
        if (o.error.empty())
            CHECK(s.to_client.empty());
        else
            CHECK(only_command(s.to_client) == text_bytes(o.error));
        CHECK_FALSE(s.server.done());
        CHECK(s.server.authentication_wanted() == nullptr);
        CHECK(s.server.box() == nullptr);
        CHECK(s.server.on_authentication(status("200"), s.to_client) == errc::unexpected_command);
        CHECK(s.to_client.empty());
    }
}

TEST_CASE("curve: sealed messages both ways: MORE, COMMAND, empty, short and long frames, 100 KiB")
{
    session s;
    s.complete();
    wire::frame_box& client = *s.client.box();
    wire::frame_box& server = *s.server.box();
    std::uint64_t client_counter = 3;
    std::uint64_t server_counter = 2;
    // Body sizes around each edge: the inline frame (40), the short frame header (255 on
    // the wire), the output queue's reference threshold (4096 on the wire), and 100 KiB.
    for (std::size_t size : {0, 1, 7, 8, 40, 41, 222, 223, 4062, 4063, 100 * 1024}) {
        for (std::uint8_t flags : {std::uint8_t{0}, flag::more, flag::command}) {
            CAPTURE(size);
            CAPTURE(int(flags));
            std::vector<std::byte> body(size);
            for (std::size_t i = 0; i < size; ++i)
                body[i] = static_cast<std::byte>(i * 7 + flags);
            for (const bool from_client : {true, false}) {
                CAPTURE(from_client);
                wire::frame_box& sender = from_client ? client : server;
                wire::frame_box& receiver = from_client ? server : client;
                std::uint64_t& counter = from_client ? client_counter : server_counter;
                wire::output_queue q;
                sender.seal(body, flags, q);
                const auto wire_bytes = queued(q);
                const std::size_t wire_size = 33 + size;
                if (wire_size <= 255) {
                    REQUIRE(wire_bytes.size() == 2 + wire_size);
                    CHECK(wire_bytes[0] == std::byte{0x00});
                } else {
                    REQUIRE(wire_bytes.size() == 9 + wire_size);
                    CHECK(vec(std::span(wire_bytes).first(9)) == concat({bytes("02"), u64_be(wire_size)}));
                }
                frame sealed = seal_one(sender, body, flags); // and one more, through a decoder
                CHECK(counter_at(sealed.bytes(), 8) == counter + 1);
                const opened first = open(receiver, std::span(wire_bytes).subspan(wire_bytes.size() - wire_size));
                REQUIRE_FALSE(first.ec);
                CHECK(first.flags == flags);
                CHECK(vec(first.body.bytes()) == body);
                // A long body is decrypted in place and handed over as part of the frame;
                // the frame given is consumed.
                const std::byte* const at = sealed.data();
                opened second;
                second.ec = receiver.open(std::move(sealed), second.flags, second.body);
                CHECK(sealed.empty()); // NOLINT(bugprone-use-after-move): documented
                REQUIRE_FALSE(second.ec);
                CHECK(second.flags == flags);
                CHECK(vec(second.body.bytes()) == body);
                if (size > frame::inline_capacity)
                    CHECK(second.body.data() == at + 33);
                counter += 2;
            }
        }
    }
}

// --- hostile: tampered boxes ----------------------------------------------------------------

TEST_CASE("curve hostile: a changed byte anywhere in HELLO's C', counter or signature box: decryption_failed")
{
    session s;
    s.send_hello();
    for (std::size_t at = 80; at < 200; ++at) {
        CAPTURE(at);
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(2));
        wire::output_queue out;
        CHECK(give(server, flipped(s.hello, at), out) == errc::decryption_failed);
        CHECK(out.empty()); // libzmq sends no ERROR for these
        CHECK(give(server, s.hello, out) == errc::unexpected_command); // and it stays failed
    }
}

TEST_CASE("curve hostile: a changed byte in WELCOME's nonce or box: decryption_failed")
{
    for (std::size_t at = 8; at < 168; at += (at < 40 || at > 150 ? 1 : 7)) {
        CAPTURE(at);
        session s;
        s.send_welcome();
        CHECK(give(s.client, flipped(s.welcome, at), s.to_server) == errc::decryption_failed);
        CHECK(s.to_server.empty());
        CHECK(give(s.client, s.welcome, s.to_server) == errc::unexpected_command);
    }
}

TEST_CASE("curve hostile: a changed byte in the cookie: invalid_cookie")
{
    for (std::size_t at = 9; at < 105; ++at) {
        CAPTURE(at);
        session s;
        s.send_initiate();
        CHECK(give(s.server, flipped(s.initiate, at), s.to_client) == errc::invalid_cookie);
        CHECK(s.to_client.empty());
        CHECK(s.server.authentication_wanted() == nullptr);
    }
}

TEST_CASE("curve hostile: a changed byte in INITIATE's counter or box: decryption_failed")
{
    session first;
    first.send_initiate();
    for (std::size_t at = 105; at < first.initiate.size(); at += (at < 140 || at > 240 ? 1 : 5)) {
        CAPTURE(at);
        session s;
        s.send_initiate();
        // A lower counter is caught before the box; any other change by the box.
        const auto changed = flipped(s.initiate, at);
        const std::error_code expected = counter_at(changed, 105) <= 1 ? errc::nonce_not_increasing
                                                                        : errc::decryption_failed;
        CHECK(give(s.server, changed, s.to_client) == expected);
        CHECK(s.to_client.empty());
        CHECK(s.server.authentication_wanted() == nullptr);
    }
}

TEST_CASE("curve hostile: a changed byte in the vouch: invalid_vouch")
{
    for (std::size_t at = 0; at < 96; ++at) {
        CAPTURE(at);
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(7));
        raw_client client;
        wire::output_queue out;
        REQUIRE_FALSE(give(server, client.hello(), out));
        client.welcome(only_command(out));
        const auto plain = concat({client_public, flipped(client.vouch(client.honest_vouch()), at),
                                   encoded(client_properties())});
        CHECK(give(server, client.initiate_with(plain), out) == errc::invalid_vouch);
        CHECK(out.empty());
        CHECK(server.authentication_wanted() == nullptr);
    }
}

TEST_CASE("curve hostile: a changed byte in READY's counter or box: decryption_failed")
{
    session first;
    first.send_ready();
    for (std::size_t at = 6; at < first.ready.size(); ++at) {
        CAPTURE(at);
        session s;
        s.send_ready();
        CHECK(give(s.client, flipped(s.ready, at), s.to_server) == errc::decryption_failed);
        CHECK_FALSE(s.client.done());
        CHECK(s.client.box() == nullptr);
        CHECK(give(s.client, s.ready, s.to_server) == errc::unexpected_command);
    }
}

TEST_CASE("curve hostile: a changed byte anywhere in a MESSAGE is refused, and the true one still opens")
{
    session s;
    s.complete();
    for (const bool from_client : {true, false}) {
        wire::frame_box& sender = from_client ? *s.client.box() : *s.server.box();
        wire::frame_box& receiver = from_client ? *s.server.box() : *s.client.box();
        for (std::size_t size : {0, 100}) {
            const frame sealed = seal_one(sender, repeat(size, std::byte{0x5A}), flag::more);
            for (std::size_t at = 0; at < sealed.size(); ++at) {
                CAPTURE(from_client);
                CAPTURE(size);
                CAPTURE(at);
                const auto changed = flipped(sealed.bytes(), at, std::byte{0x80});
                const std::error_code ec = open(receiver, changed).ec;
                if (at < 8)
                    CHECK(ec == errc::malformed_command);
                else if (at < 16 && counter_at(changed, 8) < counter_at(sealed.bytes(), 8))
                    CHECK(ec == errc::nonce_not_increasing);
                else
                    CHECK(ec == errc::decryption_failed);
            }
            const opened ok = open(receiver, sealed.bytes());
            REQUIRE_FALSE(ok.ec);
            CHECK(ok.flags == flag::more);
            CHECK(ok.body.size() == size);
        }
    }
}

// --- hostile: counters ------------------------------------------------------------------------

TEST_CASE("curve hostile: INITIATE's counter must be above HELLO's")
{
    struct counters {
        std::uint64_t hello;
        std::uint64_t initiate;
        bool ok;
    };
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    for (const counters c : {counters{1, 2, true}, counters{0, 1, true}, counters{1ull << 63, (1ull << 63) + 6, true},
                             counters{1, 1, false}, counters{5, 4, false}, counters{5, 0, false},
                             counters{top, top, false}, counters{top, 0, false}}) {
        CAPTURE(c.hello);
        CAPTURE(c.initiate);
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(8));
        raw_client client;
        wire::output_queue out;
        REQUIRE_FALSE(give(server, client.hello(c.hello), out));
        client.welcome(only_command(out));
        const std::error_code ec = give(server, client.initiate(encoded(client_properties()), c.initiate), out);
        if (c.ok) {
            CHECK_FALSE(ec);
            CHECK(server.authentication_wanted() != nullptr);
        } else {
            CHECK(ec == errc::nonce_not_increasing);
            CHECK(server.authentication_wanted() == nullptr);
        }
        CHECK(out.empty());
    }
}

TEST_CASE("curve hostile: the server's MESSAGE counters must rise above READY's, with no replay")
{
    wire::curve_client client(client_public, client_secret, server_public, client_properties(), seeded_random(9));
    raw_server server;
    wire::output_queue out;
    REQUIRE_FALSE(client.start(out, {}));
    REQUIRE_FALSE(give(client, server.welcome(only_command(out)), out));
    server.initiate(only_command(out));
    REQUIRE_FALSE(give(client, server.ready(encoded(server_properties()), 5), out)); // any first counter
    wire::frame_box& box = *client.box();
    CHECK(open(box, server.message(5, 0, text_bytes("equal to READY's"))).ec == errc::nonce_not_increasing);
    CHECK(open(box, server.message(4, 0, text_bytes("below"))).ec == errc::nonce_not_increasing);
    CHECK(open(box, server.message(0, 0, text_bytes("zero"))).ec == errc::nonce_not_increasing);
    const auto jump = server.message(9, 0, text_bytes("a jump is fine"));
    CHECK_FALSE(open(box, jump).ec);
    CHECK(open(box, jump).ec == errc::nonce_not_increasing); // replayed
    CHECK(open(box, server.message(8, 0, text_bytes("late"))).ec == errc::nonce_not_increasing);
    CHECK_FALSE(open(box, server.message(10, 0, text_bytes("next"))).ec);
    // A READY again is out of turn.
    CHECK(give(client, server.ready(encoded(server_properties()), 11), out) == errc::unexpected_command);
}

TEST_CASE("curve hostile: replayed and reordered MESSAGEs between the two mechanisms")
{
    session s;
    s.complete();
    for (const bool from_client : {true, false}) {
        CAPTURE(from_client);
        wire::frame_box& sender = from_client ? *s.client.box() : *s.server.box();
        wire::frame_box& receiver = from_client ? *s.server.box() : *s.client.box();
        const frame one = seal_one(sender, text_bytes("one"), 0);
        const frame two = seal_one(sender, text_bytes("two"), 0);
        const frame three = seal_one(sender, text_bytes("three"), 0);
        CHECK_FALSE(open(receiver, one.bytes()).ec);
        CHECK(open(receiver, one.bytes()).ec == errc::nonce_not_increasing);
        CHECK_FALSE(open(receiver, three.bytes()).ec); // skipping is allowed: TCP never does it
        CHECK(open(receiver, two.bytes()).ec == errc::nonce_not_increasing);
        CHECK(open(receiver, three.bytes()).ec == errc::nonce_not_increasing);
    }
}

// --- hostile: cookies and vouches ------------------------------------------------------------

TEST_CASE("curve hostile: a cookie from another server object (another connection): invalid_cookie")
{
    session s;
    s.send_initiate();
    wire::curve_server other(server_public, server_secret, server_properties(), seeded_random(99));
    wire::output_queue out;
    REQUIRE_FALSE(give(other, s.hello, out)); // the same HELLO, another cookie key
    CHECK(only_command(out) != s.welcome);
    CHECK(give(other, s.initiate, out) == errc::invalid_cookie);
    CHECK(out.empty());
    CHECK(other.authentication_wanted() == nullptr);
    // The server it was made by takes it.
    CHECK_FALSE(give(s.server, s.initiate, s.to_client));
}

TEST_CASE("curve hostile: a cookie older than its lifetime: invalid_cookie")
{
    struct timing {
        std::chrono::seconds lifetime;
        std::chrono::milliseconds age;
        bool ok;
    };
    for (const timing t : {timing{60s, 0ms, true}, timing{60s, 60000ms, true}, timing{60s, 60001ms, false},
                           timing{60s, 3600000ms, false}, timing{5s, 4999ms, true}, timing{5s, 5001ms, false}}) {
        CAPTURE(t.lifetime.count());
        CAPTURE(t.age.count());
        session s({.cookie_lifetime = t.lifetime});
        s.send_initiate();
        const std::error_code ec = give(s.server, s.initiate, s.to_client, s.now + t.age);
        if (t.ok) {
            CHECK_FALSE(ec);
        } else {
            CHECK(ec == errc::invalid_cookie);
            CHECK(s.to_client.empty());
        }
    }
}

TEST_CASE("curve hostile: a vouch for another server key or another C', or by another key: invalid_vouch")
{
    const auto [other_public, other_secret] = key_pair(1234);
    struct variant {
        std::string_view what;
        bool transient_other;
        bool server_other;
        bool signer_other;
        bool claim_other;
        bool ok;
    };
    for (const variant v : {variant{"honest", false, false, false, false, true},
                            variant{"for another server key", false, true, false, false, false},
                            variant{"for another C'", true, false, false, false, false},
                            variant{"signed by a key that is not the C claimed", false, false, true, false, false},
                            variant{"claiming a key it did not sign with", false, false, false, true, false},
                            variant{"another client's key, consistently", false, false, true, true, true}}) {
        CAPTURE(v.what);
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(10));
        raw_client client;
        wire::output_queue out;
        REQUIRE_FALSE(give(server, client.hello(), out));
        client.welcome(only_command(out));
        const raw_client::vouch_terms terms{v.transient_other ? other_public : client.transient_public,
                                            v.server_other ? other_public : server_public,
                                            v.signer_other ? other_secret : client_secret};
        const key claimed = v.claim_other ? other_public : client_public;
        const auto plain = concat({claimed, client.vouch(terms), encoded(client_properties())});
        const std::error_code ec = give(server, client.initiate_with(plain), out);
        if (v.ok) {
            REQUIRE_FALSE(ec);
            // Whoever holds a key pair is that key: what ZAP decides on is the key vouched.
            CHECK(server.authentication_wanted()->credentials == std::vector<std::string>{key_string(claimed)});
        } else {
            CHECK(ec == errc::invalid_vouch);
            CHECK(server.authentication_wanted() == nullptr);
        }
        CHECK(out.empty());
    }
}

TEST_CASE("curve hostile: INITIATE metadata is read only within the decrypted bytes")
{
    struct bad {
        std::string_view what;
        std::vector<std::byte> metadata;
        std::error_code ec;
    };
    for (const bad& b : {bad{"value length past the end", bytes("0b 'Socket-Type' 00 00 00 07 'DEALER'"),
                             errc::malformed_metadata},
                         bad{"value length of 2^32-1", bytes("0b 'Socket-Type' ff ff ff ff 'DEALER'"),
                             errc::malformed_metadata},
                         bad{"name length past the end", bytes("ff 'Socket-Type'"), errc::malformed_metadata},
                         bad{"a cut value length", bytes("01 'a' 00 00"), errc::malformed_metadata},
                         bad{"a bad name", bytes("02 'a ' 00 00 00 00"), errc::invalid_property_name}}) {
        CAPTURE(b.what);
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(12));
        raw_client client;
        wire::output_queue out;
        REQUIRE_FALSE(give(server, client.hello(), out));
        client.welcome(only_command(out));
        CHECK(give(server, client.initiate(b.metadata), out) == b.ec);
        CHECK(out.empty());
        CHECK(server.authentication_wanted() == nullptr);
    }
}

// --- hostile: sizes and fixed fields ------------------------------------------------------------

TEST_CASE("curve hostile: HELLO one byte short or long, or of another version: malformed_command")
{
    const raw_client client;
    const auto hello = client.hello();
    for (const auto& bad : {std::vector<std::byte>(hello.begin(), hello.end() - 1), concat({hello, bytes("00")}),
                            flipped(hello, 6, std::byte{0x03}), flipped(hello, 7, std::byte{0x01}),
                            bytes("05 'HELLO'")}) {
        CAPTURE(bad.size());
        wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(13));
        wire::output_queue out;
        CHECK(give(server, bad, out) == errc::malformed_command);
        CHECK(out.empty());
    }
    // The padding carries nothing and no box covers it: not looked at.
    wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(13));
    wire::output_queue out;
    CHECK_FALSE(give(server, flipped(hello, 8, std::byte{0xFF}), out));
}

TEST_CASE("curve hostile: WELCOME, INITIATE and READY of the wrong size: malformed_command")
{
    {
        session s;
        s.send_welcome();
        CHECK(give(s.client, std::span(s.welcome).first(167), s.to_server) == errc::malformed_command);
    }
    {
        session s;
        s.send_welcome();
        CHECK(give(s.client, concat({s.welcome, bytes("00")}), s.to_server) == errc::malformed_command);
        CHECK(s.to_server.empty());
    }
    {
        session s;
        s.send_initiate();
        CHECK(give(s.server, std::span(s.initiate).first(256), s.to_client) == errc::malformed_command);
        CHECK(s.to_client.empty());
    }
    {
        session s;
        s.send_ready();
        CHECK(give(s.client, std::span(s.ready).first(29), s.to_server) == errc::malformed_command);
        CHECK(s.to_server.empty());
    }
    {
        // The smallest READY (no metadata) is 30 bytes and fine; the connection then finds
        // Socket-Type missing.
        session s({.server_properties = {}});
        s.send_ready();
        CHECK(s.ready.size() == 30);
        CHECK_FALSE(give(s.client, s.ready, s.to_server));
        CHECK(s.client.peer_metadata().empty());
    }
}

TEST_CASE("curve hostile: a MESSAGE under 33 bytes or not named MESSAGE: malformed_command")
{
    session s;
    s.complete();
    wire::frame_box& box = *s.server.box();
    const frame sealed = seal_one(*s.client.box(), {}, 0);
    REQUIRE(sealed.size() == 33);
    for (std::size_t size = 0; size < 33; ++size) { // both ways of opening: in place, and a frame
        CAPTURE(size);
        CHECK(open(box, sealed.bytes().first(size)).ec == errc::malformed_command);
        CHECK(open(box, frame(sealed.bytes().first(size))).ec == errc::malformed_command);
    }
    CHECK(open(box, concat({bytes("07 'MESSAGF'"), vec(sealed.bytes().subspan(8))})).ec == errc::malformed_command);
    CHECK(open(box, concat({bytes("06 'MESSAG'"), vec(sealed.bytes().subspan(7))})).ec == errc::malformed_command);
    CHECK_FALSE(open(box, sealed.bytes()).ec);
}

TEST_CASE("curve hostile: a MESSAGE whose flags say both MORE and COMMAND: malformed_command")
{
    wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(14));
    raw_client client;
    wire::output_queue out;
    REQUIRE_FALSE(give(server, client.hello(), out));
    client.welcome(only_command(out));
    REQUIRE_FALSE(give(server, client.initiate(encoded(client_properties())), out));
    REQUIRE_FALSE(server.on_authentication(status("200"), out));
    wire::frame_box& box = *server.box();
    CHECK(open(box, client.message(3, 0x03, text_bytes("\x04PING"))).ec == errc::malformed_command);
    // Bits 2..7 are reserved: ignored, as libzmq does.
    const opened reserved = open(box, client.message(4, 0xFC, text_bytes("x")));
    REQUIRE_FALSE(reserved.ec);
    CHECK(reserved.flags == 0);
}

// --- hostile: commands out of turn ------------------------------------------------------------------

namespace {

/// Command bodies of every kind a CURVE peer might send, well-formed or not.
std::vector<std::vector<std::byte>> stray_commands()
{
    return {raw_client().hello(), concat({bytes("07 'WELCOME'"), repeat(160)}),
            concat({bytes("08 'INITIATE'"), repeat(300)}), concat({bytes("05 'READY'"), repeat(40)}),
            concat({bytes("07 'MESSAGE'"), repeat(40)}), bytes("04 'PING' 00 00"), bytes("03 'FOO'")};
}

/// The name of a command body.
std::string_view name_of(const std::vector<std::byte>& body)
{
    return {reinterpret_cast<const char*>(body.data()) + 1, static_cast<std::size_t>(body[0])};
}

} // namespace

TEST_CASE("curve hostile: the server refuses every command out of turn, silently and for good")
{
    const auto strays = stray_commands();
    const std::vector<std::string_view> turns = {"before HELLO", "after HELLO", "while authenticating", "when done"};
    for (std::string_view turn : turns) {
        for (std::size_t i = 0; i < strays.size(); ++i) {
            const std::string_view name = name_of(strays[i]);
            const bool in_turn = (turn == "before HELLO" && name == "HELLO")
                || (turn == "after HELLO" && name == "INITIATE");
            if (in_turn)
                continue;
            CAPTURE(turn);
            CAPTURE(name);
            session s;
            if (turn == "after HELLO")
                s.send_welcome();
            else if (turn == "while authenticating")
                s.authenticate();
            else if (turn == "when done")
                s.send_ready();
            CHECK(give(s.server, strays[i], s.to_client) == errc::unexpected_command);
            CHECK(s.to_client.empty());
            // Sticky: not even the right next step is taken now.
            CHECK(s.server.authentication_wanted() == nullptr);
            if (turn == "before HELLO")
                CHECK(give(s.server, raw_client().hello(), s.to_client) == errc::unexpected_command);
            if (turn == "after HELLO") {
                REQUIRE_FALSE(give(s.client, s.welcome, s.to_server));
                CHECK(give(s.server, only_command(s.to_server), s.to_client) == errc::unexpected_command);
            }
        }
    }
    session s;
    CHECK(s.server.on_authentication(status("200"), s.to_client) == errc::unexpected_command);
    CHECK(s.to_client.empty());
}

TEST_CASE("curve hostile: the client refuses every command out of turn, silently and for good")
{
    const auto strays = stray_commands();
    for (std::string_view turn : {"before start", "after HELLO", "after INITIATE", "when done"}) {
        for (std::size_t i = 0; i < strays.size(); ++i) {
            const std::string_view name = name_of(strays[i]);
            // A stray WELCOME or READY of the right name at its turn is refused for its
            // size or its box, as other tests show; here, only the names out of turn.
            if ((turn == "after HELLO" && name == "WELCOME") || (turn == "after INITIATE" && name == "READY"))
                continue;
            CAPTURE(turn);
            CAPTURE(name);
            session s;
            if (turn == "after HELLO")
                s.send_hello();
            else if (turn == "after INITIATE")
                s.send_initiate();
            else if (turn == "when done")
                s.complete();
            CHECK(give(s.client, strays[i], s.to_server) == errc::unexpected_command);
            CHECK(s.to_server.empty());
            CHECK_FALSE(s.client.done());
            CHECK(s.client.box() == nullptr);
            if (turn == "after HELLO") {
                REQUIRE_FALSE(give(s.server, s.hello, s.to_client));
                CHECK(give(s.client, only_command(s.to_client), s.to_server) == errc::unexpected_command);
            }
        }
    }
    session s;
    s.send_hello();
    CHECK(s.client.start(s.to_server, s.now) == errc::unexpected_command); // once only
    CHECK(s.client.on_authentication(status("200"), s.to_server) == errc::unexpected_command);
    CHECK(s.to_server.empty());
}

TEST_CASE("curve hostile: a client with the wrong server key fails the server's HELLO check")
{
    const auto [other_public, other_secret] = key_pair(4321);
    session s({.server_key_for_client = other_public});
    REQUIRE_FALSE(s.client.start(s.to_server, s.now));
    CHECK(give(s.server, only_command(s.to_server), s.to_client) == errc::decryption_failed);
    CHECK(s.to_client.empty());
}

TEST_CASE("curve hostile: keys no box can be made with (all zero): decryption_failed, nothing sent")
{
    wire::curve_client client(client_public, client_secret, key{}, client_properties(), seeded_random(15));
    wire::output_queue out;
    CHECK(client.start(out, {}) == errc::decryption_failed);
    CHECK(out.empty());

    // A HELLO whose C' is the zero point: no box opens with it.
    const auto hello = concat({bytes("05 'HELLO' 01 00"), repeat(72), key{}, u64_be(1), repeat(80)});
    wire::curve_server server(server_public, server_secret, server_properties(), seeded_random(16));
    CHECK(give(server, hello, out) == errc::decryption_failed);
    CHECK(out.empty());
}
