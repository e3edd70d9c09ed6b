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

/// What an operation keeps of its handler, and how it ends. Memory comes from the
/// handler's associated allocator, by default op_allocator (reused blocks: no malloc in
/// steady state); while pending, a work guard keeps the handler's executor busy. The
/// handler's cancellation slot is touched only from the handler's side (the initiating
/// call, cancellation, the posted run()), never from the thread that completes the op.
/// `Derived` has a private destructor, a run() (on the handler's executor: ends with
/// finish()) and befriends this class.
template <class Derived, class Handler>
class handler_owner {
public:
    using allocator_type = typename std::allocator_traits<
        asio::associated_allocator_t<Handler, op_allocator<void>>>::template rebind_alloc<Derived>;

    /// Allocates a Derived(handler, fallback, more...): it runs on the handler's executor,
    /// or `fallback` if the handler has none.
    template <class... More>
    static Derived* create(Handler handler, const asio::any_io_executor& fallback, More&&... more)
    {
        allocator_type alloc(asio::get_associated_allocator(handler, op_allocator<void>()));
        Derived* op = std::allocator_traits<allocator_type>::allocate(alloc, 1);
        return ::new (static_cast<void*>(op)) Derived(std::move(handler), fallback, std::forward<More>(more)...);
    }

    /// The handler's cancellation slot (not connected if it has none).
    asio::associated_cancellation_slot_t<Handler> cancellation_slot() const noexcept
    {
        return asio::get_associated_cancellation_slot(handler_);
    }
    allocator_type get_allocator() const noexcept
    {
        return allocator_type(asio::get_associated_allocator(handler_, op_allocator<void>()));
    }

    /// Frees the op without running its handler (its executor was destroyed first).
    void abandon() noexcept
    {
        detach();
        free(get_allocator());
    }

protected:
    handler_owner(Handler handler, const asio::any_io_executor& fallback)
        : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler))
    {
    }
    ~handler_owner() = default;

    /// Schedules Derived::run() on the handler's executor.
    void post();

    /// Frees the op, then calls its handler with `args` (on the handler's executor).
    template <class... Args>
    void finish(Args&&... args)
    {
        detach();
        allocator_type alloc = get_allocator();
        Handler handler = std::move(handler_);
        auto work = std::move(work_); // kept busy until the handler returns
        std::tuple<std::decay_t<Args>...> values(std::forward<Args>(args)...);
        free(alloc);
        std::apply(std::move(handler), std::move(values));
    }

private:
    using executor_type = asio::associated_executor_t<Handler, asio::any_io_executor>;

    /// Clears the cancellation slot, so nothing reaches the op any more: before the
    /// handler (which the slot belongs to) is moved out.
    void detach() noexcept
    {
        if (auto slot = cancellation_slot(); slot.is_connected())
            slot.clear();
    }
    void free(allocator_type alloc) noexcept
    {
        Derived* self = static_cast<Derived*>(this);
        self->~Derived();
        std::allocator_traits<allocator_type>::deallocate(alloc, self, 1);
    }

    asio::executor_work_guard<executor_type> work_;
    Handler handler_;
};

/// The function an op posts to its handler's executor: calls `op->run()`, using the
/// memory of the op's handler. It owns the op until then: destroyed without running (its
/// executor shut down first), it frees the op without calling the handler, as Asio does
/// with the handlers it abandons.
template <class Op>
class posted_run {
public:
    explicit posted_run(Op* op) noexcept : op_(op) {}
    posted_run(posted_run&& other) noexcept : op_(std::exchange(other.op_, nullptr)) {}
    posted_run& operator=(posted_run&&) = delete;
    ~posted_run()
    {
        if (op_)
            op_->abandon();
    }

    using allocator_type = typename Op::allocator_type;
    allocator_type get_allocator() const noexcept { return op_->get_allocator(); }
    void operator()() { std::exchange(op_, nullptr)->run(); }

private:
    Op* op_;
};

template <class Derived, class Handler>
void handler_owner<Derived, Handler>::post()
{
    asio::post(work_.get_executor(), posted_run<Derived>(static_cast<Derived*>(this)));
}

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

/// The concrete op for one handler.
template <class Handler, class... Args>
class pending_op_impl final : public pending_op<Args...>, public handler_owner<pending_op_impl<Handler, Args...>, Handler> {
    using owner = handler_owner<pending_op_impl, Handler>;

public:
    void complete(Args... args) override
    {
        result_.emplace(std::move(args)...);
        this->post();
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
    friend owner;
    friend posted_run<pending_op_impl>;

    pending_op_impl(Handler handler, const asio::any_io_executor& fallback) : owner(std::move(handler), fallback) {}
    ~pending_op_impl() = default;

    /// On the handler's executor: hands the result over.
    void run()
    {
        std::apply([this](auto&&... values) { this->finish(std::move(values)...); }, std::move(*result_));
    }

    std::optional<std::tuple<Args...>> result_;
};

} // namespace zmtp::detail
