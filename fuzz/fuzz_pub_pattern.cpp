// libFuzzer target: pattern::pub_pattern (PUB and XPUB) with fake peers, against a model
// (the subscriptions of each attached peer as a std::set of topics).
//
// Input: a header, then operations until the input runs out.
//   header    byte 0: bit 0 XPUB (else PUB); then a configure operation's bytes (below)
//   op byte   % 10 selects:
//     0 attach   peer (next byte % 6); nothing if attached
//     1 detach   peer; nothing if not attached
//     2 subscribe, 3 cancel   peer, topic: what the peer's connection reported
//     4 send     a topic (the first frame) and, if the next byte is odd, a second frame
//     5 room     peer: toggle whether its queue has room (has_room)
//     6 configure  options byte: bit 0 invert_matching, 1 xpub_verbose, 2 xpub_verboser,
//                3 xpub_manual, 4 xpub_nodrop, 5 xpub_welcome_message ("a"); then a byte for
//                max_subscription_size {0, 1, 3, 8, 1024} and one for max_subscriptions
//                {1, 2, 3, 8, 64}
//     7 app subscribe   on (next byte odd), topic: socket::subscribe/unsubscribe (manual)
//     8 drain    the memory check (below)
//     9 may_send  checked against the model
//   topic: a byte t; t < 0xE0: t % 24 bytes, each the next input byte mapped onto
//          {'a', 'b', 00, FF} (so topics are often prefixes of one another); t >= 0xE0:
//          max_subscription_size - 1 + (t & 3) bytes 'a' (around the limit).
// Peers are only ever attached/detached as the socket core does it: subscribe, cancel and
// detach for attached peers only; the pattern's disconnect() detaches the peer at once,
// from inside the call (as session::stop does through socket_core::session_ended).
//
// Invariants (trap on violation), every call predicted by the model before it is made and
// checked as it happens (the fake queues compare, they do not record):
//   - attach pushes the welcome message (XPUB) to that peer only;
//   - subscribe/cancel: a topic over max_subscription_size, or a subscription that takes
//     the peer over max_subscriptions, disconnects it with errc::subscription_limit (and
//     nothing is passed up for it); otherwise the peer's set changes as a set does; an XPUB
//     passes up 01/00 + topic for the first subscribe / last cancel (a cancel of a topic no
//     one has, too), every subscribe with verbose, every cancel with verboser; with manual
//     it applies nothing and passes everything up;
//   - detach (and a disconnect) passes up, on an XPUB, a cancel for each topic the peer
//     leaves without subscribers, in lexicographic order (not the topic that took it over
//     max_subscriptions, which it never had);
//   - send queues the message, whole, to exactly the attached peers subscribed to a prefix
//     of its first frame (the others with invert_matching) that have room, each once;
//     with xpub_nodrop, would_block and nothing queued when one of them has no room;
//   - a PUB never passes anything up;
//   - memory: the heap the pattern holds (summed over its calls by the tracking operator
//     new; the model and the harness allocate only outside them) stays within 4 KiB per
//     peer plus 3 KiB and 4 bytes per topic byte for each subscription the model holds; once
//     every peer is detached it is back to 4 KiB; destroyed, to nothing.
#include "pattern/pub_pattern.hpp"

#include "fuzz_util.hpp"
#include "support/tracking_allocator.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using zmtp::errc;
using zmtp::message;

struct fake_peer {
    std::string routing_id;     // required by socket_pattern's Peer
    zmtp::frame routing_frame;  // likewise
    int id = 0;
    bool attached = false;
    bool room = true;
    bool pushed = false; ///< push()ed to during the current call
};

constexpr int peer_count = 6;

std::span<const std::byte> bytes_of(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

message sub_message(bool on, std::string_view topic)
{
    return zmtp::pattern::subscription_message(on, bytes_of(topic));
}

class reader {
public:
    explicit reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}
    bool done() const noexcept { return in_.empty(); }
    std::uint8_t byte() noexcept
    {
        if (in_.empty())
            return 0;
        const std::uint8_t b = in_.front();
        in_ = in_.subspan(1);
        return b;
    }

private:
    std::span<const std::uint8_t> in_;
};

