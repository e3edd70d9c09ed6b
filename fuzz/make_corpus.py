#!/usr/bin/python3
"""Writes the seed corpora of the zmtp fuzz targets into fuzz/corpus/<name>/.

Run from anywhere: /usr/bin/python3 fuzz/make_corpus.py
Every seed is built from the valid examples in ZMTP-FACTS (the RFC's READY examples,
libzmq's greeting and PING as observed on the wire, multipart and long frames) plus a few
inputs for each error path. Existing seed files are replaced, other files are left alone.
Seeds stay under 4096 bytes (the max_len of the ctest smoke runs) and must not crash.
The input formats are described at the top of each fuzz/fuzz_<name>.cpp and of
fuzz/connection_script.hpp.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- wire helpers


def greeting(minor=1, mechanism=b"NULL", as_server=0, padding=b"\x00" * 7 + b"\x01"):
    """A 64-byte greeting; default padding is libzmq's (00 .. 00 01)."""
    g = b"\xff" + padding + b"\x7f" + bytes([3, minor])
    g += mechanism.ljust(20, b"\x00") + bytes([as_server])
    return g + b"\x00" * 31


LIBZMQ_GREETING = greeting()  # ff 00 00 00 00 00 00 00 01 7f 03 01 NULL ...


def frame(body, more=False, command=False, force_long=False):
    flags = (1 if more else 0) | (4 if command else 0)
    if len(body) <= 255 and not force_long:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body


def metadata(props):
    out = b""
    for name, value in props:
        out += bytes([len(name)]) + name + struct.pack(">I", len(value)) + value
    return out


def command_body(name, data=b""):
    return bytes([len(name)]) + name + data


def command(name, data=b""):
    return frame(command_body(name, data), command=True)


def ready(socket_type, identity=None, extra=()):
    props = [(b"Socket-Type", socket_type)]
    if identity is not None:
        props.append((b"Identity", identity))
    props.extend(extra)
    return command(b"READY", metadata(props))


def ping(ttl, context=b""):
    return command(b"PING", struct.pack(">H", ttl) + context)


def message(*parts):
    out = b""
    for i, part in enumerate(parts):
        out += frame(part, more=i + 1 < len(parts))
    return out


# The RFC's DEALER READY (43 bytes on the wire) and a ROUTER READY with Socket-Type only.
DEALER_READY = ready(b"DEALER", identity=b"")
ROUTER_READY_MIN = ready(b"ROUTER")
assert DEALER_READY.hex() == (
    "0429055245414459" "0b536f636b65742d54797065" "00000006" "4445414c4552"
    "084964656e74697479" "00000000")
assert len(DEALER_READY) == 43
assert ROUTER_READY_MIN[:2] == b"\x04\x1c"
LIBZMQ_PING = ping(30)  # 04 07 04 PING 00 1e
assert LIBZMQ_PING == b"\x04\x07\x04PING\x00\x1e"

# ---------------------------------------------------------------- script helpers
FEED, FEED_ONE, ADVANCE, WRITE_ALL, START, FINISH, SEND, SEND_BIG, FEED_BYTEWISE, CLOSE = range(10)


def rec(op, data=b""):
    if len(data) >= 255:
        assert len(data) <= 0xFFFF
        return bytes([op, 255]) + struct.pack(">H", len(data)) + data
    return bytes([op, len(data)]) + data


def advance_ms(ms):
    return rec(ADVANCE, struct.pack(">H", ms))


def send_parts(*parts):
    """SEND record: frame count, then for each frame but the last a length byte."""
    data = bytes([len(parts)])
    for i, p in enumerate(parts):
        if i + 1 < len(parts):
            data += bytes([len(p)])
        data += p
    return rec(SEND, data)


# ---------------------------------------------------------------- corpora
LONG_BODY = bytes(range(256)) + b"long frame body" * 3  # 301 bytes, needs the long form

corpora = {}

corpora["frame_decoder"] = {
    # pattern byte, then the stream
    "delimiter_and_body": b"\x00" + message(b"", b"xyz"),
    "libzmq_ping_bytewise": b"\x01" + LIBZMQ_PING,
    "ready_then_message": b"\x2c" + DEALER_READY + message(b"hello"),
    "router_ready_pong": b"\x04" + ROUTER_READY_MIN + command(b"PONG", b"\xab\xcd"),
    "multipart": b"\x02" + message(b"hello", b"", b"world", b"x" * 40),
    "long_frame": b"\x03" + frame(LONG_BODY) + frame(b"short"),
    "long_form_small": b"\x05" + frame(b"tiny", force_long=True) + frame(b"", command=False),
    "long_command": b"\x06" + frame(command_body(b"SUBSCRIBE", LONG_BODY), command=True),
    "tiny_limits_multipart": b"\x80" + message(b"a" * 200, b"b" * 200, b"c" * 100),
    "tiny_limits_too_large": b"\x81" + message(b"a" * 255, b"b" * 255, b"c" * 10),
    "reserved_flag": b"\x00" + message(b"ok") + b"\x08\x00",
    "command_with_more": b"\x00" + b"\x05\x00",
    "command_inside_message": b"\x00" + frame(b"a", more=True) + LIBZMQ_PING,
    "invalid_long_size": b"\x00" + b"\x02\x80" + b"\x00" * 7,
    "truncated": b"\x09" + frame(LONG_BODY)[:100],
}

