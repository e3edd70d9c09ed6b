// zmq_has, Z85 and CURVE keys, atomic counters, stopwatches, sleep and threads.
#include "errors.hpp"

#include "zmtp/curve_key.hpp"
#include "zmtp/z85.hpp"

#include <zmq.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using zmtp::capi::fail;
using zmtp::capi::fail_null;

/// Writes `text` and a terminating NUL to `dest`.
char* copy_terminated(char* dest, std::string_view text)
{
    std::memcpy(dest, text.data(), text.size());
    dest[text.size()] = '\0';
    return dest;
}

/// Steady time in microseconds, the stopwatch's unit.
unsigned long now_us()
{
    using namespace std::chrono;
    return static_cast<unsigned long>(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

} // namespace

extern "C" {

int zmq_has(const char* capability)
{
    const std::string_view name = capability ? capability : "";
    return name == "ipc" || name == "curve" ? 1 : 0;
}

char* zmq_z85_encode(char* dest, const uint8_t* data, size_t size)
{
    if (size % 4 != 0)
        return fail_null<char>(EINVAL);
    try {
        return copy_terminated(dest, zmtp::z85_encode(std::as_bytes(std::span(data, size))));
    } catch (const std::bad_alloc&) {
        return fail_null<char>(ENOMEM);
    }
}

uint8_t* zmq_z85_decode(uint8_t* dest, const char* string)
{
    try {
        std::error_code ec;
        const std::vector<std::byte> bytes = zmtp::z85_decode(string, ec);
        if (ec)
            return fail_null<uint8_t>(EINVAL);
        std::memcpy(dest, bytes.data(), bytes.size());
        return dest;
    } catch (const std::bad_alloc&) {
        return fail_null<uint8_t>(ENOMEM);
    }
}

int zmq_curve_keypair(char* z85_public_key, char* z85_secret_key)
{
    try {
        const zmtp::curve_key_pair pair = zmtp::curve_keypair();
        copy_terminated(z85_public_key, zmtp::to_z85(pair.public_key));
        copy_terminated(z85_secret_key, zmtp::z85_encode(pair.secret_key.bytes()));
        return 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

int zmq_curve_public(char* z85_public_key, const char* z85_secret_key)
{
    try {
        std::error_code ec;
        const zmtp::curve_secret_key secret = zmtp::parse_curve_secret_key(z85_secret_key, ec);
        if (ec)
            return fail(EINVAL);
        copy_terminated(z85_public_key, zmtp::to_z85(zmtp::curve_public(secret)));
        return 0;
    } catch (const std::bad_alloc&) {
        return fail(ENOMEM);
    }
}

void* zmq_atomic_counter_new(void) { return new (std::nothrow) std::atomic<int>(0); }

void zmq_atomic_counter_set(void* counter, int value) { static_cast<std::atomic<int>*>(counter)->store(value); }

int zmq_atomic_counter_inc(void* counter) { return static_cast<std::atomic<int>*>(counter)->fetch_add(1); }

int zmq_atomic_counter_dec(void* counter)
{
    return static_cast<std::atomic<int>*>(counter)->fetch_sub(1) - 1 > 0 ? 1 : 0;
}

int zmq_atomic_counter_value(void* counter) { return static_cast<std::atomic<int>*>(counter)->load(); }

void zmq_atomic_counter_destroy(void** counter_p)
{
    delete static_cast<std::atomic<int>*>(*counter_p);
    *counter_p = nullptr;
}

void* zmq_stopwatch_start(void) { return new (std::nothrow) unsigned long(now_us()); }

unsigned long zmq_stopwatch_intermediate(void* watch) { return now_us() - *static_cast<unsigned long*>(watch); }

unsigned long zmq_stopwatch_stop(void* watch)
{
    const unsigned long elapsed = zmq_stopwatch_intermediate(watch);
    delete static_cast<unsigned long*>(watch);
    return elapsed;
}

void zmq_sleep(int seconds) { std::this_thread::sleep_for(std::chrono::seconds(seconds)); }

void* zmq_threadstart(zmq_thread_fn* func, void* arg)
{
    try {
        return new std::thread(func, arg);
    } catch (const std::exception&) {
        return nullptr;
    }
}

void zmq_threadclose(void* thread)
{
    auto* t = static_cast<std::thread*>(thread);
    t->join();
    delete t;
}

} // extern "C"