class harness final : public zmtp::pattern::peer_queues<fake_peer> {
public:
    explicit harness(reader& r) : r_(r)
    {
        for (int i = 0; i < peer_count; ++i)
            peers_[static_cast<std::size_t>(i)].id = i;
        xpub_ = (r_.byte() & 1) != 0;
        read_options();
        const std::size_t before = zmtp_test::tracked::live_bytes;
        pattern_.emplace(*this, options_, xpub_);
        held_ += static_cast<long long>(zmtp_test::tracked::live_bytes) - static_cast<long long>(before);
    }

    void run()
    {
        while (!r_.done()) {
            const int op = r_.byte() % 10;
            switch (op) {
            case 0: attach(peer()); break;
            case 1: detach(peer()); break;
            case 2:
            case 3: {
                fake_peer& p = peer();
                subscription(p, op == 2, read_topic());
                break;
            }
            case 4: send(); break;
            case 5: {
                fake_peer& p = peer();
                p.room = !p.room;
                break;
            }
            case 6:
                read_options();
                call([&] { pattern_->configure(options_); });
                break;
            case 7: app_subscribe(); break;
            case 8: check_memory(); break;
            default: check_may_send(); break;
            }
        }
        check_memory();
        for (fake_peer& p : peers_)
            if (p.attached)
                detach(p);
        ZMTP_FUZZ_CHECK(held_ <= 4096);
        const std::size_t before = zmtp_test::tracked::live_bytes;
        pattern_.reset();
        held_ += static_cast<long long>(zmtp_test::tracked::live_bytes) - static_cast<long long>(before);
        ZMTP_FUZZ_CHECK(held_ == 0);
    }

    // --- peer_queues: each call compares with what the model predicted ----------------
    bool has_room(const fake_peer& p) const noexcept override { return p.room; }
    std::size_t room(const fake_peer& p) const noexcept override { return p.room ? 1 : 0; }

    void push(fake_peer& p, message&& msg) override
    {
        ZMTP_FUZZ_CHECK(p.attached);
        ZMTP_FUZZ_CHECK(!p.pushed); // each once
        ZMTP_FUZZ_CHECK(expected_push_ && msg == *expected_push_);
        p.pushed = true;
    }

    void deliver(fake_peer& p, message&& msg) override
    {
        ZMTP_FUZZ_CHECK(xpub_); // a PUB passes nothing up
        ZMTP_FUZZ_CHECK(next_delivery_ < expected_deliveries_.size());
        const auto& [id, want] = expected_deliveries_[next_delivery_++];
        ZMTP_FUZZ_CHECK(p.id == id);
        ZMTP_FUZZ_CHECK(msg == want);
    }

    void discard_output(fake_peer&) noexcept override {}

    void disconnect(fake_peer& p, std::error_code reason) override
    {
        ZMTP_FUZZ_CHECK(reason == errc::subscription_limit);
        ZMTP_FUZZ_CHECK(expected_disconnect_ == p.id);
        ZMTP_FUZZ_CHECK(p.attached);
        expected_disconnect_ = -2; // done
        p.attached = false;
        pattern_->detach(p); // what the socket core does, from inside this call
    }

    void close_after_flush(fake_peer&) override { ZMTP_FUZZ_CHECK(false); } // STREAM's, not PUB's

    void discard_given_back() noexcept override {}

private:
    fake_peer& peer() { return peers_[r_.byte() % peer_count]; }

    void read_options()
    {
        const std::uint8_t b = r_.byte();
        options_.invert_matching = b & 0x01;
        options_.xpub_verbose = b & 0x02;
        options_.xpub_verboser = b & 0x04;
        options_.xpub_manual = b & 0x08;
        options_.xpub_nodrop = b & 0x10;
        options_.xpub_welcome_message = (b & 0x20) ? "a" : "";
        static constexpr std::array<std::size_t, 5> sizes{0, 1, 3, 8, 1024};
        static constexpr std::array<std::size_t, 5> counts{1, 2, 3, 8, 64};
        options_.max_subscription_size = sizes[r_.byte() % sizes.size()];
        options_.max_subscriptions = counts[r_.byte() % counts.size()];
    }