corpora["greeting"] = {
    # pattern byte, then the stream
    "libzmq_whole": b"\x00" + LIBZMQ_GREETING,
    "libzmq_paced_with_ready": b"\x03" + LIBZMQ_GREETING + DEALER_READY,
    "zero_padding_3_0_bytewise": b"\x01" + greeting(minor=0, padding=b"\x00" * 8),
    "plain_as_server": b"\x0c" + greeting(mechanism=b"PLAIN", as_server=1),
    "curve": b"\x02" + greeting(mechanism=b"CURVE"),
    "future_version": b"\x00" + LIBZMQ_GREETING[:10] + b"\x04\x07" + LIBZMQ_GREETING[12:],
    "zmtp_1_0": b"\x00" + b"\x06\x00hello",
    "zmtp_1_0_long": b"\x00" + b"\xff" + b"\x00" * 7 + b"\x06" + b"\x00",
    "zmtp_2_0": b"\x01" + LIBZMQ_GREETING[:10] + b"\x01\x05",
    "bad_mechanism": b"\x00" + LIBZMQ_GREETING[:12] + b"null".ljust(20, b"\x00")
    + LIBZMQ_GREETING[32:],
    "short": b"\x00" + LIBZMQ_GREETING[:11],
}

corpora["command"] = {
    # a command body (inside a command frame)
    "dealer_ready": DEALER_READY[2:],
    "router_ready": ROUTER_READY_MIN[2:],
    "ready_extras": ready(b"DEALER", identity=b"peer-1",
                          extra=[(b"Resource", b"/svc"), (b"X-Custom", b"v" * 40)])[2:],
    "libzmq_ping": LIBZMQ_PING[2:],
    "ping_context": ping(10, b"\xab\xcd")[2:],
    "pong": command(b"PONG", b"\xab\xcd")[2:],
    "error": command(b"ERROR", b"\x0bBad request")[2:],
    "subscribe": command(b"SUBSCRIBE", b"topic")[2:],
    "cancel": command(b"CANCEL", b"topic")[2:],
    "bare_metadata": metadata([(b"Socket-Type", b"ROUTER"), (b"Identity", b"")]),
}

# Scripts for the ROUTER (accepting side): start from the greeting.
S = {}
S["dealer_message_heartbeat"] = (
    rec(FEED, LIBZMQ_GREETING + DEALER_READY) + rec(WRITE_ALL)
    + rec(FEED, message(b"hello")) + send_parts(b"peer", b"", b"reply") + rec(WRITE_ALL)
    + advance_ms(1000) + rec(WRITE_ALL) + rec(FEED, LIBZMQ_PING) + rec(WRITE_ALL)
    + advance_ms(1000) + advance_ms(1000) + rec(WRITE_ALL))
S["libzmq_pacing_req"] = (
    rec(FEED, LIBZMQ_GREETING[:10]) + rec(WRITE_ALL) + rec(FEED, LIBZMQ_GREETING[10:11])
    + rec(FEED, LIBZMQ_GREETING[11:]) + rec(FEED, ready(b"REQ", identity=b""))
    + rec(START) + rec(FEED, ping(10, b"\xab\xcd")) + rec(FINISH, b"\x00\x05")
    + rec(SEND_BIG, b"\x02xyz") + rec(WRITE_ALL)
    + rec(FEED, message(b"", b"request")) + rec(WRITE_ALL))
S["bytewise_router_identity"] = (
    rec(WRITE_ALL) + rec(FEED_BYTEWISE, LIBZMQ_GREETING + ready(b"ROUTER", identity=b"peer1"))
    + rec(FEED_ONE, message(b"a", b"b") + message(b"c")) + rec(FEED) + rec(WRITE_ALL))
S["handshake_timeout"] = rec(FEED, LIBZMQ_GREETING) + rec(WRITE_ALL) + advance_ms(30000)
S["incompatible_peer"] = rec(WRITE_ALL) + rec(FEED, LIBZMQ_GREETING + ready(b"PUB")) + rec(WRITE_ALL)
S["long_frame"] = (
    rec(FEED, LIBZMQ_GREETING + DEALER_READY) + rec(WRITE_ALL)
    + rec(FEED, frame(b"part", more=True) + frame(LONG_BODY)) + rec(WRITE_ALL))
S["peer_ttl_timeout"] = (
    rec(FEED, LIBZMQ_GREETING + DEALER_READY) + rec(WRITE_ALL) + rec(FEED, LIBZMQ_PING)
    + advance_ms(2500) + rec(WRITE_ALL) + advance_ms(600) + rec(WRITE_ALL))
S["send_before_ready_then_close"] = (
    send_parts(b"early") + rec(FEED, LIBZMQ_GREETING) + rec(WRITE_ALL) + rec(CLOSE)
    + rec(FEED, DEALER_READY) + send_parts(b"late"))
corpora["connection_server"] = S

