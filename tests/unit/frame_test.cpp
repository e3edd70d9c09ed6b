// Unit tests for zmtp::frame, zmtp::message and zmtp::detail::small_vector.
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/detail/small_vector.hpp"

#include <doctest/doctest.h>

#include "test_bytes.hpp"

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::vector<int>> {
    static String convert(const std::vector<int>& v)
    {
        std::string s = "{";
        for (std::size_t i = 0; i < v.size(); ++i)
            s += (i ? ", " : "") + std::to_string(v[i]);
        return (s + "}").c_str();
    }
};
} // namespace doctest

using namespace zmtp_test;
using zmtp::frame;
using zmtp::message;

namespace {

/// True when `p` points inside the object `obj` (i.e. the bytes are stored inline).
template <class T>
bool points_inside(const T& obj, const void* p)
{
    const auto* begin = reinterpret_cast<const unsigned char*>(&obj);
    const auto* q = static_cast<const unsigned char*>(p);
    return q >= begin && q < begin + sizeof(T);
}

std::string pattern(std::size_t n, char first = 'a')
{
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>(first + static_cast<char>(i % 26));
    return s;
}

/// Counts live instances, to catch leaks and double destruction in small_vector.
struct live_counted {
    static inline int live = 0;
    int value = 0;
    explicit live_counted(int v) : value(v) { ++live; }
    live_counted(const live_counted& o) : value(o.value) { ++live; }
    live_counted(live_counted&& o) noexcept : value(o.value)
    {
        o.value = -1;
        ++live;
    }
    live_counted& operator=(const live_counted& o) = default;
    live_counted& operator=(live_counted&& o) noexcept
    {
        value = o.value;
        o.value = -1;
        return *this;
    }
    ~live_counted() { --live; }
};

template <class V>
std::vector<int> values(const V& v)
{
    std::vector<int> out;
    for (const live_counted& t : v)
        out.push_back(t.value);
    return out;
}

} // namespace

// --- frame --------------------------------------------------------------------

TEST_CASE("frame: default frame is empty and inline")
{
    frame f;
    CHECK(f.size() == 0);
    CHECK(f.empty());
    CHECK(f.is_inline());
    CHECK(f.view().empty());
    CHECK(f.bytes().empty());
    CHECK(f.to_string().empty());
    CHECK(f == frame(std::string_view("")));
    CHECK(frame(std::span<const std::byte>{}).empty());
}

TEST_CASE("frame: holds a copy of its bytes")
{
    std::vector<std::byte> src = bytes("00 01 7f 80 ff");
    frame f(src);
    src[0] = std::byte{0x55}; // the frame must not see later writes to the source
    CHECK(f.size() == 5);
    CHECK(std::vector<std::byte>(f.bytes().begin(), f.bytes().end()) == bytes("00 01 7f 80 ff"));
    CHECK(f.data() != src.data());

    frame t(std::string_view("hello"));
    CHECK(t.size() == 5);
    CHECK(t.view() == "hello");
    CHECK(t.to_string() == "hello");
    CHECK(t == "hello");
    CHECK_FALSE(t == "hell");
}

TEST_CASE("frame: inline boundary at 40 and 41 bytes")
{
    REQUIRE(frame::inline_capacity == 40);
    const std::string s40 = pattern(40);
    const std::string s41 = pattern(41);

    frame f40(s40);
    CHECK(f40.size() == 40);
    CHECK(f40.is_inline());
    CHECK(points_inside(f40, f40.data()));
    CHECK(f40.view() == s40);

    frame f41(s41);
    CHECK(f41.size() == 41);
    CHECK_FALSE(f41.is_inline());
    CHECK_FALSE(points_inside(f41, f41.data()));
    CHECK(f41.view() == s41);

    // Copies of an inline frame have their own bytes.
    frame c40 = f40;
    CHECK(c40 == f40);
    CHECK(c40.data() != f40.data());
    CHECK(points_inside(c40, c40.data()));
}

