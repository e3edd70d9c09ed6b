// ROUTER addressing (by set and by generated routing ids) in both directions, DEALER/REQ
// round-robin over libzmq REP peers, and ROUTER fair queueing of libzmq DEALERs.
#include "interop_helpers.hpp"

#include <map>
#include <set>

using namespace interop;
using zmtp::socket_type;

TEST_SUITE("routing")
{
    TEST_CASE("libzmq ROUTER sends to our DEALER by the routing id we set")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmq_sock router(zctx, ZMQ_ROUTER);
        router.set(ZMQ_ROUTER_MANDATORY, 1);
        const std::string ep = router.bind("tcp://127.0.0.1:*");

        zmtp::socket_options o = zmtp_options();
        o.routing_id = "our-dealer";
        zmtp::socket dealer(ctx, socket_type::dealer, o);
        zconnect(dealer, ep);

        // The ROUTER learns "our-dealer" from our READY; until then the id is unroutable.
        REQUIRE_MESSAGE(retry_for(io_timeout, [&] { return router.try_send({"our-dealer", "hello", ""}, ZMQ_DONTWAIT); }),
                        "libzmq ROUTER never accepted routing id our-dealer: " << zmq_error());
        auto got = zrecv(dealer);
        REQUIRE(got.has_value());
        CHECK(*got == parts{"hello", ""});

        // And our messages reach it under that id.
        REQUIRE(zsend(dealer, {"reply", "x"}));
        auto seen = router.recv();
        REQUIRE(seen.has_value());
        CHECK(*seen == parts{"our-dealer", "reply", "x"});

        // An unknown id stays unroutable.
        CHECK_FALSE(router.try_send({"nobody", "x"}, ZMQ_DONTWAIT));
        CHECK(zmq_errno() == EHOSTUNREACH);
    }

    TEST_CASE("our ROUTER sends to libzmq DEALERs by their ZMQ_ROUTING_ID and by generated ids")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmtp::socket_options o = zmtp_options();
        o.router_mandatory = true;
        zmtp::socket router(ctx, socket_type::router, o);
        const std::string ep = zbind(router, "tcp://127.0.0.1:*");

        zmq_sock alpha(zctx, ZMQ_DEALER);
        alpha.set(ZMQ_ROUTING_ID, "alpha");
        zmq_sock beta(zctx, ZMQ_DEALER);
        beta.set(ZMQ_ROUTING_ID, std::string_view("b\xff\x01", 3)); // binary ids are fine
        zmq_sock anon1(zctx, ZMQ_DEALER);
        zmq_sock anon2(zctx, ZMQ_DEALER);
        zmq_sock* dealers[] = {&alpha, &beta, &anon1, &anon2};
        const char* names[] = {"alpha", "beta", "anon1", "anon2"};
        for (auto* d : dealers)
            d->connect(ep);
        for (int i = 0; i < 4; ++i)
            REQUIRE(dealers[i]->send({std::string("from ") + names[i]}));

        // Collect the routing id of each sender from its first message.
        std::map<std::string, std::string> id_of; // name -> routing id
        for (int i = 0; i < 4; ++i) {
            auto got = zrecv(router);
            REQUIRE(got.has_value());
            REQUIRE(got->size() == 2);
            const std::string name = (*got)[1].substr(5);
            id_of[name] = (*got)[0];
        }
        REQUIRE(id_of.size() == 4);
        CHECK(id_of["alpha"] == "alpha");
        CHECK(id_of["beta"] == std::string("b\xff\x01", 3));
        for (const char* anon : {"anon1", "anon2"}) {
            CAPTURE(anon);
            const std::string& id = id_of[anon];
            CHECK_MESSAGE(id.size() == 5, "generated id " << escape(id));
            CHECK_MESSAGE((!id.empty() && id[0] == '\0'), "generated id " << escape(id));
        }
        CHECK(id_of["anon1"] != id_of["anon2"]);

        // Address each one; each must get exactly its own message, several times over.
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 4; ++i)
                REQUIRE(zsend(router, {id_of[names[i]], "to " + std::string(names[i]), std::to_string(round)}));
            for (int i = 0; i < 4; ++i) {
                CAPTURE(names[i]);
                auto got = dealers[i]->recv();
                REQUIRE(got.has_value());
                CHECK(*got == parts{"to " + std::string(names[i]), std::to_string(round)});
            }
        }
        for (auto* d : dealers)
            CHECK_FALSE(d->try_recv(ZMQ_DONTWAIT).has_value());

        // router_mandatory: an unknown id fails instead of vanishing.
        std::error_code ec;
        router.send(zmtp::message{"nobody", "x"}, zmtp::send_flags::dontwait, ec);
        CHECK(ec == zmtp::errc::host_unreachable);
    }

    TEST_CASE("our DEALER round-robins requests evenly over three libzmq REPs")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmtp::socket dealer(ctx, socket_type::dealer, zmtp_options());
        event_log events(dealer);

        std::vector<std::unique_ptr<zmq_sock>> reps;
        for (int i = 0; i < 3; ++i) {
            reps.push_back(std::make_unique<zmq_sock>(zctx, ZMQ_REP));
            zconnect(dealer, reps.back()->bind("tcp://127.0.0.1:*"));
        }
        REQUIRE_MESSAGE(events.wait_for(zmtp::monitor_event_type::handshake_succeeded, 3),
                        "three handshakes expected; events: " << events.describe());

        constexpr int count = 300;
        for (int i = 0; i < count; ++i)
            REQUIRE(zsend(dealer, {"", "req " + std::to_string(i)}));

        // Serve them: each REP answers what it gets, tagged with its index.
        std::vector<int> served(3, 0);
        int total = 0;
        std::set<int> seen_requests;
        const auto deadline = std::chrono::steady_clock::now() + io_timeout;
        while (total < count && std::chrono::steady_clock::now() < deadline) {
            zmq_pollitem_t items[3];
            for (int i = 0; i < 3; ++i)
                items[i] = {reps[i]->get(), 0, ZMQ_POLLIN, 0};
            if (zmq_poll(items, 3, 100) <= 0)
                continue;
            for (int i = 0; i < 3; ++i) {
                if (!(items[i].revents & ZMQ_POLLIN))
                    continue;
                auto req = reps[i]->recv();
                REQUIRE(req.has_value());
                REQUIRE(req->size() == 1);
                REQUIRE((*req)[0].starts_with("req "));
                seen_requests.insert(std::stoi((*req)[0].substr(4)));
                ++served[i];
                ++total;
                REQUIRE(reps[i]->send({"rep " + (*req)[0].substr(4), std::to_string(i)}));
            }
        }
        CHECK(total == count);
        CHECK(seen_requests.size() == static_cast<std::size_t>(count));
        for (int i = 0; i < 3; ++i) {
            CAPTURE(i);
            CHECK(served[i] >= count / 3 - 1);
            CHECK(served[i] <= count / 3 + 1);
        }

        // All replies come back with the delimiter in front and the REP's tag.
        std::vector<int> replies_from(3, 0);
        std::set<int> replied;
        for (int i = 0; i < count; ++i) {
            auto got = zrecv(dealer);
            REQUIRE(got.has_value());
            REQUIRE(got->size() == 3);
            CHECK((*got)[0] == "");
            REQUIRE((*got)[1].starts_with("rep "));
            replied.insert(std::stoi((*got)[1].substr(4)));
            ++replies_from.at(std::stoul((*got)[2]));
        }
        CHECK(replied.size() == static_cast<std::size_t>(count));
        CHECK(replies_from == served);
    }

    TEST_CASE("our REQ round-robins requests evenly over three libzmq REPs")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmtp::socket req(ctx, socket_type::req, zmtp_options());

        std::vector<std::unique_ptr<zmq_sock>> reps;
        for (int i = 0; i < 3; ++i) {
            reps.push_back(std::make_unique<zmq_sock>(zctx, ZMQ_REP));
            zconnect(req, reps.back()->bind("tcp://127.0.0.1:*"));
        }

        constexpr int count = 30;
        std::vector<int> served(3, 0);
        for (int n = 0; n < count; ++n) {
            CAPTURE(n);
            const std::string body = "req " + std::to_string(n);
            REQUIRE(zsend(req, {body}));
            zmq_pollitem_t items[3];
            for (int i = 0; i < 3; ++i)
                items[i] = {reps[i]->get(), 0, ZMQ_POLLIN, 0};
            REQUIRE(zmq_poll(items, 3, io_timeout_ms) == 1); // exactly one REP got it
            int which = -1;
            for (int i = 0; i < 3; ++i)
                if (items[i].revents & ZMQ_POLLIN)
                    which = i;
            REQUIRE(which >= 0);
            auto got = reps[which]->recv();
            REQUIRE(got.has_value());
            CHECK(*got == parts{body});
            ++served[which];
            REQUIRE(reps[which]->send({"rep " + std::to_string(n), std::to_string(which)}));
            auto reply = zrecv(req);
            REQUIRE(reply.has_value());
            CHECK(*reply == parts{"rep " + std::to_string(n), std::to_string(which)});
        }
        for (int i = 0; i < 3; ++i) {
            CAPTURE(i);
            CHECK(served[i] >= count / 3 - 1);
            CHECK(served[i] <= count / 3 + 1);
        }
    }

    TEST_CASE("our ROUTER fair-queues three libzmq DEALERs sending concurrently")
    {
        zmq_context zctx;
        zmtp::context ctx;
        zmtp::socket router(ctx, socket_type::router, zmtp_options());
        event_log events(router);
        const std::string ep = zbind(router, "tcp://127.0.0.1:*");

        const std::vector<std::string> names = {"d0", "d1", "d2"};
        std::vector<std::unique_ptr<zmq_sock>> dealers;
        for (const auto& name : names) {
            dealers.push_back(std::make_unique<zmq_sock>(zctx, ZMQ_DEALER));
            dealers.back()->set(ZMQ_ROUTING_ID, name);
            dealers.back()->connect(ep);
        }
        REQUIRE_MESSAGE(events.wait_for(zmtp::monitor_event_type::handshake_succeeded, 3),
                        "three handshakes expected; events: " << events.describe());

        constexpr int per_dealer = 100;
        std::atomic<int> send_failures{0};
        {
            std::vector<std::thread> threads;
            for (std::size_t d = 0; d < dealers.size(); ++d)
                threads.emplace_back([&, d] {
                    for (int i = 0; i < per_dealer; ++i)
                        if (!dealers[d]->try_send({names[d], std::to_string(i)}))
                            ++send_failures;
                });
            for (auto& t : threads)
                t.join();
        }
        REQUIRE(send_failures == 0);
        // Let all 300 arrive and queue up at our ROUTER before reading any.
        std::this_thread::sleep_for(300ms);

        std::map<std::string, int> next; // per sender: the next expected sequence number
        std::map<std::string, int> in_first_30;
        for (int n = 0; n < 3 * per_dealer; ++n) {
            CAPTURE(n);
            auto got = zrecv(router);
            REQUIRE(got.has_value());
            REQUIRE(got->size() == 3);
            const std::string& id = (*got)[0];
            CHECK(id == (*got)[1]); // the routing id is the DEALER's ZMQ_ROUTING_ID
            CHECK((*got)[2] == std::to_string(next[id])); // per-sender order kept
            ++next[id];
            if (n < 30)
                ++in_first_30[id];
        }
        CHECK(next.size() == 3);
        for (const auto& name : names) {
            CAPTURE(name);
            CHECK(next[name] == per_dealer);
            CHECK_MESSAGE(in_first_30[name] > 0, "sender starved in the first 30 messages");
            // Fair queueing of three full queues interleaves them: about 10 each.
            CHECK(in_first_30[name] >= 5);
        }
    }
}
