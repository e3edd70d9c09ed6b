// Shared helpers of the benchmark programs: argument parsing, the clock and the report
// lines. The output follows the format of libzmq's perf tools (local_thr, remote_lat ...)
// so the driver (bench/run.py) parses every program the same way. No zmtp or libzmq here.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

using clock = std::chrono::steady_clock;

/// `<endpoint> <message-size> <count>`, the arguments of every perf program.
struct args {
    std::string endpoint;
    std::size_t size = 0;
    std::uint64_t count = 0;
};

inline bool parse_number(const char* text, std::uint64_t& out)
{
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0')
        return false;
    out = value;
    return true;
}

/// Parses argv[first..first+2]; prints the usage line and exits on a mistake.
inline args parse_args(int argc, char** argv, const char* usage, int first = 1)
{
    args a;
    std::uint64_t size = 0;
    if (argc != first + 3 || !parse_number(argv[first + 1], size) || !parse_number(argv[first + 2], a.count) ||
        a.count == 0) {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        std::exit(2);
    }
    a.endpoint = argv[first];
    a.size = static_cast<std::size_t>(size);
    return a;
}

inline double seconds(clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

/// The throughput lines of libzmq's local_thr: messages per second over the measured
/// interval, and megabits of payload per second.
inline void print_throughput(std::size_t size, std::uint64_t count, clock::duration elapsed)
{
    double secs = seconds(elapsed);
    if (secs <= 0)
        secs = 1e-9;
    const double msg_per_s = static_cast<double>(count) / secs;
    const double megabits = msg_per_s * static_cast<double>(size) * 8 / 1e6;
    std::printf("message size: %zu [B]\n", size);
    std::printf("message count: %llu\n", static_cast<unsigned long long>(count));
    std::printf("mean throughput: %.0f [msg/s]\n", msg_per_s);
    std::printf("mean throughput: %.3f [Mb/s]\n", megabits);
    std::fflush(stdout);
}

/// The latency lines of libzmq's remote_lat (average latency = half a round trip over the
/// whole run) plus the median and 99th percentile of the individual round trips.
inline void print_latency(std::size_t size, std::uint64_t roundtrips, clock::duration total,
                          std::vector<double>& roundtrip_us)
{
    const double average = seconds(total) * 1e6 / (static_cast<double>(roundtrips) * 2);
    double p50 = 0, p99 = 0;
    if (!roundtrip_us.empty()) {
        std::sort(roundtrip_us.begin(), roundtrip_us.end());
        const auto at = [&](double q) {
            const std::size_t i = static_cast<std::size_t>(q * static_cast<double>(roundtrip_us.size() - 1) + 0.5);
            return roundtrip_us[std::min(i, roundtrip_us.size() - 1)];
        };
        p50 = at(0.50);
        p99 = at(0.99);
    }
    std::printf("message size: %zu [B]\n", size);
    std::printf("roundtrip count: %llu\n", static_cast<unsigned long long>(roundtrips));
    std::printf("average latency: %.3f [us]\n", average);
    std::printf("p50 roundtrip: %.3f [us]\n", p50);
    std::printf("p99 roundtrip: %.3f [us]\n", p99);
    std::fflush(stdout);
}

inline double micros(clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}

} // namespace bench
