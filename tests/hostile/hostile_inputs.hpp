// The exact bytes the hostile peers send, written out with what each field means.
// ZMTP 3.x reminders (RFC 23/37): a greeting is 64 bytes; a frame is flags (1), size (1,
// or 8 big-endian when flag LONG 0x02 is set), body; flags: 0x01 MORE, 0x02 LONG,
// 0x04 COMMAND, 0xF8 reserved. A command body is name-size (1), name, data; READY data is
// metadata: name-size (1), name, value-size (4, big-endian), value.
#pragma once

#include "hostile_support.hpp"

namespace hostile::inputs {

// --- greetings -------------------------------------------------------------------------

/// A correct ZMTP 3.1 greeting for the NULL mechanism, as our raw peer's opening.
inline const bytes greeting = cat(
    0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, // signature: 0xFF, 8 bytes of padding, 0x7F
    3, 1,                               // version 3.1
    "NULL", zeros(16),                  // mechanism, NUL-padded to 20 bytes
    0,                                  // as-server: 0 (NULL is symmetric)
    zeros(31));                         // filler

/// Signature end byte 0xFF instead of 0x7F. Odd, so not a ZMTP 1.0 long frame's flags
/// byte either (libzmq's legacy test is (byte 9 & 1) == 0): just a bad signature.
inline const bytes bad_signature = cat(
    0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, // signature end should be 0x7F
    3, 1, "NULL", zeros(16), 0, zeros(31));

/// An HTTP request: 'G' is not 0xFF, and 'E' (0x45) cannot be a ZMTP 1.0 flags byte
/// (only bit 0 may be set there), so it is neither ZMTP 3 nor a legacy peer.
inline const bytes http_request = cat("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: zmtp\r\n\r\n");

/// ZMTP 1.0 (RFC 13): no greeting, the peer starts with its identity as a short frame,
/// then messages. Length counts the flags byte.
inline const bytes zmtp_1_0 = cat(
    0x01, 0x00,          // identity frame: length 1 (flags only), flags 0: anonymous
    0x06, 0x00, "hello"); // a message: length 6, flags 0 (final), body

/// ZMTP 1.0 long frame whose length is 2^64-1 (the overflow of libzmq issue 1488).
inline const bytes zmtp_1_0_huge_length = cat(
    0xFF,                                           // long length follows
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // length 2^64-1
    0x00,                                           // flags: final (bit 0 clear = 1.0)
    "xxxxxxxx");                                    // the start of an endless body

/// ZMTP 2.0 (RFC 15): signature, revision 1, socket type, identity frame.
inline const bytes zmtp_2_0 = cat(
    0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, // signature (a 1.0-compatible length 1 + 0x7F)
    0x01,                               // revision 1 = ZMTP 2.0
    0x05,                               // socket type 5 = DEALER
    0x00, 0x00);                        // identity frame: flags 0, size 0

/// A ZMTP 3.1 greeting asking for PLAIN where the server runs NULL.
inline const bytes greeting_plain = cat(
    0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 1,
    "PLAIN", zeros(15), // mechanism PLAIN, NUL-padded to 20 bytes
    0,                  // as-server: 0 (a PLAIN client)
    zeros(31));

// --- READY commands ---------------------------------------------------------------------

/// READY from a DEALER announcing Identity "hostile" (the ROUTER's routing id for it).
inline const bytes ready_hostile = cat(
    0x04, 0x30,                              // command, short size: 48-byte body
    5, "READY",                              // command name
    11, "Socket-Type", 0, 0, 0, 6, "DEALER", // property Socket-Type = DEALER
    8, "Identity", 0, 0, 0, 7, "hostile");   // property Identity = hostile

/// READY from an anonymous DEALER (the ROUTER generates a routing id).
inline const bytes ready_anonymous = cat(
    0x04, 0x1C,                              // command, short size: 28-byte body
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER");

/// READY from a PUB: RFC 28 lets a ROUTER talk to REQ, DEALER and ROUTER only.
inline const bytes ready_pub = cat(
    0x04, 0x19,                              // command, short size: 25-byte body
    5, "READY", 11, "Socket-Type", 0, 0, 0, 3, "PUB");

/// READY from a REP: REP pairs with REQ and DEALER, not ROUTER (RFC 28).
inline const bytes ready_rep = cat(0x04, 0x19, 5, "READY", 11, "Socket-Type", 0, 0, 0, 3, "REP");

/// READY with a socket type no RFC defines.
inline const bytes ready_unknown_type = cat(0x04, 0x19, 5, "READY", 11, "Socket-Type", 0, 0, 0, 3, "FOO");

/// READY with the MORE flag: a command frame must not have it.
inline const bytes ready_with_more = cat(
    0x05, 0x30, // flags COMMAND|MORE, 48-byte body (otherwise ready_hostile)
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER", 8, "Identity", 0, 0, 0, 7, "hostile");

/// READY with reserved flag bit 7 set.
inline const bytes ready_reserved_flag = cat(
    0x84, 0x30, // flags COMMAND|0x80 (reserved), 48-byte body
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER", 8, "Identity", 0, 0, 0, 7, "hostile");

/// READY whose Socket-Type value claims 6 bytes but the command ends after 3.
inline const bytes ready_truncated_metadata = cat(
    0x04, 0x19,                                  // command, 25-byte body (the frame is whole)
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6,   // value-size 6...
    "DEA");                                      // ...but only 3 bytes of it

/// READY with Identity 0x00 "host": identities starting with a zero byte are reserved
/// (RFC 23/37, zmq_setsockopt(3) ZMQ_ROUTING_ID) for generated ones.
inline const bytes ready_identity_zero = cat(
    0x04, 0x2E,                              // command, 46-byte body
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER",
    8, "Identity", 0, 0, 0, 5, 0x00, "host"); // Identity = 00 68 6f 73 74

/// READY with a 256-byte Identity (at most 255 are allowed); too big for a short frame.
inline const bytes ready_identity_256 = cat(
    0x06, be64(297),                                  // command, long size: 297-byte body
    5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER",
    8, "Identity", 0, 0, 1, 0, repeat('i', 256));     // value-size 0x100 = 256

/// "Megabytes of properties": a well-formed READY of 4,195,164 bytes (Socket-Type plus 64
/// properties X-Pad-00 .. X-Pad-63 of 64 KiB each), in one long command frame.
inline bytes ready_megabytes()
{
    bytes body = cat(5, "READY", 11, "Socket-Type", 0, 0, 0, 6, "DEALER");
    for (int i = 0; i < 64; ++i) {
        const std::string name = std::string("X-Pad-") + static_cast<char>('0' + i / 10) + static_cast<char>('0' + i % 10);
        body = cat(body, 8, name, be32(64 * 1024), repeat('p', 64 * 1024));
    }
    return cat(0x06, be64(body.size()), body); // command, long size
}

/// A data frame where only commands are allowed (before the handshake completed).
inline const bytes message_frame_hello = cat(0x00, 0x05, "hello"); // final, 5-byte body

// --- after the handshake ------------------------------------------------------------------

/// A long frame whose size has the top bit set: 2^63, beyond the 0..2^63-1 range.
inline const bytes frame_size_top_bit = cat(0x02, 0x80, 0, 0, 0, 0, 0, 0, 0);

/// A long frame of size 2^64-1 (the overflow of CVE-2019-6250).
inline const bytes frame_size_near_2_64 = cat(0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);

/// The largest legal long frame size, 2^63-1: legal on the wire, but no one can allocate it.
inline const bytes frame_size_max_legal = cat(0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);

/// A 1 MiB message frame header and the first 1000 bytes of its body.
inline const bytes frame_1_mib = cat(0x02, 0, 0, 0, 0, 0, 0x10, 0, 0, repeat('x', 1000)); // size 0x100000

/// Two frames of 40,000 bytes each in one message: 80,000 bytes, over a 64 KiB limit only
/// once the second frame's header arrives.
inline const bytes multipart_80_000 = cat(
    0x03, be64(40'000), repeat('a', 40'000), // MORE|LONG, 40,000 bytes
    0x02, be64(40'000), repeat('b', 100));   // LONG (final), 40,000 bytes announced

/// PING with the MORE flag.
inline const bytes ping_with_more = cat(0x05, 0x07, 4, "PING", 0x00, 0x00); // COMMAND|MORE, TTL 0

/// A message frame with reserved flag bit 3 set.
inline const bytes frame_reserved_flag = cat(0x08, 0x05, "hello");

/// PING with a 16-byte context (the most allowed) and the PONG that must echo it.
inline const bytes ping_context_16 = cat(0x04, 0x17, 4, "PING", 0x00, 0x00, "0123456789abcdef"); // TTL 0
inline const bytes pong_context_16 = cat(0x04, 0x15, 4, "PONG", "0123456789abcdef");
/// PING with a 17-byte context: one byte over the limit.
inline const bytes ping_context_17 = cat(0x04, 0x18, 4, "PING", 0x00, 0x00, "0123456789abcdefg");

/// A complete one-frame message, then two frames of a message that never ends (MORE set
/// on both; the final frame never comes).
inline const bytes complete_then_unfinished = cat(
    0x00, 0x08, "complete", // final frame: a whole message
    0x01, 0x05, "part1",    // MORE
    0x01, 0x05, "part2");   // MORE, and then nothing

/// A 1 MiB frame of which only 100,000 bytes arrive (large bodies are read straight into
/// their frame: this leaves one half-filled).
inline const bytes unfinished_large_frame = cat(0x02, be64(1 << 20), repeat('z', 100'000));

} // namespace hostile::inputs
