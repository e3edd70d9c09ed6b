// libFuzzer target: wire::plain_client (RFC 24) after its HELLO, fed arbitrary command
// bodies and a genuine plain_server's commands changed at one place; deterministic.
//
// Input: pick(1) script. `pick % 4` chooses the client's credentials: ("admin",
// "secret"); two empty ones; 255 bytes each (the most HELLO carries); a 300-byte user
// name (cut to 255) and a one-byte password. The script (mechanism_script.hpp) has
// records whose `op % 4` selects:
//   0 raw      data is one command body, for on_command()
//   1 welcome  the genuine server's WELCOME (its answer, once admitted, to the client's
//              HELLO), changed as data says
//   2 ready    the genuine server's READY, its answer to the client's INITIATE (skipped
//              while there is none), changed as data says
//   3 decide   on_authentication() with status "200": a client is never asked
// The genuine server is a plain_server that admits the HELLO.
//
// Invariants (trap on violation), from a model of what the client may take:
//   - start() queues exactly one HELLO, byte for byte the harness's own (plain_script.hpp)
//     with the credentials cut to 255 bytes; the genuine server asks to authenticate
//     exactly those
//   - a WELCOME is taken iff the client has sent only HELLO and the WELCOME has no data
//     (else malformed_command); then exactly one INITIATE carrying the client's metadata
//     is queued, and the genuine server takes it
//   - a READY is taken iff the client has sent INITIATE and its data is metadata that
//     parse_metadata() takes (else its error); then the client is done, has those
//     properties, and nothing is queued
//   - on_authentication() is unexpected_command, queues nothing and changes nothing
//   - any other command at any moment is unexpected_command; an error queues nothing
//     and ends the script, as it ends the connection
#include "plain_script.hpp"

#include "zmtp/wire/plain_mechanism.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace zmtp_fuzz::plain;
using zmtp_fuzz::record;
using zmtp_fuzz::record_reader;

const wire::metadata client_metadata = metadata_of("DEALER", "fuzz-client");
const wire::metadata server_metadata = metadata_of("ROUTER", {});

/// The credentials the client is given, and what HELLO carries of them (cut to 255).
struct credential_case {
    std::string username;
    std::string password;
    std::string sent_username;
    std::string sent_password;
};

credential_case credentials_for(std::uint8_t pick)
{
    switch (pick % 4) {
    case 0: return {"admin", "secret", "admin", "secret"};
    case 1: return {};
    case 2: return {std::string(255, 'u'), std::string(255, 'p'), std::string(255, 'u'), std::string(255, 'p')};
    default: return {std::string(300, 'n'), "x", std::string(255, 'n'), "x"};
    }
}

class harness {
public:
    explicit harness(credential_case c)
        : client_(c.username, c.password, client_metadata)
    {
        ZMTP_FUZZ_CHECK(client_.name() == "PLAIN" && !client_.as_server());
        ZMTP_FUZZ_CHECK(!client_.start(to_server_, {}));
        const std::vector<std::byte> hello = zmtp_fuzz::only_command(to_server_);
        ZMTP_FUZZ_CHECK(hello == hello_body(c.sent_username, c.sent_password));
        ZMTP_FUZZ_CHECK(!client_.done() && !client_.authentication_wanted());
        ZMTP_FUZZ_CHECK(!server_.start(to_client_, {}));
        ZMTP_FUZZ_CHECK(give(server_, hello, to_client_, {}) == std::error_code{});
        const wire::authentication_request* request = server_.authentication_wanted();
        ZMTP_FUZZ_CHECK(request && request->credentials == (std::vector<std::string>{c.sent_username, c.sent_password}));
        ZMTP_FUZZ_CHECK(!server_.on_authentication(zmtp_fuzz::status("200"), to_client_));
        welcome_ = zmtp_fuzz::only_command(to_client_);
    }

    void run(std::span<const std::byte> script)
    {
        record_reader reader(script);
        record r;
        while (at_ != stage::failed && reader.next(r)) {
            switch (r.op % 4) {
            case 0: command(r.data); break;
            case 1: command(zmtp_fuzz::changed(welcome_, r.data)); break;
            case 2:
                if (ready_)
                    command(zmtp_fuzz::changed(*ready_, r.data));
                break;
            default: decide(); break;
            }
        }
    }

private:
    enum class stage { hello_sent, initiate_sent, done, failed };

    /// The error the model expects for `cmd` at this stage; none when taken.
    std::error_code expected(const wire::command& cmd, wire::metadata& peer) const
    {
        if (at_ == stage::hello_sent && cmd.name == "WELCOME")
            return cmd.data.empty() ? std::error_code{} : errc::malformed_command;
        if (at_ == stage::initiate_sent && cmd.name == "READY")
            return wire::parse_metadata(cmd.data, peer);
        return errc::unexpected_command;
    }

    void command(std::span<const std::byte> body)
    {
        wire::metadata peer;
        const step s = hand(client_, body, to_server_, [&](const wire::command& cmd) { return expected(cmd, peer); });
        if (s.what == step::refused)
            at_ = stage::failed; // as the connection closes
        if (s.what != step::taken)
            return; // a body that is no command is the connection's to refuse
        const std::vector<std::vector<std::byte>>& out = s.queued;
        if (at_ == stage::hello_sent) {
            ZMTP_FUZZ_CHECK(out.size() == 1 && is_metadata_command(out[0], "INITIATE", client_metadata));
            ZMTP_FUZZ_CHECK(!client_.done());
            ZMTP_FUZZ_CHECK(give(server_, out[0], to_client_, {}) == std::error_code{});
            ZMTP_FUZZ_CHECK(server_.done());
            ZMTP_FUZZ_CHECK(properties_of(server_.peer_metadata()) == properties_of(client_metadata));
            ready_ = zmtp_fuzz::only_command(to_client_);
            at_ = stage::initiate_sent;
            return;
        }
        ZMTP_FUZZ_CHECK(out.empty() && client_.done() && !client_.box());
        ZMTP_FUZZ_CHECK(properties_of(client_.peer_metadata()) == properties_of(peer));
        at_ = stage::done;
    }

    void decide()
    {
        const bool was_done = client_.done();
        ZMTP_FUZZ_CHECK(client_.on_authentication(zmtp_fuzz::status("200"), to_server_) == errc::unexpected_command);
        ZMTP_FUZZ_CHECK(to_server_.empty() && client_.done() == was_done);
    }

    wire::plain_client client_;
    wire::plain_server server_{server_metadata};
    wire::output_queue to_server_;
    wire::output_queue to_client_;
    std::vector<std::byte> welcome_;
    std::optional<std::vector<std::byte>> ready_;
    stage at_ = stage::hello_sent;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    harness h(credentials_for(data[0]));
    h.run(zmtp_fuzz::as_bytes(data + 1, size - 1));
    return 0;
}