TEST_CASE("frame: copies of a large frame share the block")
{
    const std::string s = pattern(1000);
    frame a(s);
    frame b = a;         // copy construction
    frame c;
    c = a;               // copy assignment
    CHECK(b.data() == a.data());
    CHECK(c.data() == a.data());
    CHECK(b.size() == 1000);
    CHECK(c.view() == s);

    // Writes through data() are seen by every copy (documented).
    a.data()[0] = std::byte{'Z'};
    CHECK(b.view()[0] == 'Z');
    CHECK(c.view()[0] == 'Z');

    // The block outlives the original.
    {
        frame d(pattern(500, 'A'));
        b = d;
        CHECK(b.data() == d.data());
    }
    CHECK(b.view() == pattern(500, 'A'));
    CHECK(c.view()[0] == 'Z');
    CHECK(c.view().substr(1) == s.substr(1));
}

TEST_CASE("frame: with_size gives a writable body of the requested size")
{
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{40}, std::size_t{41}, std::size_t{4096}}) {
        CAPTURE(n);
        frame f = frame::with_size(n);
        CHECK(f.size() == n);
        CHECK(f.is_inline() == (n <= 40));
        for (std::size_t i = 0; i < n; ++i)
            f.data()[i] = static_cast<std::byte>(i & 0xFF);
        for (std::size_t i = 0; i < n; ++i)
            REQUIRE(f.bytes()[i] == static_cast<std::byte>(i & 0xFF));
    }
}

// Huge sizes must throw std::bad_alloc, never return a frame that claims more bytes than
// it owns. (Guarded under AddressSanitizer for the sizes that reach operator new, since ASan
// aborts on an oversized allocation instead of throwing unless allocator_may_return_null=1.)
#ifndef ZMTP_TEST_ASAN
TEST_CASE("frame: with_size of an impossible size throws bad_alloc")
{
    CHECK_THROWS_AS((void)frame::with_size(std::size_t{1} << 62), std::bad_alloc);
    CHECK_THROWS_AS((void)frame::with_size(std::numeric_limits<std::size_t>::max() / 2),
                    std::bad_alloc);
}

// Regression: sizeof(shared_block) + size once wrapped around near SIZE_MAX and allocated
// a tiny block for a huge frame (the libzmq issue 1488 class).
TEST_CASE("frame: with_size near SIZE_MAX throws bad_alloc instead of wrapping")
{
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    for (std::size_t n : {max, max - 1}) {
        CAPTURE(n);
        bool threw = false;
        try {
            frame f = frame::with_size(n);
            // Reaching here is the bug: f claims n bytes but owns only a few.
            CHECK(f.size() != n);
        } catch (const std::bad_alloc&) {
            threw = true;
        }
        CHECK(threw);
    }
}
#endif // ZMTP_TEST_ASAN

