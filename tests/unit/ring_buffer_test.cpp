// Unit tests for zmtp::detail::ring_buffer: FIFO order across growth and wrap-around,
// indexing, and release of popped slots.
#include "zmtp/detail/ring_buffer.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using zmtp::detail::ring_buffer;

TEST_CASE("ring_buffer: starts empty")
{
    ring_buffer<int> rb;
    CHECK(rb.empty());
    CHECK(rb.size() == 0);
    rb.clear(); // harmless on an empty buffer
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: FIFO order across growth (push 1000, pop all)")
{
    ring_buffer<int> rb;
    for (int i = 0; i < 1000; ++i) {
        rb.push_back(i);
        CHECK(rb.size() == static_cast<std::size_t>(i + 1));
        CHECK(rb.front() == 0);
    }
    for (int i = 0; i < 1000; ++i) {
        REQUIRE_FALSE(rb.empty());
        CHECK(rb.front() == i);
        CHECK(rb.pop_front() == i);
        CHECK(rb.size() == static_cast<std::size_t>(999 - i));
    }
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: interleaved push/pop wraps around many times")
{
    ring_buffer<int> rb;
    std::deque<int> model;
    int next = 0;
    // Keep between 3 and 6 elements, so the head laps the (8-slot) storage many times.
    for (int round = 0; round < 2000; ++round) {
        const int pushes = 1 + round % 3;
        for (int k = 0; k < pushes; ++k) {
            rb.push_back(next);
            model.push_back(next);
            ++next;
        }
        while (model.size() > 3) {
            REQUIRE(rb.front() == model.front());
            REQUIRE(rb.pop_front() == model.front());
            model.pop_front();
        }
        REQUIRE(rb.size() == model.size());
    }
    while (!model.empty()) {
        REQUIRE(rb.pop_front() == model.front());
        model.pop_front();
    }
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: growth while the contents wrap around the end keeps the order")
{
    ring_buffer<int> rb;
    for (int i = 0; i < 8; ++i)
        rb.push_back(i); // fills the first 8 slots
    for (int i = 0; i < 5; ++i)
        CHECK(rb.pop_front() == i); // head now in the middle
    for (int i = 8; i < 30; ++i)
        rb.push_back(i); // wraps, then grows (twice) with a non-zero head
    REQUIRE(rb.size() == 25);
    for (int i = 5; i < 30; ++i)
        CHECK(rb.pop_front() == i);
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: operator[] indexes from the front")
{
    ring_buffer<int> rb;
    for (int i = 0; i < 6; ++i)
        rb.push_back(100 + i);
    for (int i = 0; i < 4; ++i)
        rb.pop_front(); // head at slot 4
    for (int i = 6; i < 12; ++i)
        rb.push_back(100 + i); // 8 elements, wrapped around the 8-slot array
    REQUIRE(rb.size() == 8);
    for (std::size_t i = 0; i < rb.size(); ++i) {
        CAPTURE(i);
        CHECK(rb[i] == static_cast<int>(104 + i));
    }
    CHECK(&rb[0] == &rb.front());

    rb[3] = -7; // writes through operator[] are seen by pops
    for (int i = 0; i < 3; ++i)
        rb.pop_front();
    CHECK(rb.front() == -7);
    CHECK(rb[0] == -7);
}

TEST_CASE("ring_buffer: const front")
{
    ring_buffer<std::string> rb;
    rb.push_back("a");
    rb.push_back("b");
    const ring_buffer<std::string>& view = rb;
    CHECK(view.front() == "a");
    CHECK(view.size() == 2);
    CHECK_FALSE(view.empty());
}

TEST_CASE("ring_buffer: pop resets the slot so it releases what it held")
{
    auto tracked = std::make_shared<int>(42);
    ring_buffer<std::shared_ptr<int>> rb;
    for (int i = 0; i < 5; ++i)
        rb.push_back(tracked);
    CHECK(tracked.use_count() == 6);

    std::shared_ptr<int> popped = rb.pop_front();
    CHECK(popped == tracked);
    CHECK(tracked.use_count() == 6); // moved out, not copied
    popped.reset();
    CHECK(tracked.use_count() == 5); // the slot no longer holds a reference

    for (int i = 0; i < 4; ++i)
        rb.pop_front(); // results discarded
    CHECK(tracked.use_count() == 1);
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: pushed values are moved in, growth moves without copies")
{
    auto tracked = std::make_shared<int>(7);
    ring_buffer<std::shared_ptr<int>> rb;
    std::shared_ptr<int> copy = tracked;
    rb.push_back(std::move(copy));
    CHECK(tracked.use_count() == 2);
    for (int i = 0; i < 100; ++i)
        rb.push_back(std::make_shared<int>(i)); // several growths
    CHECK(tracked.use_count() == 2); // not duplicated by growth
    CHECK(rb.front() == tracked);
    for (int i = 0; i < 100; ++i)
        CHECK(*rb[static_cast<std::size_t>(i) + 1] == i);
}

TEST_CASE("ring_buffer: move-only elements")
{
    ring_buffer<std::unique_ptr<int>> rb;
    for (int i = 0; i < 20; ++i)
        rb.push_back(std::make_unique<int>(i));
    for (int i = 0; i < 20; ++i) {
        std::unique_ptr<int> p = rb.pop_front();
        REQUIRE(p != nullptr);
        CHECK(*p == i);
    }
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: clear empties and releases, and the buffer stays usable")
{
    auto tracked = std::make_shared<int>(1);
    ring_buffer<std::shared_ptr<int>> rb;
    for (int i = 0; i < 20; ++i)
        rb.push_back(tracked);
    CHECK(tracked.use_count() == 21);
    rb.clear();
    CHECK(rb.empty());
    CHECK(rb.size() == 0);
    CHECK(tracked.use_count() == 1);

    for (int i = 0; i < 3; ++i)
        rb.push_back(std::make_shared<int>(i));
    for (int i = 0; i < 3; ++i)
        CHECK(*rb.pop_front() == i);
    CHECK(rb.empty());
}

TEST_CASE("ring_buffer: strings keep their values across wrap and growth")
{
    ring_buffer<std::string> rb;
    std::deque<std::string> model;
    for (int i = 0; i < 500; ++i) {
        std::string s = "message-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 50), 'x');
        rb.push_back(s);
        model.push_back(s);
        if (i % 3 == 2) {
            CHECK(rb.pop_front() == model.front());
            model.pop_front();
        }
    }
    REQUIRE(rb.size() == model.size());
    for (std::size_t i = 0; i < model.size(); ++i)
        CHECK(rb[i] == model[i]);
}

TEST_CASE("ring_buffer: shrink_if_empty gives back burst storage only when empty and larger than asked")
{
    ring_buffer<std::string> rb;
    for (int i = 0; i < 100; ++i)
        rb.push_back(std::to_string(i));
    CHECK(rb.capacity() == 128);
    rb.shrink_if_empty(64); // not empty: kept
    CHECK(rb.capacity() == 128);
    while (!rb.empty())
        rb.pop_front();
    rb.shrink_if_empty(128); // not larger than asked: kept
    CHECK(rb.capacity() == 128);
    rb.shrink_if_empty(64);
    CHECK(rb.capacity() == 0);
    for (int i = 0; i < 10; ++i) // usable again, in order
        rb.push_back(std::to_string(i));
    for (int i = 0; i < 10; ++i)
        CHECK(rb.pop_front() == std::to_string(i));
}

TEST_CASE("ring_buffer: push_front puts values first in line, across wrap-around and growth")
{
    ring_buffer<int> rb;
    rb.push_front(1); // empty: grows, then steps back over the start
    CHECK(rb.size() == 1);
    CHECK(rb.front() == 1);
    for (int i = 2; i <= 20; ++i) { // grows twice while the contents wrap
        if (i % 2 == 0)
            rb.push_front(-i);
        else
            rb.push_back(i);
    }
    std::vector<int> order;
    while (!rb.empty())
        order.push_back(rb.pop_front());
    const std::vector<int> expected{-20, -18, -16, -14, -12, -10, -8, -6, -4, -2, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19};
    CHECK(order == expected);
}
