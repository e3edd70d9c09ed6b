// bind() to tcp://<interface name>:port, as `man zmq_tcp` allows: the interface's address
// is bound (IPv4 first); a name that is neither an interface nor a host is refused clearly.
#include "zmtp/socket.hpp"

#include "socket_test_support.hpp"
#include "zmtp/context.hpp"
#include "zmtp/endpoint.hpp"

#include <asio/error.hpp>
#include <doctest/doctest.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>

#include <optional>
#include <set>
#include <string>
#include <system_error>

using namespace zmtp_test;
using zmtp::message;
using zmtp::socket_type;

namespace {

/// The name of an interface with no IPv4 or IPv6 address (a down dummy, ifb...), if any.
std::optional<std::string> interface_without_address()
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return std::nullopt;
    std::set<std::string> addressed;
    for (const ifaddrs* i = list; i; i = i->ifa_next)
        if (i->ifa_name && i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
            addressed.insert(i->ifa_name);
    ::freeifaddrs(list);
    std::optional<std::string> found;
    if (struct if_nameindex* names = ::if_nameindex()) {
        for (const struct if_nameindex* n = names; n->if_index != 0 && !found; ++n)
            if (!addressed.count(n->if_name))
                found = n->if_name;
        ::if_freenameindex(names);
    }
    return found;
}

} // namespace

TEST_CASE("socket: bind to an interface name binds its address (lo is 127.0.0.1)")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    router.bind("tcp://lo:*");
    const std::string bound = router.last_endpoint();
    CAPTURE(bound);
    REQUIRE(bound.rfind("tcp://127.0.0.1:", 0) == 0);
    zmtp::endpoint parsed;
    REQUIRE_FALSE(zmtp::parse_endpoint(bound, parsed));
    CHECK(parsed.port != 0);

    zmtp::socket dealer(ctx, socket_type::dealer, test_options({.routing_id = "d"}));
    dealer.connect(bound);
    dealer.send(message{"hello"});
    CHECK(parts(router.receive()) == strings{"d", "hello"});
    router.send(message{"d", "world"});
    CHECK(parts(dealer.receive()) == strings{"world"});
}

TEST_CASE("socket: bind to a name that is no interface and no host fails with no_such_device")
{
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    const std::string text = "tcp://zmtp-no-nic9:*";
    std::error_code ec;
    router.bind(text, ec);
    INFO(zmtp::describe_endpoint_error(text, ec));
    if (ec == asio::error::host_not_found_try_again) {
        MESSAGE("the resolver could not answer (no DNS here?): " << ec.message());
        return;
    }
    CHECK(ec == std::errc::no_such_device);
    CHECK(zmtp::describe_endpoint_error(text, ec) == "tcp://zmtp-no-nic9:*: no interface or host named 'zmtp-no-nic9'");
    CHECK_THROWS_AS(router.bind(text), std::system_error);
    CHECK(router.last_endpoint().empty());
}

TEST_CASE("socket: bind to an interface without an address fails with address_not_available")
{
    const std::optional<std::string> name = interface_without_address();
    if (!name) {
        MESSAGE("every interface here has an address; nothing to check");
        return;
    }
    CAPTURE(*name);
    zmtp::context ctx;
    zmtp::socket router(ctx, socket_type::router, test_options());
    std::error_code ec;
    router.bind("tcp://" + *name + ":*", ec);
    CHECK(ec == std::errc::address_not_available);
}
