// What a peer's bytes make a wire::connection hold, measured with a tracking operator new,
// and what happens when that memory cannot be had.
#include "zmtp/wire/connection.hpp"

#include "connection_time.hpp"
#include "support/tracking_allocator.hpp"
#include "test_bytes.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/command.hpp"

#include <doctest/doctest.h>

#include <vector>

using zmtp::errc;
using zmtp::socket_type;
using zmtp::wire::connection;
using namespace zmtp_test;

namespace {

/// A ROUTER connection after a DEALER's greeting and READY.
connection ready_router(zmtp::wire::connection_options o = {})
{
    o.type = socket_type::router;
    connection c(o, t0);
    zmtp::wire::metadata m;
    m.set("Socket-Type", "DEALER");
    const auto greeting = zmtp::wire::encode_greeting({});
    const auto in = concat({greeting, zmtp::wire::encode_ready(m)});
    REQUIRE(c.receive(in, t0).what == connection::event::handshake_succeeded);
    return c;
}

/// Feeds `input` whole, taking messages as they complete; returns the last event.
connection::event feed_all(connection& c, std::span<const std::byte> input)
{
    connection::event last = connection::event::none;
    while (!input.empty() && last != connection::event::closed) {
        const auto r = c.receive(input, t0);
        input = input.subspan(r.consumed);
        last = r.what;
        if (last == connection::event::message)
            (void)c.take_message();
    }
    return last;
}

/// `count` empty frames, the last without MORE.
std::vector<std::byte> empty_frames(std::size_t count)
{
    std::vector<std::byte> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(std::byte{i + 1 < count ? std::uint8_t{1} : std::uint8_t{0}});
        out.push_back(std::byte{0});
    }
    return out;
}

struct fail_allocations_above {
    explicit fail_allocations_above(std::size_t n) { tracked::fail_above = n; }
    ~fail_allocations_above() { tracked::fail_above = 0; }
};

} // namespace

TEST_CASE("memory bound: an allocation failure for the peer's frames closes the connection with out_of_memory")
{
    zmtp::wire::connection_options o;
    o.limits.max_message_frames = 1'000'000; // let the frame list grow until allocation fails
    connection c = ready_router(o);
    const auto input = empty_frames(100'000);
    connection::event last;
    {
        const fail_allocations_above guard(64 * 1024); // the frame list passes 64 KiB at 2048 frames
        last = feed_all(c, input);
    }
    CHECK(last == connection::event::closed);
    CHECK(c.error() == errc::out_of_memory);
    CHECK(c.current_state() == connection::state::closed);
    // Sticky, and nothing it held is kept.
    CHECK(c.receive(input, t0).what == connection::event::closed);
    CHECK(c.send(zmtp::message{"x"}) == errc::out_of_memory);
}

TEST_CASE("memory bound: a frame body whose growth fails closes with out_of_memory")
{
    connection c = ready_router();
    std::vector<std::byte> input = bytes("02 00 00 00 00 10 00 00 00"); // 256 MiB announced
    const std::size_t first = zmtp::wire::frame_limits{}.first_body_block;
    input.resize(input.size() + first + 10, std::byte{7});
    const fail_allocations_above guard(first + 4096);
    CHECK(feed_all(c, input) == connection::event::closed);
    CHECK(c.error() == errc::out_of_memory);
}

TEST_CASE("memory bound: a message of more empty frames than max_message_frames is dropped, and its frames freed")
{
    CHECK(tracked::fail_above == 0); // doctest's first check in a test allocates: not ours
    const std::size_t before = tracked::live_bytes;
    {
        connection c = ready_router();
        const auto frames = empty_frames(1025);
        const auto more_frames = empty_frames(100'001);
        const auto two_more = bytes("01 00 01 00");
        const auto last = bytes("00 00");
        const auto next_message = bytes("01 01 'a' 00 01 'b'");
        const std::size_t ready = tracked::live_bytes;
        // 1023 frames with MORE: accepted and held (about 48 KiB for 2 KiB sent) ...
        CHECK(feed_all(c, std::span(frames).first(2 * 1023)) == connection::event::none);
        CHECK(tracked::live_bytes - ready <= 64 * 1024);
        // ... from the 1025th on, 100,000 more frames are read past, holding nothing more ...
        CHECK(feed_all(c, two_more) == connection::event::none);
        const std::size_t at_limit = tracked::live_bytes;
        CHECK(feed_all(c, std::span(more_frames).first(2 * 100'000)) == connection::event::none);
        CHECK(tracked::live_bytes <= at_limit);
        // ... and the last frame drops the message: nothing delivered, the frames freed.
        CHECK(feed_all(c, last) == connection::event::none);
        CHECK(c.current_state() == connection::state::ready);
        const auto held = static_cast<long>(tracked::live_bytes) - static_cast<long>(ready);
        CHECK(held <= 0);
        // The connection carries on: the next message is delivered whole.
        const auto r = c.receive(next_message, t0);
        REQUIRE(r.what == connection::event::message);
        const zmtp::message m = c.take_message();
        REQUIRE(m.size() == 2);
        CHECK(m[0] == "a");
        CHECK(m[1] == "b");
    }
    const std::size_t after = tracked::live_bytes;
    CHECK(after == before);
}
