// STREAM against libzmq's STREAM: raw bytes both ways, connect and disconnect notices,
// closing a connection with an empty frame; zmtp binding and zmtp connecting, over tcp.
#include "interop_helpers.hpp"

using namespace interop;
using zmtp::socket_type;

namespace {

/// Receives from the libzmq STREAM until `expected` bytes came from `id` (they may come in
/// pieces).
std::string libzmq_bytes(zmq_sock& s, const std::string& id, std::size_t expected)
{
    std::string got;
    while (got.size() < expected) {
        const auto m = s.recv();
        REQUIRE(m.has_value());
        REQUIRE(m->size() == 2);
        REQUIRE((*m)[0] == id);
        REQUIRE_FALSE((*m)[1].empty());
        got += (*m)[1];
    }
    return got;
}

std::string zmtp_bytes(zmtp::socket& s, const std::string& id, std::size_t expected)
{
    std::string got;
    while (got.size() < expected) {
        const auto m = zrecv(s);
        REQUIRE(m.has_value());
        REQUIRE(m->size() == 2);
        REQUIRE((*m)[0] == id);
        REQUIRE_FALSE((*m)[1].empty());
        got += (*m)[1];
    }
    return got;
}

/// The exchange, once both sides are connected: each side's connect notice, bytes both
/// ways (one 200 KiB run in pieces), then zmtp closes the connection with [id, ""] and
/// libzmq is told. (The other way is not tested: libzmq 4.3.4's STREAM, sent [id, ""],
/// was seen to keep the connection open, from C and from pyzmq alike.)
void exchange(zmtp::socket& ours, zmq_sock& theirs)
{
    const auto our_notice = zrecv(ours);
    REQUIRE(our_notice.has_value());
    REQUIRE(our_notice->size() == 2);
    CHECK((*our_notice)[1].empty());
    const std::string our_id = (*our_notice)[0];
    const auto their_notice = theirs.recv();
    REQUIRE(their_notice.has_value());
    REQUIRE(their_notice->size() == 2);
    CHECK((*their_notice)[1].empty());
    const std::string their_id = (*their_notice)[0];

    REQUIRE(zsend(ours, {our_id, "hello from zmtp"}));
    CHECK(libzmq_bytes(theirs, their_id, 15) == "hello from zmtp");
    REQUIRE(theirs.send({their_id, "hello from libzmq"}));
    CHECK(zmtp_bytes(ours, our_id, 17) == "hello from libzmq");
    const std::string big(200 * 1024, 'x');
    REQUIRE(zsend(ours, {our_id, big}));
    CHECK(libzmq_bytes(theirs, their_id, big.size()) == big);

    REQUIRE(zsend(ours, {our_id, ""}));
    const auto bye = theirs.recv();
    REQUIRE(bye.has_value());
    CHECK(*bye == parts{their_id, ""});
}

} // namespace

TEST_SUITE("stream")
{
    TEST_CASE("STREAM: zmtp binds, libzmq's STREAM connects")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmtp::socket ours(ctx, socket_type::stream, zmtp_options());
        const std::string ep = zbind(ours, "tcp://127.0.0.1:*");
        zmq_sock theirs(zctx, ZMQ_STREAM);
        theirs.connect(ep);
        exchange(ours, theirs);
    }

    TEST_CASE("STREAM: libzmq's STREAM binds, zmtp connects")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmq_sock theirs(zctx, ZMQ_STREAM);
        const std::string ep = theirs.bind("tcp://127.0.0.1:*");
        zmtp::socket ours(ctx, socket_type::stream, zmtp_options());
        zconnect(ours, ep);
        exchange(ours, theirs);
    }
}
