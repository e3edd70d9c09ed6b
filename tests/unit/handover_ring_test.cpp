// handover_ring: the bounded single-producer single-consumer queue of messages.
#include "runtime/handover_ring.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <thread>

using zmtp::message;
using zmtp::detail::handover_ring;

TEST_CASE("handover_ring: first in, first out, across the wrap of its storage")
{
    handover_ring ring;
    CHECK(ring.empty());
    message out;
    CHECK_FALSE(ring.try_pop(out));
    std::size_t next_in = 0;
    std::size_t next_out = 0;
    // Three times round the ring, never more than 300 waiting.
    while (next_out < 3 * handover_ring::capacity) {
        for (int i = 0; i < 300; ++i) {
            message m{std::to_string(next_in)};
            REQUIRE(ring.try_push(m));
            CHECK(m.empty()); // moved in
            ++next_in;
        }
        CHECK(ring.size() == next_in - next_out);
        while (ring.try_pop(out))
            REQUIRE(out[0].to_string() == std::to_string(next_out++));
        CHECK(ring.empty());
    }
    CHECK(ring.pushed() == next_in);
    CHECK(ring.popped() == next_out);
}

TEST_CASE("handover_ring: a push into a full ring fails and leaves the message as it was")
{
    handover_ring ring;
    for (std::size_t i = 0; i < handover_ring::capacity; ++i) {
        message m{"x"};
        REQUIRE(ring.try_push(m));
    }
    CHECK(ring.size() == handover_ring::capacity);
    message refused{"kept", "whole"};
    CHECK_FALSE(ring.try_push(refused));
    REQUIRE(refused.size() == 2);
    CHECK(refused[0].to_string() == "kept");
    message out;
    REQUIRE(ring.try_pop(out));
    CHECK(ring.try_push(refused)); // one slot free again
}

TEST_CASE("handover_ring: one thread pushes, another pops, every message once and in order")
{
    handover_ring ring;
    constexpr std::size_t count = 200'000;
    std::thread producer([&] {
        for (std::size_t i = 0; i < count; ++i) {
            message m{std::to_string(i)};
            while (!ring.try_push(m))
                std::this_thread::yield();
        }
    });
    message out;
    for (std::size_t i = 0; i < count; ++i) {
        while (!ring.try_pop(out))
            std::this_thread::yield();
        REQUIRE(out[0].to_string() == std::to_string(i));
    }
    producer.join();
    CHECK(ring.empty());
}