    // The options as the pattern sees them (pub_pattern::configure).
    bool verbose() const { return xpub_ && (options_.xpub_verbose || options_.xpub_verboser); }
    bool verboser() const { return xpub_ && options_.xpub_verboser; }
    bool manual() const { return xpub_ && options_.xpub_manual; }
    bool nodrop() const { return xpub_ && options_.xpub_nodrop; }

    std::string read_topic()
    {
        const std::uint8_t t = r_.byte();
        if (t >= 0xE0) {
            const std::size_t n = options_.max_subscription_size + (t & 3);
            return std::string(n == 0 ? 0 : n - 1, 'a');
        }
        std::string s(t % 24, '\0');
        static constexpr char letters[] = {'a', 'b', '\0', '\xff'};
        for (char& c : s)
            c = letters[r_.byte() & 3];
        return s;
    }

    bool anyone_has(const std::string& topic) const
    {
        for (const auto& [id, topics] : model_)
            if (topics.count(topic))
                return true;
        return false;
    }

    /// Runs `f` (one call into the pattern), adding what it allocated and freed to held_,
    /// then checks that every predicted call was made.
    template <class F>
    void call(F f)
    {
        next_delivery_ = 0;
        for (fake_peer& p : peers_)
            p.pushed = false;
        const std::size_t before = zmtp_test::tracked::live_bytes;
        f();
        held_ += static_cast<long long>(zmtp_test::tracked::live_bytes) - static_cast<long long>(before);
        ZMTP_FUZZ_CHECK(next_delivery_ == expected_deliveries_.size());
        ZMTP_FUZZ_CHECK(expected_disconnect_ == -1 || expected_disconnect_ == -2); // made if predicted
        for (fake_peer& p : peers_)
            ZMTP_FUZZ_CHECK(p.pushed == (expected_pushed_.count(p.id) > 0));
        expected_deliveries_.clear();
        expected_pushed_.clear();
        expected_push_.reset();
        expected_disconnect_ = -1;
    }

    /// The model's side of a detach: cancels for the topics `p` leaves without subscribers.
    void model_detach(fake_peer& p)
    {
        const std::set<std::string> topics = std::move(model_[p.id]);
        model_.erase(p.id);
        if (last_subscriber_ == p.id)
            last_subscriber_ = -1;
        if (xpub_)
            for (const std::string& t : topics)
                if (!anyone_has(t))
                    expected_deliveries_.push_back({p.id, sub_message(false, t)});
    }

    void attach(fake_peer& p)
    {
        if (p.attached)
            return;
        p.attached = true;
        model_[p.id];
        if (xpub_ && !options_.xpub_welcome_message.empty()) {
            expected_push_ = message{options_.xpub_welcome_message};
            expected_pushed_.insert(p.id);
        }
        call([&] { ZMTP_FUZZ_CHECK(!pattern_->attach(p)); });
    }

    void detach(fake_peer& p)
    {
        if (!p.attached)
            return;
        model_detach(p);
        p.attached = false;
        call([&] { pattern_->detach(p); });
    }

    void subscription(fake_peer& p, bool on, const std::string& topic)
    {
        if (!p.attached)
            return;
        if (topic.size() > options_.max_subscription_size) {
            expected_disconnect_ = p.id;
            model_detach(p);
        } else if (manual()) {
            last_subscriber_ = p.id;
            expected_deliveries_.push_back({p.id, sub_message(on, topic)});
        } else {
            const bool had = anyone_has(topic);
            std::set<std::string>& mine = model_[p.id];
            const bool changed = on ? mine.insert(topic).second : mine.erase(topic) > 0;
            if (on && changed && mine.size() > options_.max_subscriptions) {
                mine.erase(topic); // never subscribed, so never reported as cancelled
                expected_disconnect_ = p.id;
                model_detach(p);
            } else {
                const bool first_or_last = on ? !had : !anyone_has(topic) && (changed || !had);
                if (xpub_ && (first_or_last || (on ? verbose() : verboser())))
                    expected_deliveries_.push_back({p.id, sub_message(on, topic)});
            }
        }
        const bool cut_off = expected_disconnect_ >= 0;
        call([&] { pattern_->subscription(p, on, bytes_of(topic)); });
        ZMTP_FUZZ_CHECK(p.attached == !cut_off);
    }