TEST_CASE("frame: moves leave the source empty")
{
    SUBCASE("inline move construction")
    {
        frame a(std::string_view("abc"));
        frame b(std::move(a));
        CHECK(b == "abc");
        CHECK(a.empty()); // NOLINT(bugprone-use-after-move): documented moved-from state
        CHECK(a.size() == 0);
    }
    SUBCASE("large move construction keeps the block")
    {
        frame a(pattern(100));
        const std::byte* p = a.data();
        frame b(std::move(a));
        CHECK(b.data() == p);
        CHECK(b.view() == pattern(100));
        CHECK(a.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(a.is_inline());
    }
    SUBCASE("move assignment over a large frame")
    {
        frame a(pattern(100));
        frame keep = a; // keeps a's old block alive through another reference
        frame b(pattern(200, 'A'));
        const std::byte* p = b.data();
        a = std::move(b);
        CHECK(a.data() == p);
        CHECK(a.view() == pattern(200, 'A'));
        CHECK(b.empty()); // NOLINT(bugprone-use-after-move)
        CHECK(keep.view() == pattern(100));
    }
    SUBCASE("move assignment of inline over large and large over inline")
    {
        frame a(pattern(100));
        frame b(std::string_view("xy"));
        a = std::move(b);
        CHECK(a == "xy");
        CHECK(a.is_inline());
        CHECK(b.empty()); // NOLINT(bugprone-use-after-move)

        frame c(pattern(77));
        a = std::move(c);
        CHECK(a.view() == pattern(77));
        CHECK(c.empty()); // NOLINT(bugprone-use-after-move)
        // A moved-from frame is reusable.
        c = frame(std::string_view("again"));
        CHECK(c == "again");
    }
}

TEST_CASE("frame: self-assignment keeps the contents")
{
    frame small(std::string_view("small"));
    frame large(pattern(300));
    const std::byte* p = large.data();

    frame& small_alias = small;
    frame& large_alias = large;
    small = small_alias;
    large = large_alias;
    CHECK(small == "small");
    CHECK(large.view() == pattern(300));
    CHECK(large.data() == p);

    small = std::move(small_alias);
    large = std::move(large_alias);
    CHECK(small == "small");
    CHECK(large.view() == pattern(300));
    CHECK(large.data() == p);
}

TEST_CASE("frame: equality compares contents")
{
    CHECK(frame(std::string_view("abc")) == frame(std::string_view("abc")));
    CHECK_FALSE(frame(std::string_view("abc")) == frame(std::string_view("abd")));
    CHECK_FALSE(frame(std::string_view("abc")) == frame(std::string_view("ab")));
    CHECK_FALSE(frame(std::string_view("")) == frame(std::string_view("a")));
    CHECK(frame(pattern(500)) == frame(pattern(500)));
    CHECK_FALSE(frame(pattern(500)) == frame(pattern(501)));
    std::string other = pattern(500);
    other[499] = '!';
    CHECK_FALSE(frame(pattern(500)) == frame(other));
    // Embedded zero bytes count.
    CHECK_FALSE(frame(bytes("00 00")) == frame(bytes("00")));
    CHECK(frame(bytes("00 00")) == std::string_view("\0\0", 2));
}

// --- frame::adopt -------------------------------------------------------------

namespace {

/// What a release_fn saw: how many calls, with which data, hint and on which thread.
struct release_record {
    std::atomic<int> calls{0};
    void* data = nullptr;
    void* hint = nullptr;
    std::thread::id thread;
};

/// A release_fn for frame::adopt: records into the release_record given as the hint.
void record_release(void* data, void* hint)
{
    auto* r = static_cast<release_record*>(hint);
    r->data = data;
    r->hint = hint;
    r->thread = std::this_thread::get_id();
    r->calls.fetch_add(1);
}

std::vector<std::byte> byte_pattern(std::size_t n)
{
    const std::string s = pattern(n);
    const auto b = std::as_bytes(std::span(s.data(), s.size()));
    return {b.begin(), b.end()};
}

} // namespace

TEST_CASE("frame::adopt: a large buffer is the body, released once after the last copy")
{
    std::vector<std::byte> buffer = byte_pattern(1000);
    release_record r;
    {
        frame a = frame::adopt(buffer.data(), buffer.size(), record_release, &r);
        CHECK(a.size() == 1000);
        CHECK_FALSE(a.is_inline());
        CHECK(a.data() == buffer.data()); // the caller's bytes, not a copy
        CHECK(a.view() == pattern(1000));
        // Writes through data() go to the caller's buffer (documented, as libzmq).
        a.data()[0] = std::byte{'Z'};
        CHECK(buffer[0] == std::byte{'Z'});

        frame b = a;     // copy construction
        frame c;
        c = b;           // copy assignment
        frame d(std::move(a));
        CHECK(d.data() == buffer.data());
        message m;
        m.push_back(c);
        m.push_back(std::string_view("tail"));
        message m2 = m;  // copies share the block
        {
            message m3 = std::move(m2);
            frame e = m3[0];
            CHECK(e.data() == buffer.data());
        }
        b = frame(std::string_view("other")); // assigning over a copy drops one reference
        c = frame(pattern(100));
        CHECK(r.calls == 0);
        d = frame{};                         // still held by m
        CHECK(r.calls == 0);
        CHECK(m[0].data() == buffer.data());
        CHECK(m[0].view().substr(1) == pattern(1000).substr(1));
        m.clear();                           // the last copy
        CHECK(r.calls == 1);
    }
    CHECK(r.calls == 1);
    CHECK(r.data == buffer.data());
    CHECK(r.hint == &r);
    CHECK(r.thread == std::this_thread::get_id());
}

TEST_CASE("frame::adopt: the last copy released by move assignment or a moved-to frame")
{
    std::vector<std::byte> buffer = byte_pattern(64);
    release_record r;
    frame a = frame::adopt(buffer.data(), buffer.size(), record_release, &r);
    frame b = std::move(a);
    a = frame{}; // a moved-from frame holds nothing
    CHECK(r.calls == 0);
    b = frame::adopt(buffer.data(), buffer.size(), nullptr, nullptr); // over the last copy
    CHECK(r.calls == 1);
    CHECK(b.data() == buffer.data());
}

TEST_CASE("frame::adopt: a buffer of at most inline_capacity bytes is copied and released at once")
{
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{39}, std::size_t{40}}) {
        CAPTURE(n);
        std::vector<std::byte> buffer = byte_pattern(n);
        release_record r;
        frame f = frame::adopt(buffer.data(), n, record_release, &r);
        CHECK(r.calls == 1); // already released when adopt returns
        CHECK(r.data == buffer.data());
        CHECK(r.hint == &r);
        CHECK(f.is_inline());
        CHECK(f.size() == n);
        CHECK(points_inside(f, f.data()));
        CHECK(f.view() == pattern(n));
        if (n > 0)
            buffer[0] = std::byte{'!'}; // the frame has its own copy
        CHECK(f.view() == pattern(n));
        frame copy = f;
        f = frame{};
        copy = frame{};
        CHECK(r.calls == 1);
    }
    // One past the boundary is referenced, not copied.
    std::vector<std::byte> buffer = byte_pattern(41);
    release_record r;
    {
        frame f = frame::adopt(buffer.data(), 41, record_release, &r);
        CHECK(r.calls == 0);
        CHECK(f.data() == buffer.data());
    }
    CHECK(r.calls == 1);
    // An empty buffer may be null.
    frame empty = frame::adopt(nullptr, 0, record_release, &r);
    CHECK(empty.empty());
    CHECK(r.calls == 2);
    CHECK(r.data == nullptr);
}

