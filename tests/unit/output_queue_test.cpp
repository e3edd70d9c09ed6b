// Unit tests for zmtp::wire::output_queue: coalescing, zero-copy large bodies, consume, swap.
#include "zmtp/wire/output_queue.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"
#include "zmtp/frame.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace zmtp_test;
using zmtp::frame;
using zmtp::wire::output_queue;

namespace {

std::vector<std::byte> flatten(const std::vector<std::span<const std::byte>>& buffers)
{
    std::vector<std::byte> out;
    for (auto b : buffers)
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

/// True when `p` points into the bytes of `f`.
bool points_into(const frame& f, const std::byte* p)
{
    return p >= f.data() && p < f.data() + f.size();
}

/// A multipart message: small frame, large (referenced) frame, small frame; plus the wire
/// bytes it must produce.
struct sample {
    frame small1{std::string_view("abc")};
    frame large{filler(5000, 5)};
    frame small2{std::string_view("hello")};
    std::vector<std::byte> wire = concat({bytes("01 03 'abc' 03 00 00 00 00 00 00 13 88"), filler(5000, 5),
                                          bytes("00 05 'hello'")});

    void append_to(output_queue& q) const
    {
        q.append_frame(small1, true);
        q.append_frame(large, true);
        q.append_frame(small2, false);
    }
};

} // namespace

TEST_CASE("output_queue: a new queue is empty")
{
    output_queue q;
    CHECK(q.empty());
    CHECK(q.size() == 0);
    CHECK(q.buffers().empty());
    q.append({});
    CHECK(q.empty());
    CHECK(q.buffers().empty());
    q.consume(0);
    CHECK(q.empty());
}

TEST_CASE("output_queue: small frames and headers coalesce into one buffer")
{
    output_queue q;
    q.append(bytes("04 07 04 'PING' 00 1e"));
    q.append_frame(frame(std::string_view("")), true);
    q.append_frame(frame(std::string_view("abc")), true);
    q.append_frame(frame(filler(1023)), false); // just under the threshold: copied
    const auto expected = concat({bytes("04 07 04 'PING' 00 1e 01 00 01 03 'abc' 02 00 00 00 00 00 00 03 ff"),
                                  filler(1023)});
    CHECK(q.size() == expected.size());
    CHECK_FALSE(q.empty());
    const auto& bufs = q.buffers();
    REQUIRE(bufs.size() == 1);
    CHECK(flatten(bufs) == expected);
}

TEST_CASE("output_queue: header forms for 0 - 255 and 256-byte bodies")
{
    output_queue q;
    q.append_frame(frame{}, false);
    q.append_frame(frame(filler(255)), true);
    q.append_frame(frame(filler(256)), false);
    CHECK(flatten(q.buffers())
          == concat({bytes("00 00 01 ff"), filler(255), bytes("02 00 00 00 00 00 00 01 00"), filler(256)}));
    CHECK(q.buffers().size() == 1);
}

TEST_CASE("output_queue: append_space stages bytes the caller fills, in order with the rest")
{
    output_queue q;
    q.append(bytes("04 05 04 'PONG'"));
    const std::span<std::byte> space = q.append_space(5);
    REQUIRE(space.size() == 5);
    const auto filled = bytes("00 03 'xyz'");
    std::copy(filled.begin(), filled.end(), space.begin());
    q.append_frame(frame(std::string_view("ab")), false);
    CHECK(q.size() == 7 + 5 + 4);
    REQUIRE(q.buffers().size() == 1); // one staged run: no extra gather-write piece
    CHECK(flatten(q.buffers()) == bytes("04 05 04 'PONG' 00 03 'xyz' 00 02 'ab'"));

    CHECK(q.append_space(0).empty());
    CHECK(q.size() == 16);

    // Space larger than the staging area so far: the queue grows, earlier bytes are kept.
    const std::span<std::byte> big = q.append_space(10000);
    REQUIRE(big.size() == 10000);
    const auto pattern = filler(10000, 3);
    std::copy(pattern.begin(), pattern.end(), big.begin());
    CHECK(flatten(q.buffers()) == concat({bytes("04 05 04 'PONG' 00 03 'xyz' 00 02 'ab'"), pattern}));

    // Consumed like any staged bytes; once all is gone the staging area is reused.
    q.consume(q.size());
    CHECK(q.empty());
    const std::span<std::byte> again = q.append_space(3);
    CHECK(again.data() == big.data() - 16);
}

TEST_CASE("output_queue: a large frame is referenced - not copied")
{
    REQUIRE(output_queue::reference_threshold == 4096);
    for (std::size_t n : {std::size_t{4096}, std::size_t{4097}, std::size_t{100000}}) {
        CAPTURE(n);
        const frame body(filler(n, 1));
        output_queue q;
        q.append_frame(body, false);
        CHECK(q.size() == 9 + n);
        const auto& bufs = q.buffers();
        REQUIRE(bufs.size() == 2);
        std::vector<std::byte> hdr(9);
        hdr[0] = std::byte{0x02};
        for (int i = 0; i < 8; ++i)
            hdr[static_cast<std::size_t>(8 - i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
        CHECK(std::vector<std::byte>(bufs[0].begin(), bufs[0].end()) == hdr);
        CHECK(bufs[1].data() == body.data()); // zero copy
        CHECK(bufs[1].size() == n);
    }

    // 4095 bytes: below the threshold, copied into the staging area.
    const frame small(filler(4095));
    output_queue q;
    q.append_frame(small, false);
    REQUIRE(q.buffers().size() == 1);
    CHECK_FALSE(points_into(small, q.buffers()[0].data()));
}

TEST_CASE("output_queue: the queue keeps a referenced frame alive")
{
    output_queue q;
    const std::byte* original = nullptr;
    {
        frame body(filler(5000, 9));
        original = body.data();
        q.append_frame(body, false);
    } // the caller's frame is gone; the queue still holds a reference to the block
    const auto& bufs = q.buffers();
    REQUIRE(bufs.size() == 2);
    CHECK(bufs[1].data() == original);
    CHECK(std::vector<std::byte>(bufs[1].begin(), bufs[1].end()) == filler(5000, 9));
}

TEST_CASE("output_queue: multipart message concatenates to the expected wire bytes")
{
    const sample s;
    output_queue q;
    s.append_to(q);
    CHECK(q.size() == s.wire.size());
    const auto& bufs = q.buffers();
    // [flags+abc+large header] [large body] [small header+hello]
    REQUIRE(bufs.size() == 3);
    CHECK(bufs[0].size() == 2 + 3 + 9);
    CHECK(bufs[1].data() == s.large.data());
    CHECK(bufs[2].size() == 7);
    CHECK(flatten(bufs) == s.wire);

    // Two large frames in a row: their headers are separate staged pieces.
    output_queue q2;
    const frame a(filler(5000, 1));
    const frame b(filler(6000, 2));
    q2.append_frame(a, true);
    q2.append_frame(b, false);
    const auto& b2 = q2.buffers();
    REQUIRE(b2.size() == 4);
    CHECK(b2[1].data() == a.data());
    CHECK(b2[3].data() == b.data());
    CHECK(flatten(b2) == concat({bytes("03 00 00 00 00 00 00 13 88"), filler(5000, 1),
                                 bytes("02 00 00 00 00 00 00 17 70"), filler(6000, 2)}));
}

TEST_CASE("output_queue: consume partially - then buffers() is exactly the rest")
{
    const sample s;
    // Every consume count, in one step.
    for (std::size_t k = 0; k <= s.wire.size(); ++k) {
        CAPTURE(k);
        output_queue q;
        s.append_to(q);
        q.consume(k);
        CHECK(q.size() == s.wire.size() - k);
        CHECK(q.empty() == (k == s.wire.size()));
        const auto rest = flatten(q.buffers());
        REQUIRE(rest.size() == s.wire.size() - k);
        CHECK(std::equal(rest.begin(), rest.end(), s.wire.begin() + static_cast<std::ptrdiff_t>(k)));
        // No empty buffers are handed out.
        for (auto b : q.buffers())
            CHECK_FALSE(b.empty());
    }
}

TEST_CASE("output_queue: consume inside the referenced piece keeps pointing at the frame")
{
    const sample s;
    output_queue q;
    s.append_to(q);
    q.consume(14 + 10); // the first staged piece and 10 bytes of the large body
    const auto& bufs = q.buffers();
    REQUIRE(bufs.size() == 2);
    CHECK(bufs[0].data() == s.large.data() + 10);
    CHECK(bufs[0].size() == 4990);
    CHECK(flatten(bufs) == std::vector<std::byte>(s.wire.begin() + 24, s.wire.end()));

    q.consume(4990 + 3);
    REQUIRE(q.buffers().size() == 1);
    CHECK(flatten(q.buffers()) == bytes("'ello'"));
    q.consume(4);
    CHECK(q.empty());
    CHECK(q.buffers().empty());

    // The drained queue is reusable.
    q.append_frame(frame(std::string_view("x")), false);
    CHECK(flatten(q.buffers()) == bytes("00 01 'x'"));
}

TEST_CASE("output_queue: consume in steps with appends in between")
{
    const sample s;
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{100}, std::size_t{1000}}) {
        CAPTURE(step);
        output_queue q;
        std::vector<std::byte> expected; // bytes appended and not yet consumed
        std::size_t round = 0;
        s.append_to(q);
        expected = s.wire;
        while (!expected.empty()) {
            const std::size_t n = std::min(step, expected.size());
            q.consume(n);
            expected.erase(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(n));
            if (round < 3 && expected.size() < s.wire.size() / 2) {
                // Append more while a write would be in flight: lands after the rest.
                s.append_to(q);
                expected.insert(expected.end(), s.wire.begin(), s.wire.end());
                q.append(bytes("04 05 04 'PING'"));
                const auto ping = bytes("04 05 04 'PING'");
                expected.insert(expected.end(), ping.begin(), ping.end());
                ++round;
            }
            REQUIRE(q.size() == expected.size());
            REQUIRE(flatten(q.buffers()) == expected);
        }
        CHECK(round == 3);
        CHECK(q.empty());
    }
}

TEST_CASE("output_queue: swap exchanges contents")
{
    const sample s;
    output_queue a;
    output_queue b;
    s.append_to(a);
    a.consume(14 + 5); // past the first piece, into the large body
    b.append(bytes("04 05 04 'PING'"));

    a.swap(b);
    CHECK(a.size() == 7);
    CHECK(flatten(a.buffers()) == bytes("04 05 04 'PING'"));
    CHECK(b.size() == s.wire.size() - 19);
    CHECK(flatten(b.buffers()) == std::vector<std::byte>(s.wire.begin() + 19, s.wire.end()));
    REQUIRE(b.buffers().size() == 2);
    CHECK(b.buffers()[0].data() == s.large.data() + 5);
    CHECK(b.buffers()[1].size() == 7);

    // Swap with an empty queue: the double-buffering pattern of the connection.
    output_queue writing;
    writing.swap(b);
    CHECK(b.empty());
    CHECK(b.buffers().empty());
    CHECK(flatten(writing.buffers()) == std::vector<std::byte>(s.wire.begin() + 19, s.wire.end()));
    b.append_frame(frame(std::string_view("next")), false);
    CHECK(flatten(b.buffers()) == bytes("00 04 'next'"));
    // Buffers handed out by `writing` stay valid while `b` grows.
    const auto before = writing.buffers();
    for (int i = 0; i < 100; ++i)
        b.append_frame(frame(filler(500)), true);
    CHECK(flatten(before) == std::vector<std::byte>(s.wire.begin() + 19, s.wire.end()));
    writing.consume(writing.size());
    CHECK(writing.empty());

    // Both non-empty with consumed prefixes, swapped back and forth.
    output_queue x;
    output_queue y;
    s.append_to(x);
    s.append_to(y);
    y.append(bytes("00 01 'y'"));
    x.consume(14 + 5000); // only the last staged piece is left
    y.consume(3);
    x.swap(y);
    CHECK(flatten(x.buffers()) == concat({std::span(s.wire).subspan(3), bytes("00 01 'y'")}));
    CHECK(flatten(y.buffers()) == bytes("00 05 'hello'"));
    y.swap(x);
    y.swap(x);
    CHECK(flatten(y.buffers()) == bytes("00 05 'hello'"));
    x.consume(x.size());
    y.consume(y.size());
    CHECK(x.empty());
    CHECK(y.empty());
}

TEST_CASE("output_queue: buffers(max_pieces) lists only the first pieces - writing them in turn sends every byte")
{
    // Ten referenced 4 KiB frames of one message: a staged header piece and a body piece each.
    REQUIRE(output_queue::reference_threshold == 4096);
    output_queue q;
    std::vector<std::byte> wire;
    for (unsigned char i = 0; i < 10; ++i) {
        const auto body = filler(4096, i);
        q.append_frame(frame(std::span<const std::byte>(body)), i < 9);
        const auto header = bytes(i < 9 ? "03 0000000000001000" : "02 0000000000001000"); // LONG (+MORE), 4096
        wire.insert(wire.end(), header.begin(), header.end());
        wire.insert(wire.end(), body.begin(), body.end());
    }
    CHECK(q.buffers().size() == 20);
    std::vector<std::byte> sent;
    while (!q.empty()) {
        const std::size_t all = q.buffers().size();
        REQUIRE(q.buffers(3).size() == std::min<std::size_t>(3, all));
        const auto part = flatten(q.buffers(3));
        sent.insert(sent.end(), part.begin(), part.end());
        q.consume(part.size());
    }
    CHECK(sent == wire);
}