    void send()
    {
        std::string first = read_topic();
        first.resize(std::min<std::size_t>(first.size(), zmtp::frame::inline_capacity)); // no heap: see call()
        message msg;
        msg.push_back(zmtp::frame(bytes_of(first)));
        if (r_.byte() & 1)
            msg.push_back(zmtp::frame(bytes_of("second")));

        std::set<int> matched;
        for (const auto& [id, topics] : model_)
            for (const std::string& t : topics)
                if (first.compare(0, t.size(), t) == 0 && t.size() <= first.size())
                    matched.insert(id);
        std::set<int> targets;
        for (const fake_peer& p : peers_)
            if (p.attached && (matched.count(p.id) > 0) != options_.invert_matching)
                targets.insert(p.id);
        const bool blocked = nodrop() && std::any_of(targets.begin(), targets.end(),
                                                     [&](int id) { return !peers_[static_cast<std::size_t>(id)].room; });
        if (!blocked)
            for (int id : targets)
                if (peers_[static_cast<std::size_t>(id)].room)
                    expected_pushed_.insert(id);
        expected_push_ = msg;
        const message original = msg;
        std::error_code ec;
        call([&] { ec = pattern_->send(msg); });
        if (blocked) {
            ZMTP_FUZZ_CHECK(ec == errc::would_block);
            ZMTP_FUZZ_CHECK(msg == original); // untouched
        } else {
            ZMTP_FUZZ_CHECK(!ec);
        }
    }

    void app_subscribe()
    {
        const bool on = r_.byte() & 1;
        const std::string topic = read_topic();
        std::error_code ec;
        const int target = manual() ? last_subscriber_ : -1;
        call([&] { ec = pattern_->subscribe(on, bytes_of(topic)); });
        if (!manual()) {
            ZMTP_FUZZ_CHECK(ec == errc::not_supported);
            return;
        }
        ZMTP_FUZZ_CHECK(!ec);
        if (target >= 0) { // no limits: the application is trusted
            if (on)
                model_[target].insert(topic);
            else
                model_[target].erase(topic);
        }
    }

    void check_may_send()
    {
        // With nodrop: false only while every attached peer is full (a send that would go
        // to peers with room may be tried; it waits again if its own peers are full).
        bool expected = true;
        if (nodrop()) {
            bool any_attached = false;
            bool any_room = false;
            for (const fake_peer& p : peers_) {
                any_attached = any_attached || p.attached;
                any_room = any_room || (p.attached && p.room);
            }
            expected = !any_attached || any_room;
        }
        bool got = false;
        call([&] { got = pattern_->may_send(); });
        ZMTP_FUZZ_CHECK(got == expected);
    }

    void check_memory()
    {
        long long bound = 3 * 1024 + 4 * 1024 * peer_count;
        for (const auto& [id, topics] : model_)
            for (const std::string& t : topics)
                bound += 3 * 1024 + 4 * static_cast<long long>(t.size());
        if (held_ > bound) {
            std::fprintf(stderr, "pub_pattern holds %lld bytes, bound %lld\n", held_, bound);
            ZMTP_FUZZ_CHECK(held_ <= bound);
        }
    }

    reader& r_;
    bool xpub_ = false;
    zmtp::socket_options options_;
    std::array<fake_peer, peer_count> peers_{};
    std::optional<zmtp::pattern::pub_pattern<fake_peer>> pattern_;
    long long held_ = 0; ///< heap the pattern holds (its calls' net allocations)

    std::map<int, std::set<std::string>> model_; ///< attached peers' subscriptions
    int last_subscriber_ = -1;

    std::optional<message> expected_push_;
    std::set<int> expected_pushed_;
    std::vector<std::pair<int, message>> expected_deliveries_;
    std::size_t next_delivery_ = 0;
    int expected_disconnect_ = -1; ///< -1 none expected, a peer id, -2 made
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    reader r({data, size});
    harness h(r);
    h.run();
    return 0;
}