TEST_CASE("frame::adopt: a null release function refers to the buffer and calls nothing")
{
    std::vector<std::byte> buffer = byte_pattern(500);
    {
        frame f = frame::adopt(buffer.data(), buffer.size(), nullptr);
        frame copy = f;
        CHECK(copy.data() == buffer.data());
        CHECK(f.view() == pattern(500));
    }
    CHECK(buffer == byte_pattern(500)); // untouched, still the caller's

    frame small = frame::adopt(buffer.data(), 10, nullptr);
    CHECK(small.is_inline());
    CHECK(small.view() == pattern(10));
}

TEST_CASE("frame::adopt: a callable release, move-only and owning the buffer")
{
    struct owner {
        std::unique_ptr<std::vector<std::byte>> buffer;
        int* calls;
        int* destroyed;
        owner(std::unique_ptr<std::vector<std::byte>> b, int* c, int* d) : buffer(std::move(b)), calls(c), destroyed(d) {}
        owner(owner&& o) noexcept : buffer(std::move(o.buffer)), calls(o.calls), destroyed(o.destroyed) {}
        ~owner()
        {
            if (buffer)
                ++*destroyed; // only the one that holds the buffer counts
        }
        void operator()() const
        {
            CHECK(buffer != nullptr);
            ++*calls;
        }
    };
    for (std::size_t n : {std::size_t{40}, std::size_t{4096}}) {
        CAPTURE(n);
        int calls = 0;
        int destroyed = 0;
        auto buffer = std::make_unique<std::vector<std::byte>>(byte_pattern(n));
        const std::span<std::byte> body(*buffer); // before the buffer moves into the owner
        std::byte* const p = body.data();
        {
            frame f = frame::adopt(body, owner(std::move(buffer), &calls, &destroyed));
            CHECK(f.size() == n);
            CHECK(f.view() == pattern(n));
            if (n <= frame::inline_capacity) {
                CHECK(calls == 1); // copied, released (and destroyed) at once
                CHECK(destroyed == 1);
            } else {
                CHECK(f.data() == p);
                frame copy = f;
                f = frame{};
                CHECK(calls == 0);
                CHECK(destroyed == 0);
                CHECK(copy.view() == pattern(n));
            }
        }
        CHECK(calls == 1);
        CHECK(destroyed == 1);
    }

    // A std::shared_ptr holder: the buffer lives exactly as long as some copy does.
    auto holder = std::make_shared<std::vector<std::byte>>(byte_pattern(300));
    std::weak_ptr<std::vector<std::byte>> watch = holder;
    const std::span<std::byte> body(*holder);
    frame f = frame::adopt(body, [h = std::move(holder)] {});
    frame copy = f;
    f = frame{};
    CHECK_FALSE(watch.expired());
    CHECK(copy.view() == pattern(300));
    copy = frame{};
    CHECK(watch.expired());
}

