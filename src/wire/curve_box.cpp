#include "curve_box.hpp"

#include "zmtp/detail/big_endian.hpp"
#include "zmtp/error.hpp"
#include "zmtp/wire/frame_header.hpp"

#include <cstring>

namespace zmtp::wire::curve {
namespace {

constexpr std::string_view message_name = "\x07MESSAGE";

/// Writes a whole MESSAGE command body (message::min_size + body.size() bytes) to `out`,
/// encrypting in place: the payload is copied where its ciphertext goes.
void write_message(std::span<std::byte> out, std::span<const std::byte> body, std::uint8_t payload_flags,
                   std::uint64_t counter, const secret_key& prefix_key) noexcept
{
    std::memcpy(out.data(), message_name.data(), message_name.size());
    detail::store_big_endian(out.data() + message::counter, counter, counter_size);
    out[message::payload] = std::byte{payload_flags};
    if (!body.empty())
        std::memcpy(out.data() + message::payload + 1, body.data(), body.size());
    seal_with_prefix_key(out.subspan(message::box), out.subspan(message::payload, 1 + body.size()), counter,
                         prefix_key);
}

} // namespace

message_box::message_box(side ours, const secret_key& shared, std::uint64_t last_sent,
                         std::uint64_t last_received) noexcept
    : sent_(last_sent)
{
    derive_prefix_key(send_key_, shared, ours == side::client ? message::client_prefix : message::server_prefix);
    derive_prefix_key(receive_key_, shared, ours == side::client ? message::server_prefix : message::client_prefix);
    received_.accept(last_received);
}

void message_box::seal(std::span<const std::byte> body, std::uint8_t flags, output_queue& out)
{
    const std::uint8_t payload_flags = ((flags & frame_flag::more) ? message::more : 0)
        | ((flags & frame_flag::command) ? message::command : 0);
    // Our own counter, from 1 or 2 by one per message: 2^64 of them would take centuries.
    const std::uint64_t counter = ++sent_;
    const std::size_t size = message::min_size + body.size();
    if (size < output_queue::reference_threshold) {
        const std::size_t header = size <= max_short_frame_size ? 2 : max_frame_header_size;
        const std::span<std::byte> space = out.append_space(header + size);
        // size >= 33, so the space has room for the longest header form.
        encode_frame_header(space.first<max_frame_header_size>(), size, false, false);
        write_message(space.subspan(header), body, payload_flags, counter, send_key_);
        return;
    }
    frame wire = frame::with_size(size);
    write_message({wire.data(), size}, body, payload_flags, counter, send_key_);
    out.append_frame(wire, false);
}

std::error_code message_box::open(frame&& wire_body_in, std::uint8_t& flags, frame& body)
{
    frame wire_body = std::move(wire_body_in); // consumed: its bytes may be decrypted in place
    const std::size_t size = wire_body.size();
    if (size < message::min_size) // before any size below is computed from it
        return errc::malformed_command;
    // A short body goes to scratch_; a longer one is decrypted where its ciphertext is.
    const bool short_body = size - message::min_size <= frame::inline_capacity;
    std::byte* const payload = short_body ? scratch_.data() : wire_body.data() + message::payload;
    if (std::error_code ec = open_into(wire_body.bytes(), payload, flags))
        return ec;
    const std::size_t body_size = size - message::min_size;
    body = short_body ? frame(std::span<const std::byte>(payload + 1, body_size))
                      : wire_body.slice(message::payload + 1, body_size);
    return {};
}

std::error_code message_box::open(std::span<const std::byte> wire_body, std::uint8_t& flags, frame& body)
{
    const std::size_t size = wire_body.size();
    if (size < message::min_size) // before any size below is computed from it
        return errc::malformed_command;
    const bool short_body = size - message::min_size <= frame::inline_capacity;
    frame opened = short_body ? frame() : frame::with_size(size - message::payload);
    std::byte* const payload = short_body ? scratch_.data() : opened.data();
    if (std::error_code ec = open_into(wire_body, payload, flags))
        return ec;
    const std::size_t body_size = size - message::min_size;
    body = short_body ? frame(std::span<const std::byte>(payload + 1, body_size)) : opened.slice(1, body_size);
    return {};
}

std::error_code message_box::open_into(std::span<const std::byte> wire_body, std::byte* payload, std::uint8_t& flags)
{
    const std::size_t size = wire_body.size();
    if (size < message::min_size
        || std::string_view(reinterpret_cast<const char*>(wire_body.data()), message_name.size()) != message_name)
        return errc::malformed_command;
    const std::uint64_t counter = detail::load_big_endian(wire_body.data() + message::counter, counter_size);
    if (!received_.allows(counter))
        return errc::nonce_not_increasing;
    const std::size_t body_size = size - message::min_size;
    const std::span<const std::byte> box = wire_body.subspan(message::box);
    if (!open_with_prefix_key({payload, 1 + body_size}, box, counter, receive_key_))
        return errc::decryption_failed;
    const auto payload_flags = static_cast<std::uint8_t>(payload[0]);
    // Bits 2..7 are reserved; libzmq ignores them (a PING with flags 04 was taken), so do we.
    if ((payload_flags & message::more) && (payload_flags & message::command))
        return errc::malformed_command; // a command never has MORE (RFC 23)
    received_.accept(counter);
    flags = ((payload_flags & message::more) ? frame_flag::more : 0)
        | ((payload_flags & message::command) ? frame_flag::command : 0);
    return {};
}

} // namespace zmtp::wire::curve
