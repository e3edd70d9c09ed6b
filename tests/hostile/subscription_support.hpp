// Helpers for the hostile-subscriber tests (subscription_hostile_test.cpp,
// pair_intruder_test.cpp): the bytes of subscriptions in both wire forms, a publisher (PUB
// or XPUB) under attack with well-behaved SUBs exchanging numbered messages with it in lock
// step, an XPUB application that reads the subscriptions passed up to it, and a heap
// sampler that keeps the peak. The raw TCP peer, the monitor log and the heap probe come
// from hostile_support.hpp.
#pragma once

#include "hostile_inputs.hpp"
#include "hostile_support.hpp"

#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <list>

namespace hostile::subs {

namespace in = hostile::inputs;

// --- bytes -------------------------------------------------------------------------

/// One frame: `flags` (0x01 MORE, 0x04 COMMAND; 0x02 LONG is added when the body needs it).
inline bytes frame(int flags, const bytes& body)
{
    if (body.size() <= 255)
        return cat(flags, static_cast<int>(body.size()), body);
    return cat(flags | 0x02, be64(body.size()), body);
}

/// A command frame: name-size, name, data (RFC 37).
inline bytes command(std::string_view name, const bytes& data)
{
    return frame(0x04, cat(static_cast<int>(name.size()), name, data));
}

/// ZMTP 3.1's SUBSCRIBE and CANCEL commands: `04 0D 09 SUBSCRIBE abc`.
inline bytes subscribe_command(const bytes& topic) { return command("SUBSCRIBE", topic); }
inline bytes cancel_command(const bytes& topic) { return command("CANCEL", topic); }
inline bytes subscribe_command(std::string_view topic) { return subscribe_command(cat(topic)); }
inline bytes cancel_command(std::string_view topic) { return cancel_command(cat(topic)); }

/// ZMTP 3.0's form, a one-frame message 01 + topic (subscribe) or 00 + topic (cancel).
inline bytes subscription_message(bool on, const bytes& topic) { return frame(0x00, cat(on ? 1 : 0, topic)); }
inline bytes subscription_message(bool on, std::string_view topic) { return subscription_message(on, cat(topic)); }

/// A READY announcing Socket-Type `type` and nothing else.
inline bytes ready(std::string_view type)
{
    return command("READY", cat(11, "Socket-Type", be32(static_cast<std::uint32_t>(type.size())), type));
}

/// in::greeting with version 3.0 (minor 0): a peer that knows no SUBSCRIBE command.
inline bytes greeting_3_0()
{
    bytes g = in::greeting;
    g[11] = 0;
    return g;
}

/// The topic `i` of a flood of distinct topics: "x" and 7 decimal digits (never a prefix
/// of "good", the well-behaved subscribers' topic).
inline std::string flood_topic(std::size_t i)
{
    std::string t = "x0000000";
    for (std::size_t pos = 7; pos > 0; --pos, i /= 10)
        t[pos] = static_cast<char>('0' + i % 10);
    return t;
}

// --- waiting and memory ----------------------------------------------------------------

/// Samples heap_in_use() every 2 ms on its own thread and keeps the highest value, so that
/// a peak between two of the test's own samples is seen too.
class heap_sampler {
public:
    heap_sampler() : base_(heap_in_use()), peak_(base_)
    {
        thread_ = std::thread([this] {
            while (!stop_.load()) {
                sample();
                std::this_thread::sleep_for(2ms);
            }
        });
    }
    ~heap_sampler() { stop(); }
    heap_sampler(const heap_sampler&) = delete;
    heap_sampler& operator=(const heap_sampler&) = delete;

    void sample()
    {
        const std::size_t now = heap_in_use();
        std::size_t seen = peak_.load();
        while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
        }
    }
    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
        sample();
    }
    std::size_t base() const { return base_; }
    std::size_t peak() const { return peak_.load(); }
    std::size_t grown() const { return peak() > base_ ? peak() - base_ : 0; }

private:
    std::size_t base_;
    std::atomic<std::size_t> peak_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

inline long long signed_diff(std::size_t a, std::size_t b)
{
    return static_cast<long long>(a) - static_cast<long long>(b);
}

// --- the well-behaved subscribers ---------------------------------------------------------

/// Well-behaved SUBs (subscribed to "good") and the publisher they listen to, exchanging
/// numbered messages in lock step on their own thread until stopped. Round r: the publisher
/// sends `per_round` messages ["good", "<r>.<i>", body]; every SUB must receive exactly
/// those, in order, within 5 s. A round never exceeds the SUBs' high-water marks, so a
/// publisher that drops nothing for a reading subscriber delivers them all: any loss,
/// duplicate or reordering is recorded as the failure and ends the exchange.
class good_subscribers final : public round_loop {
public:
    static constexpr int per_round = 10;