TEST_CASE("frame::adopt: released on the thread that drops the last copy")
{
    std::vector<std::byte> buffer = byte_pattern(256);
    release_record r;
    frame f = frame::adopt(buffer.data(), buffer.size(), record_release, &r);
    std::thread::id other;
    std::thread t([g = f, &other]() mutable {
        other = std::this_thread::get_id();
        CHECK(g.data() != nullptr);
    });
    f = frame{}; // the thread's copy may or may not be gone yet
    t.join();    // now it is: whoever dropped last released
    CHECK(r.calls == 1);

    release_record r2;
    frame h = frame::adopt(buffer.data(), buffer.size(), record_release, &r2);
    std::thread t2([g = std::move(h), &other]() mutable {
        other = std::this_thread::get_id();
        g = frame{}; // the last (only) copy, dropped here
    });
    t2.join();
    CHECK(r2.calls == 1);
    CHECK(r2.thread == other);
    CHECK(r2.thread != std::this_thread::get_id());
}

TEST_CASE("frame::adopt: copies dropped concurrently release exactly once")
{
    std::vector<std::byte> buffer = byte_pattern(100);
    constexpr int rounds = 200;
    constexpr int threads = 4;
    constexpr int copies = 50;
    for (int round = 0; round < rounds; ++round) {
        release_record r;
        std::vector<std::thread> pool;
        {
            frame f = frame::adopt(buffer.data(), buffer.size(), record_release, &r);
            for (int i = 0; i < threads; ++i) {
                pool.emplace_back([f] {
                    std::vector<frame> mine(copies, f);
                    for (frame& g : mine) {
                        frame moved = std::move(g);
                        frame again = moved;
                    }
                });
            }
        }
        for (std::thread& t : pool)
            t.join();
        REQUIRE(r.calls == 1);
    }
}

// --- message ------------------------------------------------------------------

TEST_CASE("message: initializer list")
{
    message m{"", "hello", "world!"};
    REQUIRE(m.size() == 3);
    CHECK_FALSE(m.empty());
    CHECK(m[0].empty());
    CHECK(m[1] == "hello");
    CHECK(m[2] == "world!");
    CHECK(m.front().empty());
    CHECK(m.back() == "world!");
    CHECK(m.total_size() == 11);

    message empty;
    CHECK(empty.empty());
    CHECK(empty.size() == 0);
    CHECK(empty.total_size() == 0);
    CHECK(empty.begin() == empty.end());
}