# Scripts for the client side: a mode byte (see fuzz_connection_client.cpp), then a script
# that starts once the connection is ready.
C = {}
C["dealer_echo"] = b"\x00" + (
    rec(WRITE_ALL) + rec(FEED, message(b"hello")) + send_parts(b"hello") + rec(WRITE_ALL))
C["req_reply"] = b"\x01" + (
    send_parts(b"", b"xyz") + rec(WRITE_ALL) + rec(FEED, message(b"", b"ok")) + rec(WRITE_ALL))
C["xpub_subscribe_cancel"] = b"\x02" + (
    rec(WRITE_ALL) + rec(FEED, command(b"SUBSCRIBE", b"topic")) + rec(FEED, command(b"CANCEL", b"topic"))
    + rec(FEED, message(b"\x01topic")) + send_parts(b"topic", b"data") + rec(WRITE_ALL))
C["pub_3_0_peer"] = b"\x07" + (
    rec(WRITE_ALL) + rec(FEED, message(b"\x01topic")) + advance_ms(5000) + rec(WRITE_ALL))
C["heartbeat_pong"] = b"\x08" + (
    rec(WRITE_ALL) + advance_ms(1000) + rec(WRITE_ALL) + rec(FEED, command(b"PONG"))
    + rec(FEED, ping(30, b"\xab\xcd")) + rec(WRITE_ALL) + advance_ms(1000) + rec(WRITE_ALL))
C["heartbeat_timeout"] = b"\x20" + (
    advance_ms(1000) + rec(WRITE_ALL) + advance_ms(1000) + rec(WRITE_ALL))
C["peer_error"] = b"\x11" + (
    rec(WRITE_ALL) + rec(FEED, command(b"ERROR", b"\x0bBad request")) + rec(WRITE_ALL))
C["partial_writes"] = b"\x18" + (
    rec(START) + send_parts(b"one", b"two") + rec(FINISH, b"\x00\x07") + rec(START)
    + rec(SEND_BIG, b"\x10tail") + rec(FINISH, b"\x00\x11") + rec(START) + rec(FINISH)
    + rec(WRITE_ALL))
C["long_message"] = b"\x00" + (
    rec(WRITE_ALL) + rec(FEED, frame(LONG_BODY, more=True) + frame(LONG_BODY))
    + rec(FEED_ONE, message(b"pending")) + advance_ms(100) + rec(FEED) + rec(WRITE_ALL))
corpora["connection_client"] = C

# Scripts for a PUB/XPUB from its first byte: a mode byte (see fuzz_connection_pub.cpp:
# bit 0 XPUB, bit 1 tiny limits of 64 bytes), then a script starting with the greeting.
PUB_MODE, XPUB_MODE, PUB_TINY, XPUB_TINY = 0x00, 0x01, 0x02, 0x03
SUB_READY = ready(b"SUB")
XSUB_READY = ready(b"XSUB")
GREETING_3_0 = greeting(minor=0)


def subscribe(topic):
    return command(b"SUBSCRIBE", topic)


def cancel(topic):
    return command(b"CANCEL", topic)


P = {}
P["sub_commands"] = bytes([PUB_MODE]) + (
    rec(FEED, LIBZMQ_GREETING + SUB_READY) + rec(WRITE_ALL)
    + rec(FEED, subscribe(b"topic") + subscribe(b"") + subscribe(b"\x00\xff"))
    + send_parts(b"topic", b"data") + rec(WRITE_ALL)
    + rec(FEED, cancel(b"topic") + cancel(b"")) + send_parts(b"topic.2") + rec(WRITE_ALL))
P["xsub_3_0_message_form"] = bytes([XPUB_MODE]) + (
    rec(FEED, GREETING_3_0 + XSUB_READY) + rec(WRITE_ALL)
    + rec(FEED, message(b"\x01topic") + message(b"\x00topic") + message(b"\x01") + message(b"\x00"))
    + rec(FEED, message(b"\x01a", b"more") + message(b"\x02not a subscription") + message(b""))
    + send_parts(b"a", b"b") + advance_ms(5000) + rec(WRITE_ALL))
P["xsub_3_1_both_forms_bytewise"] = bytes([XPUB_MODE]) + (
    rec(WRITE_ALL) + rec(FEED_BYTEWISE, LIBZMQ_GREETING + XSUB_READY)
    + rec(FEED_BYTEWISE, subscribe(b"ab") + message(b"\x01abc") + cancel(b"ab") + message(b"\x00abc"))
    + rec(FEED_ONE, subscribe(b"pending") + LIBZMQ_PING) + rec(FEED) + rec(WRITE_ALL))
P["unknown_and_empty_cancels"] = bytes([PUB_MODE]) + (
    rec(FEED, LIBZMQ_GREETING + SUB_READY) + rec(WRITE_ALL)
    + rec(FEED, b"".join(cancel(b"never%d" % i) for i in range(20)) + cancel(b"") * 5 + message(b"\x00") * 5)
    + rec(WRITE_ALL))
P["long_topics"] = bytes([XPUB_MODE]) + (
    rec(FEED, LIBZMQ_GREETING + SUB_READY) + rec(WRITE_ALL)
    + rec(FEED, subscribe(LONG_BODY) + frame(b"\x01" + LONG_BODY) + cancel(LONG_BODY)) + rec(WRITE_ALL))