    good_subscribers(zmtp::socket& publisher, std::vector<zmtp::socket*> subs, std::size_t body_size = 16)
        : round_loop(1ms), publisher_(publisher), subs_(std::move(subs)), body_(body_size, 'g')
    {
    }
    ~good_subscribers() override { stop(); }

    /// Waits until every SUB's subscription has reached the publisher (publishing "sync"
    /// messages until each SUB has one), then starts the rounds. False on timeout.
    bool start()
    {
        const auto deadline = clock::now() + 10s;
        std::vector<bool> synced(subs_.size(), false);
        while (std::find(synced.begin(), synced.end(), false) != synced.end()) {
            if (clock::now() >= deadline)
                return false;
            publisher_.send(zmtp::message{"good", "sync"});
            for (std::size_t s = 0; s < subs_.size(); ++s)
                if (const auto m = subs_[s]->receive_for(10ms); m && m->size() == 2 && (*m)[1] == "sync")
                    synced[s] = true;
        }
        start_rounds();
        return true;
    }

    /// Messages received so far, all SUBs together.
    std::size_t messages() const { return rounds() * per_round * subs_.size(); }

private:
    bool round(std::size_t r) override { return exchange(r); }

    bool exchange(std::size_t round)
    {
        const std::string r = std::to_string(round) + ".";
        std::error_code ec;
        for (int i = 0; i < per_round; ++i) {
            publisher_.send(zmtp::message{"good", r + std::to_string(i), body_}, zmtp::send_flags::none, ec);
            if (ec)
                return fail("publisher send in round " + r + ": " + describe(ec));
        }
        for (std::size_t s = 0; s < subs_.size(); ++s) {
            for (int i = 0; i < per_round;) {
                const zmtp::message m = subs_[s]->receive(zmtp::recv_flags::none, ec);
                const std::string expected = r + std::to_string(i);
                if (ec)
                    return fail("SUB " + std::to_string(s) + " receive of " + expected + ": " + describe(ec));
                if (m.size() == 2 && m[1] == "sync")
                    continue; // the last of start()'s, still in flight then
                if (m.size() != 3 || m[0] != "good" || m[1] != expected || m[2] != body_)
                    return fail("SUB " + std::to_string(s) + " expected " + expected + ", got "
                                + (m.size() >= 2 ? m[1].to_string() : std::string("?")));
                ++i;
            }
        }
        return true;
    }

    zmtp::socket& publisher_;
    std::vector<zmtp::socket*> subs_;
    const std::string body_;
};

// --- an XPUB's application ----------------------------------------------------------------

/// Reads everything an XPUB passes up, on its own thread, and counts it: subscriptions and
/// cancels (0x01/0x00 messages) of the well-behaved topic "good" apart from the rest.
/// Keeps counts only, so that memory stays flat however much it reads.
class xpub_reader {
public:
    explicit xpub_reader(zmtp::socket& xpub) : xpub_(xpub)
    {
        thread_ = std::thread([this] { run(); });
    }
    ~xpub_reader() { stop(); }
    xpub_reader(const xpub_reader&) = delete;
    xpub_reader& operator=(const xpub_reader&) = delete;

    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }

    std::size_t subscribes() const { return subscribes_.load(); }
    std::size_t cancels() const { return cancels_.load(); }
    std::size_t empty_cancels() const { return empty_cancels_.load(); }
    std::size_t good_subscribes() const { return good_subscribes_.load(); }
    std::size_t good_cancels() const { return good_cancels_.load(); }
    std::size_t other() const { return other_.load(); }
    std::size_t total() const { return total_.load(); }

    /// Waits until nothing has arrived for `quiet`; false if that never happened within `limit`.
    bool wait_quiet(milliseconds quiet, milliseconds limit) const
    {
        const auto deadline = clock::now() + limit;
        for (std::size_t seen = total(); clock::now() < deadline;) {
            std::this_thread::sleep_for(quiet);
            const std::size_t now_seen = total();
            if (now_seen == seen)
                return true;
            seen = now_seen;
        }
        return false;
    }

private:
    void run()
    {
        while (!stop_.load()) {
            std::error_code ec;
            std::optional<zmtp::message> m = xpub_.try_receive(ec);
            if (!m) {
                std::this_thread::sleep_for(1ms);
                continue;
            }
            ++total_;
            if (m->size() != 1 || (*m)[0].empty() || static_cast<unsigned char>((*m)[0].view()[0]) > 1) {
                ++other_;
                continue;
            }
            const std::string_view body = (*m)[0].view();
            const bool on = body[0] == 1;
            const bool good = body.substr(1) == "good";
            if (on)
                ++(good ? good_subscribes_ : subscribes_);
            else if (good)
                ++good_cancels_;
            else {
                ++cancels_;
                if (body.size() == 1)
                    ++empty_cancels_;
            }
        }
    }

    zmtp::socket& xpub_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> subscribes_{0}, cancels_{0}, empty_cancels_{0}, good_subscribes_{0}, good_cancels_{0},
        other_{0}, total_{0};
};

