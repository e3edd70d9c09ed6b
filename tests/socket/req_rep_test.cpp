#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"

#include <doctest/doctest.h>

using namespace zmtp_test;
using zmtp::errc;
using zmtp::message;
using zmtp::socket_type;

TEST_CASE("socket: REQ and REP round trip over tcp, ipc and inproc")
{
    zmtp::context ctx;
    for (const std::string& endpoint : {std::string("tcp://127.0.0.1:*"), unique_ipc(), unique_inproc()}) {
        CAPTURE(endpoint);
        zmtp::socket rep(ctx, socket_type::rep, test_options());
        zmtp::socket req(ctx, socket_type::req, test_options());
        rep.bind(endpoint);
        req.connect(rep.last_endpoint());
        for (int i = 0; i < 3; ++i) {
            req.send(message{"ping " + std::to_string(i)});
            CHECK(parts(rep.receive()) == strings{"ping " + std::to_string(i)});
            rep.send(message{"pong", std::to_string(i)});
            CHECK(parts(req.receive()) == strings{"pong", std::to_string(i)});
        }
    }
}

TEST_CASE("socket: REQ enforces strict send/receive alternation")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    zmtp::socket req(ctx, socket_type::req, test_options());
    std::error_code ec;
    req.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::invalid_state); // nothing asked yet
    rep.send(message{"unasked"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::invalid_state); // nothing to answer

    rep.bind(unique_inproc());
    req.connect(rep.last_endpoint());
    req.send(message{"one"});
    req.send(message{"two"}, zmtp::send_flags::dontwait, ec);
    CHECK(ec == errc::invalid_state);
    CHECK(parts(rep.receive()) == strings{"one"});
    rep.receive(zmtp::recv_flags::dontwait, ec);
    CHECK(ec == errc::invalid_state); // a reply is owed first
    rep.send(message{"answer"});
    CHECK(parts(req.receive()) == strings{"answer"});
}

TEST_CASE("socket: REQ puts an empty delimiter in front, a ROUTER sees the whole envelope")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    zmtp::socket req(ctx, socket_type::req, test_options({.routing_id = "client"}));
    router.bind("tcp://127.0.0.1:*");
    req.connect(router.last_endpoint());
    req.send(message{"hello"});
    CHECK(parts(router.receive()) == strings{"client", "", "hello"});
    router.send(message{"client", "", "world"});
    CHECK(parts(req.receive()) == strings{"world"});
}

TEST_CASE("socket: REQ accepts a reply only from the peer it sent to")
{
    zmtp::context ctx;
    zmtp::socket a(ctx, socket_type::router, test_options());
    zmtp::socket b(ctx, socket_type::router, test_options());
    zmtp::socket req(ctx, socket_type::req, test_options({.routing_id = "req", .receive_timeout = 300ms}));
    a.bind(unique_inproc());
    b.bind(unique_inproc());
    req.connect(a.last_endpoint());
    req.connect(b.last_endpoint());

    // The request goes to one of the two; whichever did not get it sends a forged reply.
    req.send(message{"q"});
    zmtp::socket* asked = nullptr;
    zmtp::socket* other = nullptr;
    std::error_code ec;
    message got = a.receive(zmtp::recv_flags::none, ec);
    if (!ec) {
        asked = &a;
        other = &b;
    } else {
        got = b.receive();
        asked = &b;
        other = &a;
    }
    CHECK(parts(got) == strings{"req", "", "q"});
    other->send(message{"req", "", "forged"});
    req.receive(zmtp::recv_flags::none, ec);
    CHECK(ec == errc::would_block); // the forged reply was dropped, receive timed out
    asked->send(message{"req", "", "genuine"});
    CHECK(parts(req.receive()) == strings{"genuine"});
}

TEST_CASE("socket: REP strips and restores a multi-hop envelope")
{
    zmtp::context ctx;
    zmtp::socket rep(ctx, socket_type::rep, test_options());
    zmtp::socket dealer(ctx, socket_type::dealer, test_options());
    rep.bind(unique_ipc());
    dealer.connect(rep.last_endpoint());
    dealer.send(message{"hop2", "hop1", "", "body", "more"});
    CHECK(parts(rep.receive()) == strings{"body", "more"});
    rep.send(message{"reply"});
    CHECK(parts(dealer.receive()) == strings{"hop2", "hop1", "", "reply"});

    // No delimiter: dropped silently, the next good request gets through.
    dealer.send(message{"no", "delimiter"});
    dealer.send(message{"", "good"});
    CHECK(parts(rep.receive()) == strings{"good"});
}

TEST_CASE("socket: REQ_CORRELATE and REQ_RELAXED")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    zmtp::socket req(ctx, socket_type::req,
                     test_options({.routing_id = "r", .req_correlate = true, .req_relaxed = true, .receive_timeout = 300ms}));
    router.bind(unique_inproc());
    req.connect(router.last_endpoint());

    req.send(message{"first"});
    const message first = router.receive();
    REQUIRE(first.size() == 4);
    CHECK(first[1].size() == 4); // request id
    CHECK(first[2].empty());
    req.send(message{"second"}); // relaxed: allowed before the reply
    const message second = router.receive();
    REQUIRE(second.size() == 4);
    CHECK(second[1].view() != first[1].view());

    // The late reply to the first request is dropped; the second is accepted.
    router.send(message{"r", first[1].to_string(), "", "late"});
    router.send(message{"r", second[1].to_string(), "", "current"});
    CHECK(parts(req.receive()) == strings{"current"});
}

TEST_CASE("socket: REQ_RELAXED set after creation applies")
{
    asio::io_context io;
    zmtp::socket rep(io, socket_type::rep);
    rep.bind(unique_inproc());
    zmtp::socket req(io, socket_type::req);
    req.connect(rep.last_endpoint());
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        message first{"first"};
        co_await req.async_send(std::move(first), asio::use_awaitable);
        message early{"early"};
        CHECK(req.try_send(early) == zmtp::errc::invalid_state); // strict by default
        req.set(&zmtp::socket_options::req_relaxed, true);
        CHECK_FALSE(req.try_send(early)); // relaxed now: a second request goes
        req.close();
        rep.close();
    });
}
