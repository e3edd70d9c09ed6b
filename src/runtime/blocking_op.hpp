// An operation a blocking call waits for on its own stack.
#pragma once

#include "zmtp/detail/pending_op.hpp"

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <tuple>

namespace zmtp::detail {

/// complete() hands the result to the waiting thread directly (a mutex and a condition
/// variable in the op: no heap, unlike a std::promise), so the waiter needs nothing from
/// the executor but progress on the I/O; the op lives on the waiter's stack, so a late
/// cancel can never hit a reused address.
template <class... Args>
class blocking_op final : public pending_op<Args...> {
public:
    void complete(Args... args) override
    {
        // Notified under the lock: the waiter may destroy the op as soon as it sees the
        // result, which it can only do once the lock is free.
        std::lock_guard<std::mutex> lock(mutex_);
        result_.emplace(std::move(args)...);
        completed_.notify_one();
    }
    /// Waits until complete() has run, at most `timeout` (forever without one); false if
    /// the time ran out first.
    bool wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!timeout) {
            completed_.wait(lock, [this] { return result_.has_value(); });
            return true;
        }
        return completed_.wait_for(lock, *timeout, [this] { return result_.has_value(); });
    }
    /// The result; after wait() returned true.
    std::tuple<Args...> take()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::move(*result_);
    }

private:
    std::mutex mutex_;
    std::condition_variable completed_;
    std::optional<std::tuple<Args...>> result_;
};

/// True when the caller is the thread running the io_context behind `ex`, where a
/// blocking wait would deadlock.
bool on_executor_thread(const asio::any_io_executor& ex);

} // namespace zmtp::detail
