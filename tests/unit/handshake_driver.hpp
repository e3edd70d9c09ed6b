// Two wire::connection objects wired together in memory, for handshake tests of every
// mechanism: bytes cross in chunks of a chosen size, and the server's authentication
// requests are answered by a callback (a stand-in for a ZAP handler).
#pragma once

#include "zmtp/wire/connection.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace zmtp_test {

/// One side: its connection, what it has not consumed yet, and what it saw.
struct handshake_side {
    explicit handshake_side(zmtp::wire::connection_options o) : conn(std::move(o), {}) {}

    zmtp::wire::connection conn;
    std::vector<std::byte> unread;
    std::vector<zmtp::wire::connection::event> events;
    std::vector<zmtp::wire::authentication_request> requests;
    std::vector<zmtp::message> messages;
    /// Everything it wrote, in order (for exact-byte checks of the handshake).
    std::vector<std::byte> written;
};

using decide_fn = std::function<zmtp::wire::authentication_result(const zmtp::wire::authentication_request&)>;

/// Feeds `side` what it has unread, `chunk` bytes at a time, answering authentication
/// requests with `decide`. Stops when everything is consumed or the connection closed.
inline void feed_side(handshake_side& side, std::size_t chunk, const decide_fn& decide)
{
    using event = zmtp::wire::connection::event;
    std::size_t pos = 0;
    while (pos < side.unread.size()) {
        const std::size_t n = std::min(chunk, side.unread.size() - pos);
        const auto r = side.conn.receive(std::span(side.unread).subspan(pos, n), {});
        pos += r.consumed;
        event e = r.what;
        if (e == event::authenticate) {
            side.events.push_back(e);
            side.requests.push_back(*side.conn.authentication_wanted());
            e = side.conn.authenticate(decide(side.requests.back()), {});
        }
        if (e != event::none)
            side.events.push_back(e);
        if (e == event::message)
            side.messages.push_back(side.conn.take_message());
        if (e == event::closed)
            break;
    }
    side.unread.erase(side.unread.begin(), side.unread.begin() + static_cast<std::ptrdiff_t>(pos));
}

/// Moves what `from` wants to write into `to`'s unread bytes; true if there was any.
inline bool transfer(handshake_side& from, handshake_side& to)
{
    bool moved = false;
    while (from.conn.wants_write()) {
        std::size_t n = 0;
        for (std::span<const std::byte> piece : from.conn.start_write()) {
            to.unread.insert(to.unread.end(), piece.begin(), piece.end());
            from.written.insert(from.written.end(), piece.begin(), piece.end());
            n += piece.size();
        }
        from.conn.finish_write(n);
        moved = moved || n > 0;
    }
    return moved;
}

/// Runs both sides until neither has anything left to say.
inline void run_handshake(handshake_side& client, handshake_side& server, std::size_t chunk, const decide_fn& decide)
{
    for (int round = 0; round < 1000; ++round) {
        const bool a = transfer(client, server);
        const bool b = transfer(server, client);
        feed_side(server, chunk, decide);
        feed_side(client, chunk, decide);
        if (!a && !b && !client.conn.wants_write() && !server.conn.wants_write())
            return;
    }
}

inline zmtp::wire::authentication_result zap_reply(std::string status, std::string user_id = {})
{
    return {.status_code = std::move(status), .status_text = {}, .user_id = std::move(user_id), .properties = {}};
}

} // namespace zmtp_test
