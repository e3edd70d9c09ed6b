// libFuzzer target: wire::curve_client (RFC 25/26) after its HELLO, with the zmq_curve(7)
// keys and seeded randomness, fed arbitrary command bodies and a genuine server's
// commands changed at one place.
//
// Input: a script (curve_script.hpp) whose records' `op % 4` selects:
//   0 raw       data is one command body, for on_command()
//   1 welcome   the genuine server's WELCOME (its answer to the client's HELLO), changed
//               as data says
//   2 ready     the genuine server's READY, its answer (once admitted) to the client's
//               INITIATE (skipped while there is none), changed as data says
//   3 advance   the clock moves on data[0] seconds (nothing a client does depends on it)
// The genuine server is a curve_server with the zmq_curve(7) server keys, seeded too.
//
// Invariants (trap on violation), from a model of what the client may take:
//   - a WELCOME is taken iff the client has sent only HELLO and the command is the
//     genuine WELCOME unchanged; then exactly one INITIATE is queued, which the genuine
//     server takes (and asks to authenticate the client's key)
//   - a READY is taken iff the client has sent INITIATE and the command is the genuine
//     READY unchanged; then the client is done, has the server's metadata, and messages
//     go both ways
//   - an error queues nothing and is sticky: every later command is an error; the
//     errors are the documented ones
#include "curve_script.hpp"

#include "zmtp/wire/curve_mechanism.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace {

using namespace zmtp_fuzz::curve;
using time_point = wire::mechanism::time_point;
namespace keys = zmtp_test::curve;

wire::metadata metadata_of(std::string_view socket_type)
{
    wire::metadata m;
    m.set("Socket-Type", socket_type);
    m.set("X-Fuzz", socket_type);
    return m;
}

class harness {
public:
    harness()
    {
        ZMTP_FUZZ_CHECK(!client_.start(to_server_, now_));
        const std::vector<std::byte> hello = only_command(to_server_);
        ZMTP_FUZZ_CHECK(is_command(hello, "HELLO", 200));
        ZMTP_FUZZ_CHECK(give(server_, hello, to_client_, {}) == std::error_code{});
        welcome_ = only_command(to_client_);
    }

    void run(std::span<const std::byte> script)
    {
        record_reader reader(script);
        record r;
        while (reader.next(r)) {
            switch (r.op % 4) {
            case 0: command(r.data); break;
            case 1: command(changed(welcome_, r.data)); break;
            case 2:
                if (ready_)
                    command(changed(*ready_, r.data));
                break;
            default: now_ += std::chrono::seconds(r.data.empty() ? 0 : static_cast<int>(r.data[0])); break;
            }
        }
    }

private:
    enum class stage { hello_sent, initiate_sent, done, failed };

    void command(std::span<const std::byte> body)
    {
        const std::optional<std::error_code> ec = give(client_, body, to_server_, now_);
        if (!ec)
            return; // not a command: the connection's to refuse
        const std::vector<std::vector<std::byte>> out = queued_commands(to_server_);
        const bool ok = (at_ == stage::hello_sent && same(body, welcome_))
            || (at_ == stage::initiate_sent && ready_ && same(body, *ready_));
        ZMTP_FUZZ_CHECK(!*ec == ok);
        if (*ec) {
            ZMTP_FUZZ_CHECK(out.empty() && !client_.done() && !client_.box());
            at_ = stage::failed;
            return;
        }
        if (at_ == stage::hello_sent) {
            // The INITIATE goes to the genuine server, which admits it and answers READY.
            ZMTP_FUZZ_CHECK(out.size() == 1 && out[0].size() >= 257 && is_command(out[0], "INITIATE", out[0].size()));
            ZMTP_FUZZ_CHECK(!client_.done());
            // At the server's own time: the client's clock may have moved past the cookie's.
            ZMTP_FUZZ_CHECK(give(server_, out[0], to_client_, {}) == std::error_code{});
            const wire::authentication_request* request = server_.authentication_wanted();
            ZMTP_FUZZ_CHECK(request && request->credentials == std::vector<std::string>{key_string(keys::client_public)});
            ZMTP_FUZZ_CHECK(!server_.on_authentication(status("200"), to_client_));
            ready_ = only_command(to_client_);
            at_ = stage::initiate_sent;
            return;
        }
        ZMTP_FUZZ_CHECK(out.empty() && client_.done() && client_.box());
        ZMTP_FUZZ_CHECK(client_.peer_metadata().get("X-Fuzz") == "ROUTER");
        check_messages_flow(*client_.box(), *server_.box());
        at_ = stage::done;
    }

    wire::curve_client client_{keys::client_public, keys::client_secret, keys::server_public, metadata_of("DEALER"),
                               keys::seeded_random(3)};
    wire::curve_server server_{keys::server_public, keys::server_secret, metadata_of("ROUTER"), keys::seeded_random(4)};
    wire::output_queue to_server_;
    wire::output_queue to_client_;
    time_point now_{};
    std::vector<std::byte> welcome_;
    std::optional<std::vector<std::byte>> ready_;
    stage at_ = stage::hello_sent;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness h;
    h.run(zmtp_fuzz::as_bytes(data, size));
    return 0;
}
