// libFuzzer target: wire::plain_server (RFC 24) from its first command, fed arbitrary
// command bodies, well-formed HELLOs, and a genuine plain_client's commands changed at one
// place; deterministic (PLAIN uses no randomness, and no clock).
//
// Input: a script (mechanism_script.hpp) whose records' `op % 4` selects:
//   0 raw      data is one command body, for on_command()
//   1 hello    a well-formed HELLO: data[0] is the user name's size (cut to what follows),
//              then the user name, then the password (cut to 255 bytes)
//   2 genuine  the genuine client's latest command (its HELLO; its INITIATE once it took
//              the server's WELCOME), changed as data says
//   3 decide   on_authentication() with the status data[0] % 5 picks: 200, 300, 400,
//              500, 999
// The genuine client is a plain_client ("admin", "secret") beside the server: it takes
// the server's WELCOME and READY as they come.
//
// Invariants (trap on violation), from a model of what the server may take, whose HELLO
// reader is the harness's own (plain_script.hpp):
//   - start() queues nothing; the server announces PLAIN and as-server
//   - a HELLO is taken iff the server is fresh and its two lengths add up to its size;
//     then authentication is asked for PLAIN, with exactly those credentials, and
//     nothing is queued. A HELLO whose lengths do not add up is malformed_command
//   - while asked, every command is unexpected_command
//   - a decision is taken only while asked: 200 queues exactly one WELCOME (no data);
//     400 and 500 queue an ERROR with that code and are authentication_denied and
//     authentication_error; 300 (authentication_unavailable) and the others
//     (authentication_error) queue nothing
//   - an INITIATE is taken iff the server sent WELCOME and its data is metadata that
//     parse_metadata() takes (else its error); then exactly one READY carrying the
//     server's metadata is queued, the server is done and has the client's properties
//   - any other command at any moment is unexpected_command; an error queues nothing
//     (those ERRORs aside) and ends the script, as it ends the connection
//   - the genuine client takes the WELCOME and the READY; once both are done, each has
//     the other's metadata
#include "plain_script.hpp"

#include "zmtp/wire/plain_mechanism.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace {

using namespace zmtp_fuzz::plain;
using zmtp_fuzz::record;
using zmtp_fuzz::record_reader;
using time_point = wire::mechanism::time_point;

const wire::metadata client_metadata = metadata_of("DEALER", "fuzz-client");
const wire::metadata server_metadata = metadata_of("ROUTER", {});

/// A well-formed HELLO made from `data` (op 1, see the top of this file).
std::vector<std::byte> hello_from(std::span<const std::byte> data)
{
    if (data.empty())
        return hello_body({}, {});
    const std::span<const std::byte> rest = data.subspan(1);
    const std::size_t user_size = std::min<std::size_t>(static_cast<std::uint8_t>(data[0]), rest.size());
    const std::span<const std::byte> password = rest.subspan(user_size);
    return hello_body(zmtp_fuzz::to_string(rest.first(user_size)),
                      zmtp_fuzz::to_string(password.first(std::min<std::size_t>(password.size(), 255))));
}

class harness {
public:
    harness()
    {
        ZMTP_FUZZ_CHECK(server_.name() == "PLAIN" && server_.as_server());
        ZMTP_FUZZ_CHECK(!server_.start(to_client_, {}) && to_client_.empty());
        ZMTP_FUZZ_CHECK(!server_.authentication_wanted() && !server_.done());
        ZMTP_FUZZ_CHECK(!client_.start(to_server_, {}));
        genuine_ = zmtp_fuzz::only_command(to_server_);
        ZMTP_FUZZ_CHECK(genuine_ == hello_body("admin", "secret"));
    }

    void run(std::span<const std::byte> script)
    {
        record_reader reader(script);
        record r;
        while (at_ != stage::failed && reader.next(r)) {
            switch (r.op % 4) {
            case 0: command(r.data); break;
            case 1: command(hello_from(r.data)); break;
            case 2: command(zmtp_fuzz::changed(genuine_, r.data)); break;
            default: decide(r.data.empty() ? 0 : static_cast<std::uint8_t>(r.data[0])); break;
            }
        }
    }

private:
    enum class stage { fresh, asked, welcomed, done, failed };

