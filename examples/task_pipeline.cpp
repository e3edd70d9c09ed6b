// Divide and conquer, the Guide's task ventilator, workers and sink, in one program with
// blocking calls and threads: the ventilator PUSHes tasks round-robin to three workers,
// each works on its tasks and PUSHes the results to the sink, which PULLs them fairly from
// all workers and checks that it got every result exactly once.
#include <zmtp/context.hpp>
#include <zmtp/monitor.hpp>
#include <zmtp/socket.hpp>

#include <asio/use_future.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

constexpr int task_count = 100;
constexpr int worker_count = 3;

/// Takes ["task", id, milliseconds] from the ventilator, sleeps that long, sends
/// [id, worker] to the sink; ends with a ["stop"].
void worker(zmtp::context& ctx, const std::string& ventilator, const std::string& sink, int number)
{
    zmtp::socket tasks(ctx, zmtp::socket_type::pull);
    zmtp::socket results(ctx, zmtp::socket_type::push);
    tasks.connect(ventilator);
    results.connect(sink);
    for (;;) {
        const zmtp::message task = tasks.receive();
        if (task[0].view() == "stop")
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(task[2].to_string())));
        results.send(zmtp::message{task[1].view(), std::to_string(number)});
    }
}

int main()
{
    zmtp::context ctx;
    zmtp::socket ventilator(ctx, zmtp::socket_type::push);
    zmtp::socket sink(ctx, zmtp::socket_type::pull);
    ventilator.enable_monitor(); // to see the workers connect
    ventilator.bind("tcp://127.0.0.1:*");
    sink.bind("tcp://127.0.0.1:*");

    std::vector<std::thread> workers;
    for (int i = 0; i < worker_count; ++i)
        workers.emplace_back(worker, std::ref(ctx), ventilator.last_endpoint(), sink.last_endpoint(), i);

    // A PUSH hands each task to the next connected worker: wait for all of them, or the
    // first to connect would get every task (the Guide's "slow joiner" of pipelines).
    for (int connected = 0; connected < worker_count;)
        if (ventilator.async_next_event(asio::use_future).get().type == zmtp::monitor_event_type::handshake_succeeded)
            ++connected;

    const auto start = std::chrono::steady_clock::now();
    std::mt19937 random(7);
    std::uniform_int_distribution<int> workload(1, 10); // milliseconds
    int total_ms = 0;
    for (int id = 0; id < task_count; ++id) {
        const int ms = workload(random);
        total_ms += ms;
        ventilator.send(zmtp::message{"task", std::to_string(id), std::to_string(ms)});
    }

    std::vector<int> seen(task_count, 0);
    std::map<std::string, int> per_worker;
    for (int n = 0; n < task_count; ++n) {
        const zmtp::message result = sink.receive();
        ++seen.at(static_cast<std::size_t>(std::stoi(result[0].to_string())));
        ++per_worker[result[1].to_string()];
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);

    // Every worker has finished its tasks: one stop each, round-robin again.
    for (int i = 0; i < worker_count; ++i)
        ventilator.send("stop");
    for (std::thread& t : workers)
        t.join();

    std::cout << task_count << " tasks of " << total_ms << " ms in all took " << elapsed.count() << " ms with "
              << worker_count << " workers\n";
    for (const auto& [number, count] : per_worker)
        std::cout << "worker " << number << ": " << count << " tasks\n";
    for (int id = 0; id < task_count; ++id) {
        if (seen[static_cast<std::size_t>(id)] != 1) {
            std::cerr << "task " << id << ": " << seen[static_cast<std::size_t>(id)] << " results\n";
            return 1;
        }
    }
    return 0;
}
