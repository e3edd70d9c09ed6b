// CURVE's frame box: every frame after the handshake travels as a MESSAGE (RFC 26) in a
// data frame. Internal to the CURVE mechanism (curve_client, curve_server).
#pragma once

#include "curve_codec.hpp"

#include "zmtp/frame.hpp"
#include "zmtp/wire/mechanism.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

namespace zmtp::wire::curve {

/// Seals frames into MESSAGE commands and opens the peer's, under the key the handshake
/// agreed (C' and S', precomputed; one key per direction, see derive_prefix_key), with one
/// short-nonce counter per direction.
///
/// Allocation: seal() of a MESSAGE under output_queue::reference_threshold bytes writes it
/// straight into the queue's staging area (append_space), in place; a larger one is built
/// in one new frame the queue references. open() never allocates: a body of at most
/// frame::inline_capacity bytes is decrypted into a member buffer and copied inline, a
/// larger one is decrypted in place in the received frame and handed over as a slice of it.
class message_box final : public frame_box {
public:
    enum class side { client, server };

    /// `shared`: the key of crypto_box_beforenm(peer's C' or S', our s' or c');
    /// `last_sent`: the counter of our last handshake command (INITIATE 2, READY 1);
    /// `last_received`: the counter of the peer's (its INITIATE or READY).
    message_box(side ours, const secret_key& shared, std::uint64_t last_sent, std::uint64_t last_received) noexcept;

    /// Appends one MESSAGE data frame: header 00 + u8 size, or 02 + u64 size (never MORE),
    /// then 07 "MESSAGE", the next counter, Box[flags + body] where flags has bit 0 for
    /// frame_flag::more and bit 1 for frame_flag::command.
    void seal(std::span<const std::byte> body, std::uint8_t flags, output_queue& out) override;

    /// Opens a MESSAGE data frame's body. Errors: errc::malformed_command (under 33 bytes,
    /// not named MESSAGE, or flags with both MORE and COMMAND), errc::nonce_not_increasing
    /// (counter not above the last opened one), errc::decryption_failed (the box does not
    /// open). A failed open changes nothing in the box. `wire_body` is consumed (left
    /// empty); a long body is decrypted in place in its buffer, so no other copy of it may
    /// be read afterwards (frame_decoder's frames have none).
    std::error_code open(frame&& wire_body, std::uint8_t& flags, frame& body) override;
    /// As above, reading the MESSAGE where it lies (no copy of the ciphertext): a body of
    /// at most frame::inline_capacity bytes costs no allocation, a longer one its frame.
    std::error_code open(std::span<const std::byte> wire_body, std::uint8_t& flags, frame& body) override;

private:
    /// Checks and decrypts `wire_body` into `payload` (flags byte, then the body), which
    /// may be where the ciphertext is; sets `flags`. A failure changes nothing but `payload`.
    std::error_code open_into(std::span<const std::byte> wire_body, std::byte* payload, std::uint8_t& flags);

    /// The keys of our MESSAGE nonces and of the peer's (derive_prefix_key of the
    /// handshake's shared key with each direction's prefix).
    secret_key send_key_;
    secret_key receive_key_;
    std::uint64_t sent_;
    peer_counter received_;
    /// Where a short body is decrypted before it is copied into its inline frame.
    std::array<std::byte, 1 + frame::inline_capacity> scratch_{};
};

} // namespace zmtp::wire::curve
