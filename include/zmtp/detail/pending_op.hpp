// Type-erased pending asynchronous operations, so the socket core can hold any handler.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/append.hpp>
#include <asio/post.hpp>
#include <asio/recycling_allocator.hpp>

#include <memory>
#include <utility>

namespace zmtp::detail {

/// An operation waiting in the socket core, completed (exactly once) with `Args...` or
/// cancelled. complete() never runs the handler inline: it posts it to the handler's
/// executor, so completion cannot re-enter the core.
template <class... Args>
class pending_op {
public:
    virtual void complete(Args... args) = 0;

protected:
    ~pending_op() = default;
};

/// The concrete op for one handler. Memory comes from the handler's associated allocator
/// (by default Asio's recycling allocator, which reuses blocks: no malloc in steady state).
/// While pending it keeps the handler's executor busy (work guard).
template <class Handler, class... Args>
class pending_op_impl final : public pending_op<Args...> {
public:
    using allocator_type = typename std::allocator_traits<
        asio::associated_allocator_t<Handler, asio::recycling_allocator<void>>>::template rebind_alloc<pending_op_impl>;

    /// Allocates an op holding `handler`, on `fallback` unless the handler has its own executor.
    static pending_op_impl* create(Handler handler, const asio::any_io_executor& fallback)
    {
        allocator_type alloc(asio::get_associated_allocator(handler, asio::recycling_allocator<void>()));
        pending_op_impl* op = std::allocator_traits<allocator_type>::allocate(alloc, 1);
        return ::new (static_cast<void*>(op)) pending_op_impl(std::move(handler), fallback);
    }

    /// The handler's cancellation slot (not connected if it has none).
    asio::associated_cancellation_slot_t<Handler> cancellation_slot() const noexcept
    {
        return asio::get_associated_cancellation_slot(handler_);
    }

    void complete(Args... args) override
    {
        auto slot = cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        Handler handler = std::move(handler_);
        auto work = std::move(work_);
        allocator_type alloc(asio::get_associated_allocator(handler, asio::recycling_allocator<void>()));
        this->~pending_op_impl();
        std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
        asio::post(work.get_executor(), asio::experimental::append(std::move(handler), std::move(args)...));
    }

private:
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;

    pending_op_impl(Handler handler, const asio::any_io_executor& fallback)
        : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler))
    {
    }
    ~pending_op_impl() = default;

    asio::executor_work_guard<executor_type> work_;
    Handler handler_;
};

} // namespace zmtp::detail