TEST_CASE("message: push_back - push_front and erase_front")
{
    message m;
    m.push_back(std::string_view("body"));
    frame& id = m.push_front(frame(std::string_view("id")));
    CHECK(id == "id");
    m.push_back(frame(std::string_view("tail")));
    REQUIRE(m.size() == 3);
    CHECK(m == message{"id", "body", "tail"});

    m.erase_front();
    CHECK(m == message{"body", "tail"});
    m.erase_front(0);
    CHECK(m == message{"body", "tail"});
    m.erase_front(5); // more than size(): removes all
    CHECK(m.empty());
    m.erase_front(); // on an empty message: no-op
    CHECK(m.empty());

    m.push_back(std::string_view("x"));
    m.clear();
    CHECK(m.empty());
}

TEST_CASE("message: more than 4 frames spill to the heap in order")
{
    REQUIRE(message::inline_frames == 4);
    message m;
    for (int i = 0; i < 10; ++i)
        m.push_back(std::string_view(std::to_string(i)));
    REQUIRE(m.size() == 10);
    for (int i = 0; i < 10; ++i)
        CHECK(m[static_cast<std::size_t>(i)] == std::to_string(i));

    // push_front on a full inline message spills too.
    message r{"a", "b", "c", "d"};
    r.push_front(frame(std::string_view("id")));
    CHECK(r == message{"id", "a", "b", "c", "d"});
    r.erase_front(2);
    CHECK(r == message{"b", "c", "d"});

    int n = 0;
    for (const frame& f : m)
        CHECK(f == std::to_string(n++));
    CHECK(n == 10);
}

TEST_CASE("message: copies and moves of inline and spilled messages")
{
    const std::string big = pattern(100);
    for (std::size_t frames : {std::size_t{3}, std::size_t{4}, std::size_t{5}, std::size_t{9}}) {
        CAPTURE(frames);
        message m;
        for (std::size_t i = 0; i < frames; ++i)
            m.push_back(i % 2 == 0 ? std::string_view(big) : std::string_view("s"));

        message copy = m;
        CHECK(copy == m);
        CHECK(copy.size() == frames);
        // Large frames are shared, not duplicated; the frame objects themselves differ.
        CHECK(copy[0].data() == m[0].data());
        CHECK(&copy[0] != &m[0]);

        message assigned{"old"};
        assigned = m;
        CHECK(assigned == m);

        const frame* first = &m[0];
        const std::byte* body = m[0].data();
        message moved = std::move(m);
        CHECK(moved.size() == frames);
        CHECK(moved == copy);
        CHECK(moved[0].data() == body);
        if (frames > message::inline_frames)
            CHECK(&moved[0] == first); // the heap array is stolen, not copied
        CHECK(m.empty()); // NOLINT(bugprone-use-after-move)

        message target{"x", "y", "z", "w", "v", "u"};
        target = std::move(moved);
        CHECK(target == copy);
        CHECK(moved.empty()); // NOLINT(bugprone-use-after-move)

        // A moved-from message is reusable.
        moved.push_back(std::string_view("again"));
        CHECK(moved == message{"again"});
    }
}

TEST_CASE("message: equality")
{
    CHECK(message{"a", "b"} == message{"a", "b"});
    CHECK_FALSE(message{"a", "b"} == message{"a", "c"});
    CHECK_FALSE(message{"a", "b"} == message{"a"});
    CHECK_FALSE(message{"ab"} == message{"a", "b"});
    CHECK(message{} == message{});
    CHECK_FALSE(message{""} == message{});
}

// --- small_vector ---------------------------------------------------------------

