// libFuzzer target: wire::curve_server (RFC 25/26) from its first command, with the
// zmq_curve(7) server keys and seeded randomness, fed arbitrary command bodies and a
// genuine client's commands changed at one place.
//
// Input: a script (curve_script.hpp) whose records' `op % 5` selects:
//   0 raw       data is one command body, for on_command()
//   1 hello     the genuine client's HELLO, changed as data says
//   2 initiate  the genuine client's INITIATE, its answer to the server's WELCOME (skipped
//               while there is none), changed as data says
//   3 advance   the clock moves on data[0] seconds (the cookie lives 60 s)
//   4 decide    on_authentication() with the status data[0] % 5 picks: 200, 300, 400,
//               500, 999
// The genuine client is a curve_client with the zmq_curve(7) client keys, seeded too.
//
// Invariants (trap on violation), from a model of what the server may take:
//   - a HELLO is taken iff the server is fresh and the command is the genuine HELLO but
//     for its padding (bytes 8..79, which no box covers); then exactly one WELCOME of 168
//     bytes is queued, and the genuine client takes it
//   - an INITIATE is taken iff the server sent a WELCOME, the command is the genuine
//     INITIATE unchanged, and the cookie is at most 60 s old; then authentication is
//     asked for the client's key and Identity, and nothing is queued
//   - a decision is taken only while asked: 200 queues exactly one READY and the server
//     is done; 400 and 500 queue an ERROR with that code; the others queue nothing
//   - an error queues nothing (those ERRORs aside) and is sticky: every later call is an
//     error; the errors are the documented ones
//   - once done, the genuine client takes the READY and messages go both ways
#include "curve_script.hpp"

#include "zmtp/wire/curve_mechanism.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace {

using namespace zmtp_fuzz::curve;
using namespace std::chrono_literals;
using time_point = wire::mechanism::time_point;
namespace keys = zmtp_test::curve;

constexpr std::string_view identity = "fuzz-client";

wire::metadata client_metadata()
{
    wire::metadata m;
    m.set("Socket-Type", "DEALER");
    m.set("Identity", identity);
    return m;
}

wire::metadata server_metadata()
{
    wire::metadata m;
    m.set("Socket-Type", "ROUTER");
    return m;
}

/// The same HELLO but perhaps for the padding (bytes 8..79).
bool same_but_padding(std::span<const std::byte> a, std::span<const std::byte> b)
{
    return a.size() == 200 && b.size() == 200 && same(a.first(8), b.first(8)) && same(a.subspan(80), b.subspan(80));
}

class harness {
public:
    harness()
    {
        ZMTP_FUZZ_CHECK(!server_.start(to_client_, now_));
        ZMTP_FUZZ_CHECK(to_client_.empty());
        ZMTP_FUZZ_CHECK(!client_.start(to_server_, now_));
        hello_ = only_command(to_server_);
    }

    void run(std::span<const std::byte> script)
    {
        record_reader reader(script);
        record r;
        while (reader.next(r)) {
            switch (r.op % 5) {
            case 0: command(r.data); break;
            case 1: command(changed(hello_, r.data)); break;
            case 2:
                if (initiate_)
                    command(changed(*initiate_, r.data));
                break;
            case 3: now_ += std::chrono::seconds(r.data.empty() ? 0 : static_cast<int>(r.data[0])); break;
            default: decide(r.data.empty() ? 0 : static_cast<std::uint8_t>(r.data[0])); break;
            }
        }
    }

private:
    enum class stage { fresh, welcomed, asked, done, failed };

    void command(std::span<const std::byte> body)
    {
        const std::optional<std::error_code> ec = give(server_, body, to_client_, now_);
        if (!ec)
            return; // not a command: the connection's to refuse
        const std::vector<std::vector<std::byte>> out = queued_commands(to_client_);
        bool ok = false;
        if (at_ == stage::fresh)
            ok = same_but_padding(body, hello_);
        else if (at_ == stage::welcomed)
            ok = initiate_ && same(body, *initiate_) && now_ - welcomed_ <= 60s;
        ZMTP_FUZZ_CHECK(!*ec == ok);
        if (*ec) {
            ZMTP_FUZZ_CHECK(out.empty());
            ZMTP_FUZZ_CHECK(!server_.authentication_wanted() && !server_.done());
            at_ = stage::failed;
            return;
        }
        if (at_ == stage::fresh) {
            ZMTP_FUZZ_CHECK(out.size() == 1 && is_command(out[0], "WELCOME", 168));
            ZMTP_FUZZ_CHECK(give(client_, out[0], to_server_, now_) == std::error_code{});
            initiate_ = only_command(to_server_);
            welcomed_ = now_;
            at_ = stage::welcomed;
            return;
        }
        ZMTP_FUZZ_CHECK(out.empty());
        const wire::authentication_request* request = server_.authentication_wanted();
        ZMTP_FUZZ_CHECK(request != nullptr && request->mechanism == "CURVE");
        ZMTP_FUZZ_CHECK(request->credentials == std::vector<std::string>{key_string(keys::client_public)});
        ZMTP_FUZZ_CHECK(server_.peer_metadata().get("Socket-Type") == "DEALER");
        ZMTP_FUZZ_CHECK(!server_.done());
        at_ = stage::asked;
    }

    void decide(std::uint8_t pick)
    {
        static constexpr std::string_view codes[] = {"200", "300", "400", "500", "999"};
        const std::string_view code = codes[pick % 5];
        const std::error_code ec = server_.on_authentication(status(code), to_client_);
        const std::vector<std::vector<std::byte>> out = queued_commands(to_client_);
        if (at_ != stage::asked) {
            ZMTP_FUZZ_CHECK(ec == errc::unexpected_command && out.empty());
            at_ = stage::failed;
            return;
        }
        if (code != "200") {
            ZMTP_FUZZ_CHECK(ec && !server_.done() && !server_.authentication_wanted());
            if (code == "400" || code == "500") {
                ZMTP_FUZZ_CHECK(out.size() == 1 && out[0] == error_body(code));
            } else {
                ZMTP_FUZZ_CHECK(out.empty());
            }
            at_ = stage::failed;
            return;
        }
        ZMTP_FUZZ_CHECK(!ec && server_.done() && !server_.authentication_wanted() && server_.box());
        ZMTP_FUZZ_CHECK(out.size() == 1 && out[0].size() >= 30);
        ZMTP_FUZZ_CHECK(give(client_, out[0], to_server_, now_) == std::error_code{});
        ZMTP_FUZZ_CHECK(client_.done() && to_server_.empty());
        ZMTP_FUZZ_CHECK(client_.peer_metadata().get("Socket-Type") == "ROUTER");
        check_messages_flow(*client_.box(), *server_.box());
        at_ = stage::done;
    }

    wire::curve_client client_{keys::client_public, keys::client_secret, keys::server_public, client_metadata(),
                               keys::seeded_random(1)};
    wire::curve_server server_{keys::server_public, keys::server_secret, server_metadata(), keys::seeded_random(2)};
    wire::output_queue to_server_;
    wire::output_queue to_client_;
    time_point now_{};
    time_point welcomed_{};
    std::vector<std::byte> hello_;
    std::optional<std::vector<std::byte>> initiate_;
    stage at_ = stage::fresh;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness h;
    h.run(zmtp_fuzz::as_bytes(data, size));
    return 0;
}
