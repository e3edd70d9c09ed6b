// Weather updates, the Guide's first PUB/SUB example, as two C++20 coroutines on one
// io_context: the server publishes "zipcode temperature humidity" for random zip codes,
// the client subscribes to one zip code and averages its temperature over 100 updates.
#include <zmtp/socket.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <variant>

using namespace asio::experimental::awaitable_operators;

constexpr int first_zip = 10000; // ten zip codes, so that one in ten updates is ours
constexpr int zip_count = 10;
constexpr int our_zip = 10003;
constexpr int updates_wanted = 100;

/// Each zip code has its own climate: a mean temperature, give or take 5 degrees.
int mean_temperature(int zip)
{
    return (zip - first_zip) * 10 - 20;
}

/// Random updates, "zipcode temperature humidity".
class weather_station {
public:
    std::string next_update()
    {
        const int z = zip_(random_);
        return std::to_string(z) + ' ' + std::to_string(mean_temperature(z) + noise_(random_)) + ' ' +
               std::to_string(humidity_(random_));
    }

private:
    std::mt19937 random_{42};
    std::uniform_int_distribution<int> zip_{first_zip, first_zip + zip_count - 1};
    std::uniform_int_distribution<int> noise_{-5, 5};
    std::uniform_int_distribution<int> humidity_{10, 60};
};

asio::awaitable<void> server(zmtp::socket& publisher, weather_station& station)
{
    // A PUB never waits: updates nobody subscribed to (yet) are dropped, and so are those
    // for a subscriber that falls behind. Each send still lets the client run. Runs until
    // cancelled.
    for (;;) {
        zmtp::message update{station.next_update()};
        co_await publisher.async_send(std::move(update), asio::use_awaitable);
    }
}

asio::awaitable<int> client(zmtp::socket& subscriber)
{
    // The trailing space: "10003 " and not 100030.
    subscriber.subscribe(std::to_string(our_zip) + ' ');
    long total_temperature = 0;
    for (int n = 0; n < updates_wanted; ++n) {
        const zmtp::message update = co_await subscriber.async_receive(asio::use_awaitable);
        std::istringstream fields{std::string(update[0].view())};
        int zip = 0, temperature = 0, humidity = 0;
        fields >> zip >> temperature >> humidity;
        if (zip != our_zip) {
            std::cerr << "an update for another zip code: " << update[0].view() << '\n';
            co_return 1;
        }
        total_temperature += temperature;
    }
    const double average = static_cast<double>(total_temperature) / updates_wanted;
    std::cout << "Average temperature for zip code " << our_zip << " was " << average << "\n";
    const bool plausible = average >= mean_temperature(our_zip) - 5 && average <= mean_temperature(our_zip) + 5;
    co_return plausible ? 0 : 1;
}

int main()
{
    asio::io_context io;
    zmtp::socket publisher(io, zmtp::socket_type::pub);
    zmtp::socket subscriber(io, zmtp::socket_type::sub);
    publisher.bind("tcp://127.0.0.1:*");
    subscriber.connect(publisher.last_endpoint());

    weather_station station;
    int result = 1;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        // Whichever ends first cancels the other: the client, once it has its average.
        const std::variant<std::monostate, int> outcome = co_await (server(publisher, station) || client(subscriber));
        result = std::get<1>(outcome);
        publisher.close();
        subscriber.close();
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); }); // out of io.run()
    io.run(); // until the sockets are closed
    return result;
}