TEST_CASE("small_vector: emplace in the middle - inline and spilling")
{
    live_counted::live = 0;
    {
        zmtp::detail::small_vector<live_counted, 4> v;
        v.emplace_back(1);
        v.emplace_back(2);
        v.emplace_back(4);
        live_counted& t = v.emplace(v.begin() + 2, 3);
        CHECK(t.value == 3);
        CHECK(&t == &v[2]);
        CHECK(values(v) == std::vector<int>{1, 2, 3, 4});
        CHECK(v.capacity() == 4);

        // Full: emplacing at the front spills to the heap.
        live_counted& f = v.emplace(v.begin(), 0);
        CHECK(f.value == 0);
        CHECK(&f == &v[0]);
        CHECK(values(v) == std::vector<int>{0, 1, 2, 3, 4});
        CHECK(v.capacity() >= 5);

        v.emplace(v.end(), 5);
        v.emplace(v.begin() + 3, 99);
        CHECK(values(v) == std::vector<int>{0, 1, 2, 99, 3, 4, 5});
        CHECK(live_counted::live == 7);
    }
    CHECK(live_counted::live == 0);
}

TEST_CASE("small_vector: erase a range")
{
    live_counted::live = 0;
    {
        zmtp::detail::small_vector<live_counted, 4> v;
        for (int i = 0; i < 8; ++i)
            v.emplace_back(i);
        v.erase(v.begin() + 2, v.begin() + 5);
        CHECK(values(v) == std::vector<int>{0, 1, 5, 6, 7});
        CHECK(live_counted::live == 5);

        v.erase(v.end() - 2, v.end());
        CHECK(values(v) == std::vector<int>{0, 1, 5});

        v.erase(v.begin(), v.end());
        CHECK(v.empty());
        CHECK(live_counted::live == 0);

        v.emplace_back(42);
        v.pop_back();
        CHECK(v.empty());
    }
    CHECK(live_counted::live == 0);

    {
        zmtp::detail::small_vector<live_counted, 4> v;
        v.emplace_back(1);
        v.emplace_back(2);
        v.emplace_back(3);
        v.erase(v.begin(), v.begin() + 1);
        CHECK(values(v) == std::vector<int>{2, 3});
    }
    CHECK(live_counted::live == 0);
}

// Regression: erase(first, first) once self-move-assigned every later element.
TEST_CASE("small_vector: erasing an empty range changes nothing")
{
    live_counted::live = 0;
    {
        zmtp::detail::small_vector<live_counted, 4> v;
        for (int i = 0; i < 5; ++i)
            v.emplace_back(i);
        v.erase(v.begin() + 1, v.begin() + 1);
        CHECK(values(v) == std::vector<int>{0, 1, 2, 3, 4});
        v.erase(v.end(), v.end());
        CHECK(values(v) == std::vector<int>{0, 1, 2, 3, 4});
        CHECK(live_counted::live == 5);
    }
    CHECK(live_counted::live == 0);
}

TEST_CASE("small_vector: copy - move and assignment keep elements and counts")
{
    live_counted::live = 0;
    {
        zmtp::detail::small_vector<live_counted, 2> inl;
        inl.emplace_back(1);
        zmtp::detail::small_vector<live_counted, 2> heap;
        for (int i = 0; i < 5; ++i)
            heap.emplace_back(10 + i);

        auto c1 = inl;
        auto c2 = heap;
        CHECK(values(c1) == std::vector<int>{1});
        CHECK(values(c2) == std::vector<int>{10, 11, 12, 13, 14});

        c1 = heap; // inline <- heap
        CHECK(values(c1) == values(heap));
        c2 = inl;  // heap <- inline
        CHECK(values(c2) == std::vector<int>{1});

        const live_counted* heap_data = heap.data();
        auto m = std::move(heap);
        CHECK(m.data() == heap_data);
        CHECK(heap.empty()); // NOLINT(bugprone-use-after-move)
        heap.emplace_back(7);  // moved-from vector is usable (and inline again)
        CHECK(values(heap) == std::vector<int>{7});

        auto& self = m;
        m = self;
        CHECK(values(m) == std::vector<int>{10, 11, 12, 13, 14});
        m = std::move(self);
        CHECK(values(m) == std::vector<int>{10, 11, 12, 13, 14});

        m.clear();
        CHECK(m.empty());
        CHECK(live_counted::live == 1 + 5 + 1 + 1); // inl, c1, c2, heap
    }
    CHECK(live_counted::live == 0);
}