P["tiny_limits_oversized_command"] = bytes([PUB_TINY]) + (
    rec(FEED, LIBZMQ_GREETING + SUB_READY) + rec(WRITE_ALL)
    + rec(FEED, subscribe(b"t" * 50) + subscribe(b"t" * 60)) + rec(WRITE_ALL))
P["tiny_limits_oversized_message"] = bytes([XPUB_TINY]) + (
    rec(FEED, GREETING_3_0 + SUB_READY) + rec(WRITE_ALL)
    + rec(FEED, message(b"\x01" + b"m" * 62) + message(b"\x01" + b"m" * 64)) + rec(WRITE_ALL))
P["incompatible_dealer"] = bytes([PUB_MODE]) + (
    rec(WRITE_ALL) + rec(FEED, LIBZMQ_GREETING + DEALER_READY) + rec(WRITE_ALL))
P["subscriber_heartbeat"] = bytes([XPUB_MODE]) + (
    rec(FEED, LIBZMQ_GREETING + XSUB_READY) + rec(WRITE_ALL) + rec(FEED, subscribe(b"x") + LIBZMQ_PING)
    + advance_ms(1000) + rec(WRITE_ALL) + rec(FEED, command(b"PONG")) + advance_ms(1000) + advance_ms(3000)
    + rec(WRITE_ALL))
corpora["connection_pub"] = P

# pub_pattern scripts (see fuzz_pub_pattern.cpp): a header (XPUB bit, then configure's
# options byte, size index, count index) and operations.
ATTACH, DETACH, SUB_ON, SUB_OFF, PSEND, ROOM, CONFIGURE, APP_SUB, DRAIN, MAY_SEND = range(10)
LETTER = {"a": 0, "b": 1, "0": 2, "f": 3}  # the topic alphabet: 'a', 'b', 00, FF
INVERT, VERBOSE, VERBOSER, MANUAL, NODROP, WELCOME = 1, 2, 4, 8, 16, 32
SIZES = {0: 0, 1: 1, 3: 2, 8: 3, 1024: 4}  # max_subscription_size -> its index
COUNTS = {1: 0, 2: 1, 3: 2, 8: 3, 64: 4}  # max_subscriptions -> its index


def topic(letters):
    assert len(letters) < 24
    return bytes([len(letters)]) + bytes(LETTER[c] for c in letters)


def near_limit(delta):
    """A topic of max_subscription_size + delta bytes (delta -1, 0, 1 or 2)."""
    return bytes([0xE0 + delta + 1])


def options(flags=0, size=1024, count=64):
    return bytes([flags, SIZES[size], COUNTS[count]])


def psub(peer, letters, on=True):
    return bytes([SUB_ON if on else SUB_OFF, peer]) + topic(letters)


def psend(letters, two_frames=False):
    return bytes([PSEND]) + topic(letters) + bytes([1 if two_frames else 0])


Q = {}
Q["pub_basic"] = b"\x00" + options() + (
    bytes([ATTACH, 0, ATTACH, 1, ATTACH, 2]) + psub(0, "a") + psub(1, "ab") + psub(2, "")
    + psend("abb") + psend("b", True) + bytes([DRAIN]) + psub(0, "a", False) + psend("a")
    + bytes([DETACH, 1, MAY_SEND, DRAIN]))
Q["xpub_first_and_last"] = b"\x01" + options() + (
    bytes([ATTACH, 0, ATTACH, 1]) + psub(0, "ab") + psub(1, "ab") + psub(0, "ab") + psub(0, "ab", False)
    + psub(1, "ab", False) + psub(1, "bbb", False) + psub(1, "", False) + bytes([DETACH, 0, DRAIN]))
Q["xpub_verbose_manual"] = b"\x01" + options(VERBOSE | VERBOSER) + (
    bytes([ATTACH, 0, ATTACH, 1]) + psub(0, "a0f") + psub(1, "a0f") + psub(1, "a0f", False)
    + bytes([CONFIGURE]) + options(MANUAL) + psub(1, "b") + bytes([APP_SUB, 1]) + topic("b")
    + psend("bb") + bytes([APP_SUB, 0]) + topic("b") + bytes([DETACH, 1, APP_SUB, 1]) + topic("a")
    + bytes([DRAIN]))
Q["xpub_limits"] = b"\x01" + options(0, 3, 2) + (
    bytes([ATTACH, 0, ATTACH, 1]) + psub(0, "a") + psub(0, "b") + psub(0, "ab")
    + bytes([SUB_ON, 1]) + near_limit(0) + bytes([SUB_ON, 1]) + near_limit(1)
    + bytes([ATTACH, 1, SUB_OFF, 1]) + near_limit(2) + bytes([DRAIN]))
Q["xpub_nodrop_room"] = b"\x01" + options(NODROP) + (
    bytes([ATTACH, 0, ATTACH, 1]) + psub(0, "") + psub(1, "a") + bytes([ROOM, 1, MAY_SEND])
    + psend("a") + psend("b") + bytes([ROOM, 1, MAY_SEND]) + psend("a", True) + bytes([DRAIN]))
