// zmq_ctx_* and their older names.
#include "context.hpp"

#include "errors.hpp"

#include <zmq.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <new>
#include <unordered_set>

namespace zmtp::capi {

namespace {

/// Every context not yet terminated. A handle is looked up here rather than read: a
/// terminated context's memory is gone, and programs do use such handles (pyzmq's shadow
/// contexts), expecting EFAULT as libzmq gives. Never destroyed: contexts may end after
/// static destructors have run.
struct live_contexts {
    std::mutex mutex;
    std::unordered_set<const context*> all;
};
live_contexts& registry()
{
    static auto* r = new live_contexts();
    return *r;
}

} // namespace

context::context()
{
    static std::atomic<std::uint64_t> contexts_made{0};
    inproc_scope_ = "zmq_ctx " + std::to_string(++contexts_made);
    live_contexts& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.all.insert(this);
}

context::~context()
{
    live_contexts& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.all.erase(this);
}

context* context::from(void* handle) noexcept
{
    auto* c = static_cast<context*>(handle);
    live_contexts& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (c == nullptr || !r.all.contains(c)) {
        errno = EFAULT;
        return nullptr;
    }
    return c;
}

bool context::socket_opened()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (shut_down_)
        return false;
    ++open_sockets_;
    return true;
}

void context::socket_closed()
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (--open_sockets_ == 0)
        all_closed_.notify_all();
}

void context::shutdown()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shut_down_ = true;
    }
    context_->shutdown();
}

void context::terminate()
{
    shutdown();
    std::unique_lock<std::mutex> lock(mutex_);
    all_closed_.wait(lock, [this] { return open_sockets_ == 0; });
    lock.unlock();
    context_.reset(); // waits for the sockets' linger
}

} // namespace zmtp::capi

using zmtp::capi::context;
using zmtp::capi::fail;

extern "C" {

void* zmq_ctx_new(void)
{
    try {
        return new context();
    } catch (const std::exception&) {
        errno = ENOMEM;
        return nullptr;
    }
}

int zmq_ctx_shutdown(void* handle)
{
    context* c = context::from(handle);
    if (!c)
        return -1;
    c->shutdown();
    return 0;
}

int zmq_ctx_term(void* handle)
{
    context* c = context::from(handle);
    if (!c)
        return -1;
    c->terminate();
    delete c;
    return 0;
}

int zmq_ctx_set(void* handle, int option, int value)
{
    context* c = context::from(handle);
    if (!c)
        return -1;
    switch (option) {
    case ZMQ_IO_THREADS: // zmtp runs each context on one I/O thread; the value is kept
        if (value < 0)
            return fail(EINVAL);
        c->io_threads = value;
        return 0;
    case ZMQ_MAX_SOCKETS:
        if (value < 1)
            return fail(EINVAL);
        c->max_sockets = value;
        return 0;
    case ZMQ_BLOCKY:
        c->blocky = value != 0;
        return 0;
    case ZMQ_IPV6:
        c->ipv6 = value != 0;
        return 0;
    case ZMQ_MAX_MSGSZ:
        if (value < 0)
            return fail(EINVAL);
        c->max_message_size = value;
        return 0;
    case ZMQ_THREAD_PRIORITY:
    case ZMQ_THREAD_SCHED_POLICY:
    case ZMQ_THREAD_AFFINITY_CPU_ADD:
    case ZMQ_THREAD_AFFINITY_CPU_REMOVE:
        return 0; // accepted; zmtp's I/O thread keeps the system's scheduling
    default:
        return fail(EINVAL);
    }
}

int zmq_ctx_get(void* handle, int option)
{
    context* c = context::from(handle);
    if (!c)
        return -1;
    switch (option) {
    case ZMQ_IO_THREADS:
        return c->io_threads;
    case ZMQ_MAX_SOCKETS:
        return c->max_sockets;
    case ZMQ_SOCKET_LIMIT:
        return 65535;
    case ZMQ_BLOCKY:
        return c->blocky ? 1 : 0;
    case ZMQ_IPV6:
        return c->ipv6 ? 1 : 0;
    case ZMQ_MAX_MSGSZ:
        return c->max_message_size;
    case ZMQ_MSG_T_SIZE:
        return static_cast<int>(sizeof(zmq_msg_t));
    default:
        return fail(EINVAL);
    }
}

void* zmq_init(int io_threads)
{
    if (io_threads < 0) {
        errno = EINVAL;
        return nullptr;
    }
    void* c = zmq_ctx_new();
    if (c)
        zmq_ctx_set(c, ZMQ_IO_THREADS, io_threads);
    return c;
}

int zmq_term(void* handle) { return zmq_ctx_term(handle); }

int zmq_ctx_destroy(void* handle) { return zmq_ctx_term(handle); }

} // extern "C"
