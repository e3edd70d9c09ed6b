// frame_handover: messages handed from one thread to another as runs of frame slots.
#include "runtime/frame_handover.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <thread>

using zmtp::frame;
using zmtp::message;
using zmtp::detail::frame_handover;

namespace {

/// Message `n`: 1 to 4 frames, the last one larger than a frame holds inline for every
/// third message.
message numbered_message(std::size_t n)
{
    message m;
    const std::size_t frames = 1 + n % message::inline_frames;
    for (std::size_t i = 0; i + 1 < frames; ++i)
        m.push_back(std::to_string(n) + "." + std::to_string(i));
    m.push_back(n % 3 == 0 ? std::string(frame::inline_capacity + 1 + n % 100, 'a' + n % 26) : std::to_string(n));
    return m;
}

} // namespace

TEST_CASE("frame_handover: messages of one to four frames come out whole and in order, across the wrap")
{
    frame_handover ring;
    CHECK(ring.empty());
    message out{"stale"};
    CHECK_FALSE(ring.try_pop(out));
    std::size_t next_in = 0;
    std::size_t next_out = 0;
    std::size_t frames_in = 0;
    while (next_out < 1000) { // about 2.5 frames a message: over twice round the ring
        for (int i = 0; i < 100; ++i) {
            message m = numbered_message(next_in++);
            frames_in += m.size();
            REQUIRE(ring.try_push(m));
            CHECK(m.empty()); // its frames moved in
        }
        CHECK(ring.frames_waiting() == frames_in);
        while (ring.try_pop(out)) {
            const message expected = numbered_message(next_out++);
            REQUIRE(out == expected);
            frames_in -= out.size();
        }
        CHECK(ring.empty());
        CHECK(out.empty()); // the failed pop cleared it
    }
    CHECK(ring.pushed() == next_in);
    CHECK(ring.popped() == next_out);
}

TEST_CASE("frame_handover: a message whose frames do not all fit is refused whole and left as it was")
{
    frame_handover ring;
    for (std::size_t i = 0; i + 2 < frame_handover::capacity; ++i) {
        message m{"x"};
        REQUIRE(ring.try_push(m));
    }
    message refused{"kept", "whole", std::string(100, 'z')};
    CHECK_FALSE(ring.try_push(refused)); // 2 slots free, 3 frames
    REQUIRE(refused.size() == 3);
    CHECK(refused[0] == "kept");
    CHECK(refused[2] == std::string(100, 'z'));
    CHECK(ring.pushed() == frame_handover::capacity - 2);
    message out;
    REQUIRE(ring.try_pop(out));
    REQUIRE(ring.try_push(refused)); // three slots free now
    while (ring.try_pop(out) && out.size() == 1)
        CHECK(out[0] == "x");
    CHECK(out == message{"kept", "whole", std::string(100, 'z')});
    CHECK(ring.empty());
}

TEST_CASE("frame_handover: one thread pushes, another pops, every message once and in order")
{
    frame_handover ring;
    constexpr std::size_t count = 100'000;
    std::thread producer([&] {
        for (std::size_t i = 0; i < count; ++i) {
            message m = numbered_message(i);
            while (!ring.try_push(m))
                std::this_thread::yield();
        }
    });
    message out;
    for (std::size_t i = 0; i < count; ++i) {
        while (!ring.try_pop(out))
            std::this_thread::yield();
        REQUIRE(out == numbered_message(i));
    }
    producer.join();
    CHECK(ring.empty());
    CHECK(ring.popped() == count);
}