Q["xpub_invert_welcome"] = b"\x01" + options(INVERT | WELCOME) + (
    bytes([ATTACH, 0, ATTACH, 1, ATTACH, 2]) + psub(0, "a") + psub(1, "b") + psend("ab")
    + psend("ff") + bytes([ROOM, 2]) + psend("0") + bytes([DETACH, 2, ATTACH, 2, DRAIN]))
Q["pub_unknown_cancels"] = b"\x00" + options(0, 8, 3) + (
    bytes([ATTACH, 0]) + b"".join(psub(0, w, False) for w in ("a", "ab", "", "f0", "bbbb"))
    + psub(0, "a") + psub(0, "a", False) + psub(0, "a", False) + psend("a") + bytes([DRAIN]))
corpora["pub_pattern"] = Q

# ---------------------------------------------------------------- z85 (text and bytes)
# RFC 32's vector both ways, zmq_curve(7)'s test keys (40 Z85 characters), a raw 32-byte
# key, the largest group, and one input for each kind of refusal.
Z = {}
Z["rfc32_hello_world"] = b"HelloWorld"
Z["rfc32_bytes"] = bytes.fromhex("864FD26FB559F75B")
Z["curve_client_public"] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
Z["curve_server_secret"] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
Z["raw_key_32"] = bytes(range(0, 256, 8))
Z["largest_then_overflow"] = b"%nSc0%nSc1"
Z["overflow_hashes"] = b"#####"
Z["bad_length"] = b"HelloWorl"
Z["bad_character_nul"] = b"Hell\x00World"
Z["bad_character_high"] = b"Hello\x80orld"
corpora["z85"] = Z


# ---------------------------------------------------------------- CURVE (curve_script.hpp)
# The curve targets make their genuine commands themselves (real keys, seeded randomness);
# a seed only says which to send, how to change one byte, and when.


def change(offset, mask):
    """The data of a record that changes one byte of a genuine command."""
    return struct.pack(">HB", offset, mask)


S_RAW, S_HELLO, S_INITIATE, S_ADVANCE, S_DECIDE = range(5)
PICK_200, PICK_300, PICK_400, PICK_500, PICK_999 = (bytes([i]) for i in range(5))
S = {}
S["admitted"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_DECIDE, PICK_200)
S["denied_400"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_DECIDE, PICK_400)
S["error_500"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_DECIDE, PICK_500)
S["unavailable_300"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_DECIDE, PICK_300)
S["unknown_status"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_DECIDE, PICK_999)
S["hello_padding_changed"] = rec(S_HELLO, change(40, 0xFF)) + rec(S_INITIATE) + rec(S_DECIDE, PICK_200)
S["hello_box_changed"] = rec(S_HELLO, change(150, 0x01)) + rec(S_INITIATE)
S["hello_version_changed"] = rec(S_HELLO, change(7, 0x01))
S["cookie_changed"] = rec(S_HELLO) + rec(S_INITIATE, change(20, 0x01))
S["initiate_box_changed"] = rec(S_HELLO) + rec(S_INITIATE, change(200, 0x40))
S["initiate_counter_changed"] = rec(S_HELLO) + rec(S_INITIATE, change(112, 0x03))
S["cookie_at_lifetime"] = rec(S_HELLO) + rec(S_ADVANCE, b"\x3c") + rec(S_INITIATE) + rec(S_DECIDE, PICK_200)
S["cookie_expired"] = rec(S_HELLO) + rec(S_ADVANCE, b"\x3d") + rec(S_INITIATE)
S["hello_twice"] = rec(S_HELLO) + rec(S_HELLO) + rec(S_INITIATE)
S["initiate_first"] = rec(S_INITIATE) + rec(S_RAW, command_body(b"INITIATE", bytes(300))) + rec(S_HELLO)
S["decide_unasked"] = rec(S_DECIDE, PICK_200) + rec(S_HELLO)
S["raw_hello_zeros"] = rec(S_RAW, command_body(b"HELLO", b"\x01\x00" + bytes(192)))
S["raw_hello_short"] = rec(S_RAW, command_body(b"HELLO", b"\x01\x00" + bytes(191)))
S["raw_commands"] = (rec(S_RAW, command_body(b"READY")) + rec(S_RAW, command_body(b"MESSAGE", bytes(30)))
                     + rec(S_RAW, b"\x00") + rec(S_RAW, command_body(b"WELCOME", bytes(160))))
S["command_while_asked"] = rec(S_HELLO) + rec(S_INITIATE) + rec(S_HELLO) + rec(S_DECIDE, PICK_200)
corpora["curve_server"] = S

