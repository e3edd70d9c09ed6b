// Subscriptions in message form (RFC 29 / ZMTP 3.0): one frame, 0x01 or 0x00, then the topic.
#pragma once

#include "zmtp/message.hpp"

#include <cstring>
#include <optional>
#include <span>

namespace zmtp::pattern {

/// A subscription (`on`) or cancel of `topic`, in message form.
inline message subscription_message(bool on, std::span<const std::byte> topic)
{
    frame body = frame::with_size(topic.size() + 1);
    body.data()[0] = on ? std::byte{1} : std::byte{0};
    if (!topic.empty())
        std::memcpy(body.data() + 1, topic.data(), topic.size());
    message msg;
    msg.push_back(std::move(body));
    return msg;
}

/// A subscription change read from a message: `on` and the topic (a view into the message).
struct subscription_change {
    bool on;
    std::span<const std::byte> topic;
};

/// The change `msg` asks for, if it has the form (one frame, first byte 0x01 or 0x00).
inline std::optional<subscription_change> parse_subscription(const message& msg) noexcept
{
    if (msg.size() != 1 || msg[0].empty())
        return std::nullopt;
    const std::span<const std::byte> body = msg[0].bytes();
    if (body[0] != std::byte{1} && body[0] != std::byte{0})
        return std::nullopt;
    return subscription_change{body[0] == std::byte{1}, body.subspan(1)};
}

} // namespace zmtp::pattern
