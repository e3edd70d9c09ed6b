// Type-erased pending asynchronous operations, so the socket core can hold any handler.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <tuple>
#include <utility>

namespace zmtp::detail {

/// Memory for pending operations: a small per-thread cache of fixed-size blocks, so an
/// operation that waits and completes costs no malloc in steady state. (Asio's recycling
/// allocator keeps only two blocks per thread, which the I/O operations already need.)
class op_memory {
public:
    static constexpr std::size_t block_size = 512; // a receive op holds a message (216 bytes)

    static void* allocate(std::size_t size)
    {
        cache& c = local();
        if (size <= block_size && c.count > 0)
            return c.blocks[--c.count];
        return ::operator new(size <= block_size ? block_size : size);
    }

    static void deallocate(void* p, std::size_t size) noexcept
    {
        cache& c = local();
        if (size <= block_size && c.count < capacity)
            c.blocks[c.count++] = p;
        else
            ::operator delete(p);
    }

private:
    static constexpr std::size_t capacity = 16;
    struct cache {
        void* blocks[capacity];
        std::size_t count = 0;
        ~cache()
        {
            while (count > 0)
                ::operator delete(blocks[--count]);
        }
    };
    static cache& local() noexcept
    {
        thread_local cache c;
        return c;
    }
};

/// A standard allocator over op_memory.
template <class T>
struct op_allocator {
    using value_type = T;
    op_allocator() noexcept = default;
    template <class U>
    op_allocator(const op_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(op_memory::allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { op_memory::deallocate(p, n * sizeof(T)); }
    friend bool operator==(const op_allocator&, const op_allocator&) noexcept { return true; }
};

/// The function an op posts to its handler's executor: calls `op->run()`, using the
/// memory of the op's handler.
template <class Op>
struct posted_run {
    Op* op;
    using allocator_type = typename Op::allocator_type;
    allocator_type get_allocator() const noexcept { return op->get_allocator(); }
    void operator()() { op->run(); }
};

/// An operation waiting in the socket core, completed (exactly once) with `Args...` or
/// cancelled. complete() never runs the handler inline: it posts it to the handler's
/// executor, so completion cannot re-enter the core. Until the handler runs, a
/// cancellation may still take a successful result back (take_back()): an operation
/// reported cancelled has taken nothing, even when cancelled in that window (as `||` of
/// two operations does to the one that lost the race).
template <class... Args>
class pending_op {
public:
    /// The result is ready (core lock held).
    virtual void complete(Args... args) = 0;
    /// Cancellation after complete(), before the handler ran (core lock held): moves a
    /// successful result into `args` and makes the op complete with operation_aborted
    /// instead. False when there is nothing to give back.
    virtual bool take_back(Args&...) { return false; }

protected:
    ~pending_op() = default;
};

/// The concrete op for one handler. Memory comes from the handler's associated allocator,
/// by default op_allocator (reused blocks: no malloc in steady state).
/// While pending it keeps the handler's executor busy (work guard). Its cancellation slot
/// is touched only from the handler's side (the initiating call, cancellation, and the
/// posted completion), never from the thread that completes it.
template <class Handler, class... Args>
class pending_op_impl final : public pending_op<Args...> {
public:
    using allocator_type = typename std::allocator_traits<
        asio::associated_allocator_t<Handler, op_allocator<void>>>::template rebind_alloc<pending_op_impl>;

    /// Allocates an op holding `handler`, on `fallback` unless the handler has its own executor.
    static pending_op_impl* create(Handler handler, const asio::any_io_executor& fallback)
    {
        allocator_type alloc(asio::get_associated_allocator(handler, op_allocator<void>()));
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
        result_.emplace(std::move(args)...);
        asio::post(work_.get_executor(), posted_run<pending_op_impl>{this});
    }

    bool take_back(Args&... args) override
    {
        if (!result_ || std::get<0>(*result_))
            return false;
        std::tie(args...) = std::move(*result_);
        result_.emplace(); // operation_aborted and empty values
        std::get<0>(*result_) = asio::error::operation_aborted;
        return true;
    }

private:
    friend posted_run<pending_op_impl>;
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;

    pending_op_impl(Handler handler, const asio::any_io_executor& fallback)
        : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler))
    {
    }
    ~pending_op_impl() = default;

    allocator_type get_allocator() const noexcept
    {
        return allocator_type(asio::get_associated_allocator(handler_, op_allocator<void>()));
    }

    /// On the handler's executor: hands the result over.
    void run()
    {
        auto slot = cancellation_slot();
        if (slot.is_connected())
            slot.clear();
        allocator_type alloc = get_allocator();
        Handler handler = std::move(handler_);
        auto work = std::move(work_);
        std::tuple<Args...> result = std::move(*result_);
        this->~pending_op_impl();
        std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
        std::apply(std::move(handler), std::move(result));
    }

    asio::executor_work_guard<executor_type> work_;
    Handler handler_;
    std::optional<std::tuple<Args...>> result_;
};

} // namespace zmtp::detail