C_RAW, C_WELCOME, C_READY, C_ADVANCE = range(4)
C = {}
C["handshake"] = rec(C_WELCOME) + rec(C_READY)
C["handshake_late"] = rec(C_ADVANCE, b"\xff") + rec(C_WELCOME) + rec(C_ADVANCE, b"\xff") + rec(C_READY)
C["welcome_nonce_changed"] = rec(C_WELCOME, change(10, 0x01)) + rec(C_READY)
C["welcome_box_changed"] = rec(C_WELCOME, change(100, 0x80))
C["welcome_twice"] = rec(C_WELCOME) + rec(C_WELCOME) + rec(C_READY)
C["ready_changed"] = rec(C_WELCOME) + rec(C_READY, change(20, 0x01))
C["ready_counter_changed"] = rec(C_WELCOME) + rec(C_READY, change(13, 0x02))
C["ready_twice"] = rec(C_WELCOME) + rec(C_READY) + rec(C_READY)
C["ready_first"] = rec(C_READY) + rec(C_RAW, command_body(b"READY", bytes(24))) + rec(C_WELCOME)
C["raw_welcome_zeros"] = rec(C_RAW, command_body(b"WELCOME", bytes(160)))
C["raw_welcome_long"] = rec(C_RAW, command_body(b"WELCOME", bytes(161)))
C["raw_commands"] = (rec(C_RAW, command_body(b"HELLO", b"\x01\x00" + bytes(192)))
                     + rec(C_RAW, command_body(b"INITIATE", bytes(300))) + rec(C_RAW, command_body(b"PING", b"\x00\x00")))
corpora["curve_client"] = C

M_SEAL, M_DELIVER, M_RAW, M_BIG = range(4)
FROM_SERVER = 0x80
MORE, COMMAND = 0x01, 0x04
M = {}
M["both_ways"] = (rec(M_SEAL, bytes([MORE]) + b"part") + rec(M_DELIVER, b"\x00")
                  + rec(FROM_SERVER | M_SEAL, b"\x00reply") + rec(FROM_SERVER | M_DELIVER, b"\x00"))
M["command_flag"] = rec(M_SEAL, bytes([COMMAND]) + b"\x04PING\x00\x00") + rec(M_DELIVER, b"\x00")
M["more_and_command"] = rec(M_SEAL, bytes([MORE | COMMAND]) + b"x") + rec(M_DELIVER, b"\x00")
M["empty_bodies"] = rec(M_SEAL) + rec(M_SEAL, b"\x00") + rec(M_DELIVER, b"\x00") + rec(M_DELIVER, b"\x01")
M["replayed"] = rec(M_SEAL, b"\x00one") + rec(M_DELIVER, b"\x00") + rec(M_DELIVER, b"\x00")
M["reordered"] = (rec(FROM_SERVER | M_SEAL, b"\x00one") + rec(FROM_SERVER | M_SEAL, b"\x00two")
                  + rec(FROM_SERVER | M_DELIVER, b"\x01") + rec(FROM_SERVER | M_DELIVER, b"\x00"))
M["changed_name"] = rec(M_SEAL, b"\x00abc") + rec(M_DELIVER, b"\x00" + change(3, 0x20)) + rec(M_DELIVER, b"\x00")
M["changed_counter"] = rec(M_SEAL, b"\x00abc") + rec(M_DELIVER, b"\x00" + change(15, 0x01))
M["changed_box"] = rec(M_SEAL, b"\x00abc") + rec(M_DELIVER, b"\x00" + change(30, 0x01)) + rec(M_DELIVER, b"\x00")
M["flags_byte_changed"] = rec(M_SEAL, b"\x01abc") + rec(M_DELIVER, b"\x00" + change(32, 0x02))
M["big_in_place"] = rec(M_BIG, b"\x64") + rec(M_DELIVER, b"\x00") + rec(FROM_SERVER | M_BIG, b"\x05")
M["big_in_place"] += rec(FROM_SERVER | M_DELIVER, b"\x00")
M["raw_short"] = rec(M_RAW, b"\x07MESSAGE" + bytes(24)) + rec(M_RAW, b"")
M["raw_forged"] = rec(M_RAW, b"\x07MESSAGE" + struct.pack(">Q", 99) + bytes(17))
M["raw_stale"] = rec(FROM_SERVER | M_RAW, b"\x07MESSAGE" + struct.pack(">Q", 1) + bytes(40))
corpora["curve_message"] = M


# ---------------------------------------------------------------- PLAIN (plain_script.hpp)
# The plain targets also keep a genuine peer beside the mechanism under test; a seed says
# which commands to send, built or raw, and how to change one byte of a genuine one.


def plain_hello(username, password):
    return command_body(b"HELLO", bytes([len(username)]) + username + bytes([len(password)]) + password)


