// The thread of a well-behaved exchange that runs beside an attack, in rounds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace hostile {

/// Runs `round(0)`, `round(1)`, ... on its own thread from start_rounds() until stop(), a
/// failure (a round returns false after fail()) or forever, sleeping `breather` between
/// rounds to leave CPU for the server and the attack. pause() parks it between two rounds
/// (nothing of it in flight), resume() goes on. A class deriving from it implements
/// round() and calls stop() in its own destructor, before its members go.
class round_loop {
public:
    explicit round_loop(std::chrono::milliseconds breather) : breather_(breather) {}
    virtual ~round_loop() { stop(); }
    round_loop(const round_loop&) = delete;
    round_loop& operator=(const round_loop&) = delete;

    void start_rounds()
    {
        thread_ = std::thread([this] { run(); });
    }

    void stop()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
            paused_ = false;
        }
        changed_.notify_all();
        if (thread_.joinable())
            thread_.join();
    }

    /// Rounds completed.
    std::size_t rounds() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return rounds_;
    }

    /// Waits until `n` rounds are complete; false on timeout or failure.
    bool wait_rounds(std::size_t n, std::chrono::milliseconds timeout) const
    {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return rounds_ >= n || !failure_.empty(); });
        return rounds_ >= n;
    }

    /// The first failure recorded, empty if none.
    std::string failure() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return failure_;
    }

    /// Parks the rounds between two of them; returns once parked (or ended).
    void pause()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        paused_ = true;
        changed_.wait(lock, [&] { return parked_ || stop_ || !failure_.empty() || done_; });
    }
    void resume()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            paused_ = false;
        }
        changed_.notify_all();
    }

protected:
    /// One round; false ends the loop (after fail() said why).
    virtual bool round(std::size_t r) = 0;

    /// Records `what` as the failure, unless one came first; returns false.
    bool fail(std::string what)
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (failure_.empty())
                failure_ = std::move(what);
        }
        changed_.notify_all();
        return false;
    }

private:
    void run()
    {
        for (std::size_t r = 0;; ++r) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                parked_ = true;
                changed_.notify_all();
                changed_.wait(lock, [&] { return !paused_ || stop_; });
                parked_ = false;
                if (stop_)
                    break;
            }
            if (!round(r))
                break;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                ++rounds_;
            }
            changed_.notify_all();
            std::this_thread::sleep_for(breather_);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        changed_.notify_all();
    }

    const std::chrono::milliseconds breather_;
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::size_t rounds_ = 0;
    std::string failure_;
    bool stop_ = false;
    bool paused_ = false;
    bool parked_ = false;
    bool done_ = false;
};

} // namespace hostile