// Regression: growing before constructing once read a moved-from element for
// v.emplace_back(v[0]).
TEST_CASE("small_vector: emplace_back of one of its own elements when full")
{
    zmtp::detail::small_vector<std::string, 2> v;
    const std::string first(64, 'x'); // long enough to live on the heap (not SSO)
    v.emplace_back(first);
    v.emplace_back("second");
    REQUIRE(v.size() == v.capacity()); // the next emplace_back must grow
    v.emplace_back(v[0]);
    REQUIRE(v.size() == 3);
    CHECK(v[0] == first);
    CHECK(v[2] == first);
}

TEST_CASE("message: push_front relocates shared frames without copying their bodies")
{
    const std::string big(100, 'b'); // over inline_capacity: a shared block
    message m;
    m.push_back(frame(std::string_view(big)));
    m.push_back(std::string_view("tail"));
    const frame* body_before = &m[0];
    const std::byte* bytes_before = m[0].data();
    m.push_front(frame(std::string_view(big + "-id")));
    REQUIRE(m.size() == 3);
    CHECK(m[0] == big + "-id");
    CHECK(m[1] == big);
    CHECK(m[1].data() == bytes_before); // the same block, moved up one slot
    CHECK(&m[1] == body_before + 1);
    CHECK(m[2] == "tail");

    message copy = m; // shares the blocks; both must stay valid after m goes away
    m.clear();
    CHECK(copy == message{big + "-id", big, "tail"});
}

// --- frame::slice -----------------------------------------------------------------

TEST_CASE("frame::slice: a large part shares the buffer - a small one is copied inline")
{
    const std::string s = pattern(1000);
    frame whole(s);
    const frame middle = whole.slice(100, 500);
    CHECK(middle.size() == 500);
    CHECK_FALSE(middle.is_inline());
    CHECK(middle.data() == whole.data() + 100); // no copy
    CHECK(middle.view() == s.substr(100, 500));
    CHECK(whole.slice(0, 1000).data() == whole.data());
    CHECK(whole.slice(959, 41).view() == s.substr(959)); // the smallest shared part, at the end

    // Shared as a copy is: writes are seen by both, and the buffer outlives the original.
    whole.data()[100] = std::byte{'Z'};
    CHECK(middle.view()[0] == 'Z');
    whole = frame{};
    CHECK(middle.view().substr(1) == s.substr(101, 499));

    // At most inline_capacity bytes: a copy inside the frame.
    const frame big(s);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{40}}) {
        CAPTURE(n);
        const frame part = big.slice(7, n);
        CHECK(part.size() == n);
        CHECK(part.is_inline());
        CHECK(part.view() == s.substr(7, n));
    }
    // Slices of an inline frame are inline too.
    const frame small(std::string_view("hello, world"));
    CHECK(small.slice(7, 5) == std::string_view("world"));
    CHECK(small.slice(12, 0).empty());
}

TEST_CASE("frame::slice: a part of an adopted buffer releases it once, after the last holder")
{
    std::vector<std::byte> buffer = byte_pattern(1000);
    release_record r;
    frame part;
    {
        const frame a = frame::adopt(buffer.data(), buffer.size(), record_release, &r);
        part = a.slice(10, 900);
        CHECK(part.data() == buffer.data() + 10);
    }
    CHECK(r.calls == 0); // the part still holds it
    CHECK(part.view() == pattern(1000).substr(10, 900));
    part = frame{};
    CHECK(r.calls == 1);
    CHECK(r.data == buffer.data());
}