P_RAW, P_HELLO, P_GENUINE, P_DECIDE = range(4)
CLIENT_PROPS = metadata([(b"Socket-Type", b"DEALER"), (b"Identity", b"fuzz-client")])
P = {}
P["admitted"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_200) + rec(P_GENUINE)
P["denied_400"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_400)
P["error_500"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_500)
P["unavailable_300"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_300)
P["unknown_status"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_999)
P["built_hello"] = rec(P_HELLO, b"\x05adminsecret") + rec(P_DECIDE, PICK_200) + rec(P_GENUINE)
P["built_hello_empty"] = rec(P_HELLO) + rec(P_DECIDE, PICK_200)
P["built_hello_longest"] = rec(P_HELLO, b"\xff" + b"u" * 255 + b"p" * 300) + rec(P_DECIDE, PICK_200)
P["raw_hello_user_past_end"] = rec(P_RAW, command_body(b"HELLO", b"\x05adm"))
P["raw_hello_password_past_end"] = rec(P_RAW, command_body(b"HELLO", b"\x05admin\x09se"))
P["raw_hello_no_password_size"] = rec(P_RAW, command_body(b"HELLO", b"\x05admin"))
P["raw_hello_trailing_byte"] = rec(P_RAW, plain_hello(b"admin", b"secret") + b"!")
P["raw_hello_no_data"] = rec(P_RAW, command_body(b"HELLO"))
P["raw_hello_zero_sizes"] = rec(P_RAW, command_body(b"HELLO", b"\x00\x00")) + rec(P_DECIDE, PICK_200)
P["genuine_user_size_changed"] = rec(P_GENUINE, change(6, 0x01))
P["genuine_password_size_changed"] = rec(P_GENUINE, change(12, 0x80))
P["genuine_name_changed"] = rec(P_GENUINE, change(1, 0x20))
P["initiate_changed_size"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_200) + rec(P_GENUINE, change(21, 0x01))
P["initiate_changed_name"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_200) + rec(P_GENUINE, change(10, 0x40))
P["initiate_empty"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_200) + rec(P_RAW, command_body(b"INITIATE"))
P["initiate_duplicate"] = (rec(P_GENUINE) + rec(P_DECIDE, PICK_200)
                           + rec(P_RAW, command_body(b"INITIATE", CLIENT_PROPS + metadata([(b"identity", b"x")]))))
P["initiate_bad_name"] = (rec(P_GENUINE) + rec(P_DECIDE, PICK_200)
                          + rec(P_RAW, command_body(b"INITIATE", metadata([(b"Socket Type", b"DEALER")]))))
P["initiate_past_end"] = (rec(P_GENUINE) + rec(P_DECIDE, PICK_200)
                          + rec(P_RAW, command_body(b"INITIATE", b"\x0bSocket-Type\x00\x00\x00\x09DEALER")))
P["initiate_first"] = rec(P_RAW, command_body(b"INITIATE", CLIENT_PROPS)) + rec(P_GENUINE)
P["command_while_asked"] = rec(P_GENUINE) + rec(P_GENUINE) + rec(P_DECIDE, PICK_200)
P["decide_unasked"] = rec(P_DECIDE, PICK_200) + rec(P_GENUINE)
P["hello_after_done"] = rec(P_GENUINE) + rec(P_DECIDE, PICK_200) + rec(P_GENUINE) + rec(P_GENUINE)
P["raw_commands"] = (rec(P_RAW, b"\x00") + rec(P_RAW, command_body(b"WELCOME"))
                     + rec(P_RAW, command_body(b"READY", CLIENT_PROPS)) + rec(P_RAW, command_body(b"ERROR", b"\x03400")))
corpora["plain_server"] = P

PC_RAW, PC_WELCOME, PC_READY, PC_DECIDE = range(4)
SERVER_PROPS = metadata([(b"Socket-Type", b"ROUTER"), (b"X-Fuzz", b"plain")])
PC = {}
for pick, name in enumerate(("admin", "empty", "longest", "cut")):
    PC[f"handshake_{name}"] = bytes([pick]) + rec(PC_WELCOME) + rec(PC_READY)
PC["welcome_with_data"] = b"\x00" + rec(PC_RAW, command_body(b"WELCOME", b"x"))
PC["welcome_changed"] = b"\x00" + rec(PC_WELCOME, change(3, 0x01))
PC["welcome_twice"] = b"\x00" + rec(PC_WELCOME) + rec(PC_WELCOME)
PC["ready_first"] = b"\x00" + rec(PC_READY) + rec(PC_RAW, command_body(b"READY", SERVER_PROPS)) + rec(PC_WELCOME)
PC["ready_twice"] = b"\x00" + rec(PC_WELCOME) + rec(PC_READY) + rec(PC_READY)
PC["ready_changed_size"] = b"\x00" + rec(PC_WELCOME) + rec(PC_READY, change(18, 0x02))
PC["ready_changed_name"] = b"\x00" + rec(PC_WELCOME) + rec(PC_READY, change(8, 0x20))
PC["ready_empty"] = b"\x00" + rec(PC_WELCOME) + rec(PC_RAW, command_body(b"READY"))
PC["ready_duplicate"] = (b"\x00" + rec(PC_WELCOME)
                         + rec(PC_RAW, command_body(b"READY", SERVER_PROPS + metadata([(b"x-fuzz", b"again")]))))
PC["decide_then_handshake"] = b"\x01" + rec(PC_DECIDE) + rec(PC_WELCOME) + rec(PC_DECIDE) + rec(PC_READY)
PC["raw_commands"] = (b"\x00" + rec(PC_RAW, plain_hello(b"admin", b"secret")) + rec(PC_RAW, command_body(b"INITIATE"))
                      + rec(PC_RAW, command_body(b"ERROR", b"\x03400")))
corpora["plain_client"] = PC


