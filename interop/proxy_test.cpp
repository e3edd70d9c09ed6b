// Request/reply through libzmq's built-in proxy (ROUTER frontend, DEALER backend): our REQs
// connect to the frontend, our REP to the backend.
#include "interop_helpers.hpp"

using namespace interop;
using zmtp::socket_type;

namespace {

/// zmq_proxy_steerable(frontend ROUTER, backend DEALER, no capture, control PAIR) on a
/// thread; stopped with TERMINATE on the control socket.
class libzmq_proxy {
public:
    libzmq_proxy()
        : frontend_(zctx_, ZMQ_ROUTER), backend_(zctx_, ZMQ_DEALER), control_(zctx_, ZMQ_PAIR),
          controller_(zctx_, ZMQ_PAIR)
    {
        frontend_endpoint = frontend_.bind("tcp://127.0.0.1:*");
        backend_endpoint = backend_.bind("tcp://127.0.0.1:*");
        const std::string ctl = "inproc://interop-proxy-control-" + std::to_string(next_counter());
        control_.bind(ctl);
        controller_.connect(ctl);
        thread_ = std::thread([this] {
            result_ = zmq_proxy_steerable(frontend_.get(), backend_.get(), nullptr, control_.get());
        });
    }
    ~libzmq_proxy()
    {
        controller_.send({"TERMINATE"});
        thread_.join();
    }
    int result() const { return result_; }

    std::string frontend_endpoint;
    std::string backend_endpoint;

private:
    zmq_context zctx_;
    zmq_sock frontend_;
    zmq_sock backend_;
    zmq_sock control_;
    zmq_sock controller_;
    std::thread thread_;
    int result_ = -2;
};

} // namespace

TEST_SUITE("proxy")
{
    TEST_CASE("our REQ -> libzmq zmq_proxy(ROUTER, DEALER) -> our REP and back")
    {
        libzmq_proxy proxy;
        zmtp::context ctx;
        zmtp::socket rep(ctx, socket_type::rep, zmtp_options());
        zconnect(rep, proxy.backend_endpoint);
        zmtp::socket req(ctx, socket_type::req, zmtp_options());
        zconnect(req, proxy.frontend_endpoint);

        for (int i = 0; i < 10; ++i) {
            CAPTURE(i);
            const std::string n = std::to_string(i);
            REQUIRE(zsend(req, {"request " + n, "part 2"}));
            auto got = zrecv(rep); // the proxy's envelope is stripped by our REP
            REQUIRE(got.has_value());
            CHECK(*got == parts{"request " + n, "part 2"});
            REQUIRE(zsend(rep, {"reply " + n}));
            auto reply = zrecv(req);
            REQUIRE(reply.has_value());
            CHECK(*reply == parts{"reply " + n});
        }
    }

    TEST_CASE("two of our REQs through zmq_proxy each get their own replies")
    {
        libzmq_proxy proxy;
        zmtp::context ctx;
        zmtp::socket rep(ctx, socket_type::rep, zmtp_options());
        zconnect(rep, proxy.backend_endpoint);
        zmtp::socket req_a(ctx, socket_type::req, zmtp_options());
        zconnect(req_a, proxy.frontend_endpoint);
        zmtp::socket req_b(ctx, socket_type::req, zmtp_options());
        zconnect(req_b, proxy.frontend_endpoint);

        for (int i = 0; i < 5; ++i) {
            CAPTURE(i);
            const std::string n = std::to_string(i);
            REQUIRE(zsend(req_a, {"a" + n}));
            REQUIRE(zsend(req_b, {"b" + n}));
            // Our REP answers each request (in whatever order they come) with "re:" + body.
            for (int k = 0; k < 2; ++k) {
                auto got = zrecv(rep);
                REQUIRE(got.has_value());
                REQUIRE(got->size() == 1);
                const std::string body = (*got)[0];
                CHECK((body == "a" + n || body == "b" + n));
                REQUIRE(zsend(rep, {"re:" + body}));
            }
            auto ra = zrecv(req_a);
            REQUIRE(ra.has_value());
            CHECK(*ra == parts{"re:a" + n});
            auto rb = zrecv(req_b);
            REQUIRE(rb.has_value());
            CHECK(*rb == parts{"re:b" + n});
        }
    }
}
