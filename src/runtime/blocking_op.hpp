// An operation a blocking call waits for on its own stack.
#pragma once

#include "zmtp/detail/pending_op.hpp"

#include <asio/any_io_executor.hpp>

#include <future>
#include <tuple>

namespace zmtp::detail {

/// complete() fulfils a promise instead of posting a handler, so the waiting thread needs
/// nothing from the executor but progress on the I/O; the op lives on the waiter's stack,
/// so a late cancel can never hit a reused address.
template <class... Args>
class blocking_op final : public pending_op<Args...> {
public:
    std::future<std::tuple<Args...>> result() { return promise_.get_future(); }
    void complete(Args... args) override { promise_.set_value({std::move(args)...}); }

private:
    std::promise<std::tuple<Args...>> promise_;
};

/// True when the caller is the thread running the io_context behind `ex`, where a
/// blocking wait would deadlock.
bool on_executor_thread(const asio::any_io_executor& ex);

} // namespace zmtp::detail