# ---------------------------------------------------------------- CURVE connection
# fuzz_connection_curve: mode byte (bit 0: start after a genuine handshake), then records
# (mechanism_script.hpp). Its genuine client makes the encrypted bytes; a seed says when
# they arrive, in what pieces, changed where, and what arrives besides.
K_FEED, K_GENUINE, K_ADVANCE, K_DELIVER, K_CLIENT_SEND, K_SERVER_SEND, K_DECIDE = range(7)
RAW_START, AFTER_HANDSHAKE = b"\x00", b"\x01"
ALL = b"\xff\xff"


def genuine(count=None, how=b""):
    return rec(K_GENUINE, (ALL if count is None else struct.pack(">H", count)) + how)


def k_advance(ms):
    return rec(K_ADVANCE, struct.pack(">H", ms))


TO_INITIATE = (genuine() + rec(K_DELIVER)) * 2 + genuine()  # the server then asks
K = {}
K["handshake_by_script"] = (RAW_START + TO_INITIATE + rec(K_DECIDE, PICK_200) + rec(K_DELIVER)
                            + rec(K_CLIENT_SEND, b"\x00hello") + genuine()
                            + rec(K_SERVER_SEND, b"\x00reply") + rec(K_DELIVER))
K["handshake_bytewise_hello"] = (RAW_START + genuine() + rec(K_DELIVER)
                                 + b"".join(genuine(1) for _ in range(40)) + genuine() + rec(K_DELIVER))
for pick, name in ((PICK_300, "unavailable_300"), (PICK_400, "denied_400"), (PICK_500, "error_500"),
                   (PICK_999, "unknown_status")):
    K[name] = RAW_START + TO_INITIATE + rec(K_DECIDE, pick) + rec(K_DELIVER)
K["bytes_while_asked"] = (RAW_START + TO_INITIATE + rec(K_FEED, frame(b"early" * 8)) + rec(K_DECIDE, PICK_200)
                          + rec(K_DELIVER))
K["decide_unasked"] = RAW_START + rec(K_DECIDE, PICK_200) + genuine() + rec(K_DECIDE, PICK_400)
K["greeting_changed"] = RAW_START + genuine(64, change(11, 0x01)) + rec(K_DELIVER) + genuine()
K["hello_changed"] = RAW_START + genuine() + rec(K_DELIVER) + genuine(None, change(150, 0x01))
K["initiate_changed"] = RAW_START + (genuine() + rec(K_DELIVER)) * 2 + genuine(None, change(200, 0x80))
K["initiate_late"] = RAW_START + (genuine() + rec(K_DELIVER)) * 2 + k_advance(29999) + genuine() + k_advance(1)
K["handshake_timeout"] = RAW_START + genuine() + k_advance(30000) + genuine()
K["null_greeting"] = RAW_START + rec(K_FEED, LIBZMQ_GREETING)
K["forged_hello"] = RAW_START + rec(K_FEED, greeting(mechanism=b"CURVE") + command(b"HELLO", b"\x01\x00" + bytes(192)))
K["send_before_ready"] = RAW_START + rec(K_SERVER_SEND, b"\x00x") + genuine() + rec(K_DELIVER)
K["messages"] = (AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x00one") + rec(K_CLIENT_SEND, b"\x03abcdefgh")
                 + genuine() + rec(K_SERVER_SEND, b"\x01\x02twoparts") + rec(K_DELIVER))
K["long_frames"] = (AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x81long") + genuine(700) + genuine()
                    + rec(K_SERVER_SEND, b"\x80long") + rec(K_DELIVER))
K["pieces"] = (AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x02abc") + genuine(5) + genuine(1) + genuine(30) + genuine())
K["message_changed"] = AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x00abc") + genuine(None, change(30, 0x01))
K["frame_header_changed"] = AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x01abc") + genuine(None, change(1, 0x04))
K["message_skipped"] = (AFTER_HANDSHAKE + rec(K_CLIENT_SEND, b"\x01ab") + genuine(40)
                        + rec(K_FEED, frame(b"\x07MESSAGE" + bytes(40))) + genuine())
K["clear_ping"] = AFTER_HANDSHAKE + rec(K_FEED, LIBZMQ_PING)
K["clear_more_frame"] = AFTER_HANDSHAKE + rec(K_FEED, frame(b"a", more=True))
K["forged_message"] = AFTER_HANDSHAKE + rec(K_FEED, frame(b"\x07MESSAGE" + struct.pack(">Q", 9) + bytes(17)))
K["heartbeats"] = (AFTER_HANDSHAKE + k_advance(1000) + rec(K_DELIVER) + genuine() + k_advance(1000)
                   + rec(K_DELIVER) + genuine())
K["heartbeat_timeout"] = AFTER_HANDSHAKE + k_advance(1000) + k_advance(1000) + rec(K_DELIVER)
corpora["connection_curve"] = K


def main():
    for name, seeds in corpora.items():
        directory = os.path.join(HERE, "corpus", name)
        os.makedirs(directory, exist_ok=True)
        for seed_name, data in seeds.items():
            assert len(data) <= 4096, (name, seed_name, len(data))
            with open(os.path.join(directory, seed_name), "wb") as f:
                f.write(data)
        print(f"fuzz/corpus/{name}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