    /// The error the model expects for `cmd` at this stage, none when taken; what a HELLO
    /// carries goes to `hello`, an INITIATE's metadata to `peer`.
    std::error_code expected(const wire::command& cmd, std::optional<credentials>& hello, wire::metadata& peer) const
    {
        if (at_ == stage::fresh && cmd.name == "HELLO") {
            hello = read_hello(cmd.data);
            return hello ? std::error_code{} : errc::malformed_command;
        }
        if (at_ == stage::welcomed && cmd.name == "INITIATE")
            return wire::parse_metadata(cmd.data, peer);
        return errc::unexpected_command;
    }

    void command(std::span<const std::byte> body)
    {
        std::optional<credentials> hello;
        wire::metadata peer;
        const step s = hand(server_, body, to_client_, [&](const wire::command& cmd) { return expected(cmd, hello, peer); });
        if (s.what == step::refused)
            at_ = stage::failed; // as the connection closes
        if (s.what != step::taken)
            return; // a body that is no command is the connection's to refuse
        const std::vector<std::vector<std::byte>>& out = s.queued;
        if (at_ == stage::fresh) {
            ZMTP_FUZZ_CHECK(out.empty() && !server_.done());
            const wire::authentication_request* request = server_.authentication_wanted();
            ZMTP_FUZZ_CHECK(request != nullptr && request->mechanism == "PLAIN");
            ZMTP_FUZZ_CHECK(request->credentials == (std::vector<std::string>{hello->username, hello->password}));
            at_ = stage::asked;
            return;
        }
        // An INITIATE after our WELCOME.
        ZMTP_FUZZ_CHECK(out.size() == 1 && is_metadata_command(out[0], "READY", server_metadata));
        ZMTP_FUZZ_CHECK(server_.done() && !server_.authentication_wanted() && !server_.box());
        ZMTP_FUZZ_CHECK(properties_of(server_.peer_metadata()) == properties_of(peer));
        at_ = stage::done;
        // The genuine client, which sent an INITIATE at our WELCOME, takes the READY.
        ZMTP_FUZZ_CHECK(give(client_, out[0], to_server_, {}) == std::error_code{});
        ZMTP_FUZZ_CHECK(client_.done() && to_server_.empty());
        ZMTP_FUZZ_CHECK(properties_of(client_.peer_metadata()) == properties_of(server_metadata));
    }

    void decide(std::uint8_t pick)
    {
        static constexpr std::string_view codes[] = {"200", "300", "400", "500", "999"};
        const std::string_view code = codes[pick % 5];
        const std::error_code ec = server_.on_authentication(zmtp_fuzz::status(code), to_client_);
        const std::vector<std::vector<std::byte>> out = zmtp_fuzz::queued_commands(to_client_);
        if (at_ != stage::asked) {
            ZMTP_FUZZ_CHECK(ec == errc::unexpected_command && out.empty());
            at_ = stage::failed;
            return;
        }
        if (code != "200") {
            ZMTP_FUZZ_CHECK(!server_.done());
            if (code == "400" || code == "500") {
                ZMTP_FUZZ_CHECK(ec == (code == "400" ? errc::authentication_denied : errc::authentication_error));
                ZMTP_FUZZ_CHECK(out.size() == 1 && out[0] == zmtp_fuzz::error_body(code));
            } else {
                ZMTP_FUZZ_CHECK(ec == (code == "300" ? errc::authentication_unavailable : errc::authentication_error));
                ZMTP_FUZZ_CHECK(out.empty());
            }
            at_ = stage::failed;
            return;
        }
        static constexpr std::byte welcome[] = {std::byte{7}, std::byte{'W'}, std::byte{'E'}, std::byte{'L'},
                                                std::byte{'C'}, std::byte{'O'}, std::byte{'M'}, std::byte{'E'}};
        ZMTP_FUZZ_CHECK(!ec && !server_.done() && !server_.authentication_wanted());
        ZMTP_FUZZ_CHECK(out.size() == 1 && zmtp_fuzz::same(out[0], welcome));
        // The genuine client answers with its INITIATE (our metadata).
        ZMTP_FUZZ_CHECK(give(client_, out[0], to_server_, {}) == std::error_code{});
        genuine_ = zmtp_fuzz::only_command(to_server_);
        ZMTP_FUZZ_CHECK(is_metadata_command(genuine_, "INITIATE", client_metadata));
        at_ = stage::welcomed;
    }

    wire::plain_client client_{"admin", "secret", client_metadata};
    wire::plain_server server_{server_metadata};
    wire::output_queue to_server_;
    wire::output_queue to_client_;
    std::vector<std::byte> genuine_;
    stage at_ = stage::fresh;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness h;
    h.run(zmtp_fuzz::as_bytes(data, size));
    return 0;
}
