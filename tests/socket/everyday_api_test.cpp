// The everyday API: options checked where they are set (and changed one at a time),
// cppzmq-like conveniences, and errors that say what went wrong.
#include "socket/socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <string>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_options;
using zmtp::socket_type;

namespace {

/// The std::system_error `call` throws (failing if it throws none).
template <class F>
std::system_error thrown_by(F call)
{
    try {
        call();
    } catch (const std::system_error& e) {
        return e;
    }
    FAIL("no exception");
    return std::system_error(std::error_code());
}

} // namespace

TEST_CASE("options: an invalid routing_id is refused where it is set, naming the option")
{
    asio::io_context io;
    const std::string zero_first("\0id", 3);
    const std::string too_long(256, 'x');
    for (const std::string& bad : {zero_first, too_long}) {
        const auto e = thrown_by([&] { zmtp::socket s(io, socket_type::dealer, {.routing_id = bad}); });
        CHECK(e.code() == errc::invalid_argument);
        CHECK(e.code() == std::errc::invalid_argument);
        CHECK(std::string(e.what()).find("routing_id") != std::string::npos);
    }

    zmtp::socket s(io, socket_type::dealer, {.routing_id = "good", .send_hwm = 7});
    const auto e = thrown_by([&] { s.set_options({.routing_id = zero_first}); });
    CHECK(e.code() == errc::invalid_argument);
    CHECK(std::string(e.what()).find("routing_id") != std::string::npos);
    CHECK(s.options().routing_id == "good"); // unchanged
    std::error_code ec;
    s.set_options({.routing_id = too_long}, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK(s.options().send_hwm == 7u);
    CHECK_THROWS_AS(s.set(&socket_options::routing_id, zero_first), std::system_error);
    CHECK(s.options().routing_id == "good");
    CHECK(thrown_by([&] { s.set(&socket_options::linger, std::optional(std::chrono::milliseconds(-1))); }).code()
          == errc::invalid_argument);
}

TEST_CASE("options: update_options and set change some options and keep the rest")
{
    asio::io_context io;
    zmtp::socket s(io, socket_type::dealer, {.routing_id = "me", .send_hwm = 7, .receive_hwm = 9});
    s.set(&socket_options::linger, std::chrono::milliseconds(0));
    s.update_options([](socket_options& o) {
        o.send_hwm = 3;
        o.immediate = true;
    });
    const socket_options o = s.options();
    CHECK(o.routing_id == "me");
    CHECK(o.receive_hwm == 9u);
    CHECK(o.send_hwm == 3u);
    CHECK(o.immediate);
    CHECK(o.linger == std::chrono::milliseconds(0));
    // A change that makes an option invalid changes nothing at all.
    CHECK_THROWS_AS(s.update_options([](socket_options& x) {
        x.send_hwm = 1;
        x.max_message_frames = 0;
    }),
                    std::system_error);
    CHECK(s.options().send_hwm == 3u);
    CHECK(s.options().max_message_frames == socket_options{}.max_message_frames);
}

TEST_CASE("blocking conveniences: send(string_view) and receive_for's empty optional on timeout")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::dealer, test_options());
    a.bind("tcp://127.0.0.1:*");
    zmtp::socket b(ctx, socket_type::dealer, test_options());
    b.connect(a.last_endpoint());

    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(a.receive_for(std::chrono::milliseconds(100)));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(95));
    CHECK_FALSE(a.receive_for(std::chrono::milliseconds(0)));

    b.send("hello"); // one frame from a string_view
    std::optional<message> got = a.receive_for(std::chrono::seconds(5));
    REQUIRE(got);
    CHECK(parts(*got) == strings{"hello"});
    std::error_code ec;
    b.send(std::string_view("again"), zmtp::send_flags::none, ec);
    CHECK_FALSE(ec);
    got = a.receive_for(std::chrono::seconds(5));
    REQUIRE(got);
    CHECK(parts(*got) == strings{"again"});

    a.close(); // errors other than the timeout still throw
    CHECK(thrown_by([&] { a.receive_for(std::chrono::milliseconds(10)); }).code() == errc::socket_closed);
}

TEST_CASE("endpoint errors name the endpoint and the reason")
{
    asio::io_context io;
    zmtp::socket s(io, socket_type::router);
    auto e = thrown_by([&] { s.bind("tcp://127.0.0.1:99999"); });
    CHECK(e.code() == errc::invalid_endpoint);
    CHECK(std::string(e.what()) == "zmtp::socket::bind: tcp://127.0.0.1:99999: port must be 1..65535, * or 0: invalid endpoint");
    e = thrown_by([&] { s.connect("udp://127.0.0.1:5555"); });
    CHECK(std::string(e.what()).find("udp://127.0.0.1:5555") != std::string::npos);
    CHECK(std::string(e.what()).find("unknown transport") != std::string::npos);

    s.bind("tcp://127.0.0.1:*");
    zmtp::socket other(io, socket_type::router);
    const std::string taken = s.last_endpoint();
    e = thrown_by([&] { other.bind(taken); });
    CHECK(e.code() == std::errc::address_in_use);
    CHECK(std::string(e.what()) == "zmtp::socket::bind: " + taken + ": address already in use");
    e = thrown_by([&] { other.unbind("tcp://127.0.0.1:1"); });
    CHECK(e.code() == errc::no_such_endpoint);
    CHECK(e.code() == std::errc::no_such_file_or_directory);
}

TEST_CASE("can_send says what try_send would, without a message or from its first frame")
{
    zmtp::context ctx;
    zmtp::socket push(ctx, socket_type::push, test_options());
    CHECK(push.can_send() == errc::would_block); // no peer yet
    message probe{"x"};
    CHECK(push.try_send(probe) == errc::would_block);
    zmtp::socket pull(ctx, socket_type::pull, test_options());
    CHECK(pull.can_send() == errc::not_supported);
    const std::string endpoint = unique_ipc();
    pull.bind(endpoint);
    push.connect(endpoint); // a connect() endpoint's queue takes messages before the peer comes
    CHECK(!push.can_send());
    CHECK(!push.try_send(probe));

    zmtp::socket rep(ctx, socket_type::rep, test_options());
    zmtp::socket req(ctx, socket_type::req, test_options());
    CHECK(rep.can_send() == errc::invalid_state); // nothing to reply to
    rep.bind("inproc://can-send");
    req.connect("inproc://can-send");
    CHECK(!req.can_send());
    req.send(message{"question"});
    CHECK(req.can_send() == errc::invalid_state); // the reply comes first
    CHECK(parts(rep.receive()) == strings{"question"});
    CHECK(!rep.can_send());

    zmtp::socket router(ctx, socket_type::router, test_options());
    CHECK(!router.can_send()); // its messages' fate depends on their routing id
    CHECK(!router.can_send(zmtp::frame("nobody"))); // dropped, not refused
    router.set(&zmtp::socket_options::router_mandatory, true);
    CHECK(router.can_send(zmtp::frame("nobody")) == errc::host_unreachable);
    router.bind("inproc://can-send-router");
    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d"}));
    dealer.connect("inproc://can-send-router");
    dealer.send(message{"hello"});
    CHECK(parts(router.receive()) == strings{"d", "hello"});
    CHECK(!router.can_send(zmtp::frame("d")));
    router.close();
    CHECK(router.can_send() == errc::socket_closed);
    CHECK(router.can_send(zmtp::frame("d")) == errc::socket_closed);

    zmtp::socket stream(ctx, socket_type::stream, test_options());
    CHECK(stream.can_send(zmtp::frame("nobody")) == errc::host_unreachable);
}
