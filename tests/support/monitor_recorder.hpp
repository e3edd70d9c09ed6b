// A recorder of a zmtp socket's monitor events, so that a test can wait for them with a
// timeout. One read of the monitor is in flight at a time, re-armed as each event arrives.
// (The hostile-peer tests keep many reads in flight and can pause them: they have their own
// hostile::event_log.)
#pragma once

#include "support/printable.hpp"
#include "zmtp/monitor.hpp"
#include "zmtp/socket.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace zmtp_test {

/// Records every monitor event of a zmtp socket (enabling its monitor). Declare it after the
/// socket: it must be destroyed first.
class monitor_recorder {
public:
    static constexpr std::chrono::milliseconds default_timeout{5000};

    explicit monitor_recorder(zmtp::socket& s) : state_(std::make_shared<state>())
    {
        state_->socket = &s;
        s.enable_monitor();
        arm(state_);
    }
    ~monitor_recorder()
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->socket = nullptr; // a completion after this point does not re-arm
    }
    monitor_recorder(const monitor_recorder&) = delete;
    monitor_recorder& operator=(const monitor_recorder&) = delete;

    /// The events recorded so far, in order.
    std::vector<zmtp::monitor_event> events() const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return state_->events;
    }

    /// Events of `type` recorded so far (only those with that routing id, if given).
    std::size_t count(zmtp::monitor_event_type type, std::string_view routing_id = {}) const
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        return count_locked(type, routing_id);
    }

    /// Waits until at least `n` events of `type` (with that routing id, if given) were
    /// recorded; false on timeout.
    bool wait_count(zmtp::monitor_event_type type, std::size_t n, std::chrono::milliseconds timeout = default_timeout,
                    std::string_view routing_id = {}) const
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        return state_->changed.wait_for(lock, timeout, [&] { return count_locked(type, routing_id) >= n; });
    }

    /// Waits until at least `count` events of `type` have been recorded; returns the last
    /// of those (the `count`-th), or nullopt on timeout.
    std::optional<zmtp::monitor_event> wait_for(zmtp::monitor_event_type type, std::size_t count = 1,
                                                std::chrono::milliseconds timeout = default_timeout) const
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        std::optional<zmtp::monitor_event> found;
        state_->changed.wait_for(lock, timeout, [&] {
            std::size_t seen = 0;
            for (const auto& e : state_->events)
                if (e.type == type && ++seen == count) {
                    found = e;
                    return true;
                }
            return false;
        });
        return found;
    }

    /// Waits for the first event whose type is one of `types`; nullopt on timeout.
    std::optional<zmtp::monitor_event> wait_for_any(std::vector<zmtp::monitor_event_type> types,
                                                    std::chrono::milliseconds timeout = default_timeout) const
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        std::optional<zmtp::monitor_event> found;
        state_->changed.wait_for(lock, timeout, [&] {
            for (const auto& e : state_->events)
                for (auto t : types)
                    if (e.type == t) {
                        found = e;
                        return true;
                    }
            return false;
        });
        return found;
    }

    /// All events recorded so far, for a failure message: "type(endpoint, error, id=...) ...".
    std::string describe() const
    {
        std::string out;
        for (const auto& e : events()) {
            out += std::string(zmtp::to_string(e.type)) + "(" + e.endpoint;
            if (e.error)
                out += ", " + e.error.message();
            if (!e.routing_id.empty())
                out += ", id=" + escape(e.routing_id);
            out += ") ";
        }
        return out;
    }

private:
    struct state {
        mutable std::mutex mutex;
        std::condition_variable changed;
        std::vector<zmtp::monitor_event> events;
        zmtp::socket* socket = nullptr;
    };

    std::size_t count_locked(zmtp::monitor_event_type type, std::string_view routing_id) const
    {
        std::size_t n = 0;
        for (const auto& e : state_->events)
            n += e.type == type && (routing_id.empty() || e.routing_id == routing_id);
        return n;
    }

    static void arm(const std::shared_ptr<state>& st)
    {
        // Called with st->socket valid: either from the constructor or under st->mutex.
        st->socket->async_next_event([st](std::error_code ec, zmtp::monitor_event e) {
            std::lock_guard<std::mutex> lock(st->mutex);
            if (ec || st->socket == nullptr)
                return;
            st->events.push_back(std::move(e));
            st->changed.notify_all();
            arm(st);
        });
    }

    std::shared_ptr<state> state_;
};

} // namespace zmtp_test