// --- the publisher under attack ---------------------------------------------------------

/// A PUB or XPUB bound on tcp://127.0.0.1:* with its monitor recorded, and two good SUBs
/// subscribed to "good" already receiving its rounds. An XPUB's application (xpub_reader)
/// reads what it passes up. All on one zmtp::context; the rounds have their own thread, the
/// test's thread plays the hostile peer.
class publisher {
public:
    explicit publisher(zmtp::socket_type type, zmtp::socket_options options = {})
        : pub_(ctx_, type, with_timeouts(std::move(options))),
          events_(pub_, true),
          sub_a_(ctx_, zmtp::socket_type::sub, with_timeouts({})),
          sub_b_(ctx_, zmtp::socket_type::sub, with_timeouts({})),
          good_(pub_, {&sub_a_, &sub_b_})
    {
        if (type == zmtp::socket_type::xpub)
            reader_.emplace(pub_);
        pub_.bind("tcp://127.0.0.1:*");
        endpoint_ = pub_.last_endpoint();
        port_ = static_cast<std::uint16_t>(std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)));
        for (zmtp::socket* s : {&sub_a_, &sub_b_}) {
            s->subscribe("good");
            s->connect(endpoint_);
        }
        REQUIRE_MESSAGE(good_.start(), "the good SUBs never got the publisher's messages");
        REQUIRE_MESSAGE(good_.wait_rounds(3, 10s), "the good SUBs never got going: " << good_.failure());
    }
    ~publisher()
    {
        good_.stop();
        if (reader_)
            reader_->stop();
        events_.detach();
    }
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    std::uint16_t port() const { return port_; }
    zmtp::socket& socket() { return pub_; }
    event_log& events() { return events_; }
    good_subscribers& good() { return good_; }
    xpub_reader& reader() { return *reader_; }
    bool is_xpub() const { return reader_.has_value(); }

    /// A raw peer that has completed a NULL handshake as a `type` (SUB by default), after
    /// `greeting` (3.1 by default).
    std::unique_ptr<raw_peer> attacker(std::string_view type = "SUB", const bytes& greeting = in::greeting)
    {
        const std::size_t before = events_.count(zmtp::monitor_event_type::handshake_succeeded);
        auto peer = std::make_unique<raw_peer>(port_);
        REQUIRE(peer->send(cat(greeting, ready(type))));
        REQUIRE_MESSAGE(wait_until([&] { return events_.count(zmtp::monitor_event_type::handshake_succeeded) > before; },
                                   10s),
                        "the attacker's handshake did not succeed:" << events_.describe_all());
        return peer;
    }

    /// Lets the good SUBs complete two more rounds, parks them, lets the XPUB's application
    /// read what is queued, and measures the heap.
    std::size_t measure()
    {
        REQUIRE_MESSAGE(good_.wait_rounds(good_.rounds() + 2, 10s), "good SUBs: " << good_.failure());
        good_.pause();
        if (reader_)
            reader_->wait_quiet(50ms, 10s);
        std::this_thread::sleep_for(100ms);
        const std::size_t heap = heap_in_use();
        good_.resume();
        return heap;
    }

    /// The good SUBs went on receiving during the attack, and go on now.
    void expect_good_served(std::size_t rounds_before)
    {
        CHECK_MESSAGE(good_.wait_rounds(rounds_before + 3, 10s), "the good SUBs stalled: " << good_.failure());
        CHECK_MESSAGE(good_.failure().empty(), good_.failure());
    }

    /// The `n`-th disconnect the publisher reported (1 = the first), once it has been.
    std::optional<zmtp::monitor_event> wait_disconnect(std::size_t n = 1)
    {
        using t = zmtp::monitor_event_type;
        if (!wait_until([&] { return events_.count(t::disconnected) >= n; }, 10s))
            return std::nullopt;
        std::size_t seen = 0;
        for (const zmtp::monitor_event& e : events_.events())
            if (e.type == t::disconnected && ++seen == n)
                return e;
        return std::nullopt;
    }

private:
    zmtp::context ctx_;
    zmtp::socket pub_;
    event_log events_;
    zmtp::socket sub_a_;
    zmtp::socket sub_b_;
    good_subscribers good_;
    std::optional<xpub_reader> reader_;
    std::string endpoint_;
    std::uint16_t port_ = 0;
};

} // namespace hostile::subs
