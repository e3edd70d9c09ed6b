// zmtp::message: a multipart message, the unit that sockets send and receive.
#pragma once

#include "zmtp/detail/small_vector.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/peer_properties.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

namespace zmtp {

/// A multipart message: an ordered list of frames, delivered whole or not at all.
///
/// Up to `inline_frames` frames are held inside the object, so a typical request
/// (routing id, empty delimiter, body) of small frames needs no heap allocation.
class message {
public:
    static constexpr std::size_t inline_frames = 4;
    using iterator = frame*;
    using const_iterator = const frame*;

    message() noexcept {} // not defaulted: `message{}` would zero the inline frames first
    /// A message with one frame per string, e.g. `message{"", "hello"}`.
    message(std::initializer_list<std::string_view> parts)
    {
        for (std::string_view part : parts)
            frames_.emplace_back(part);
    }

    std::size_t size() const noexcept { return frames_.size(); }
    bool empty() const noexcept { return frames_.empty(); }
    frame& operator[](std::size_t i) noexcept { return frames_[i]; }
    const frame& operator[](std::size_t i) const noexcept { return frames_[i]; }
    frame& front() noexcept { return frames_.front(); }
    frame& back() noexcept { return frames_.back(); }
    const frame& front() const noexcept { return frames_.front(); }
    const frame& back() const noexcept { return frames_.back(); }
    iterator begin() noexcept { return frames_.begin(); }
    iterator end() noexcept { return frames_.end(); }
    const_iterator begin() const noexcept { return frames_.begin(); }
    const_iterator end() const noexcept { return frames_.end(); }

    /// Appends a frame.
    frame& push_back(frame f) { return frames_.emplace_back(std::move(f)); }
    /// Appends a frame holding a copy of `text`.
    frame& push_back(std::string_view text) { return frames_.emplace_back(text); }
    /// Appends a frame holding a copy of `bytes`.
    frame& push_back(std::span<const std::byte> bytes) { return frames_.emplace_back(bytes); }
    /// Inserts a frame before the first one (as a ROUTER does with the routing id).
    frame& push_front(frame f) { return frames_.emplace(frames_.begin(), std::move(f)); }
    /// Removes the first `count` frames (at most size()).
    void erase_front(std::size_t count = 1) noexcept
    {
        frames_.erase(frames_.begin(), frames_.begin() + (count < size() ? count : size()));
    }
    /// Removes the last frame. Precondition: not empty().
    void pop_back() noexcept { frames_.pop_back(); }
    /// Removes every frame (who sent the message stays known).
    void clear() noexcept { frames_.clear(); }

    /// Who sent this message: the properties of the connection it arrived on, or null for
    /// a message that was not received from a peer. Copies and moves carry it along.
    const peer_properties* properties() const noexcept { return peer_.get(); }
    /// The property `name` of whoever sent this message (peer_properties::get), or nullopt.
    std::optional<std::string_view> property(std::string_view name) const noexcept
    {
        return peer_.get() ? peer_.get()->get(name) : std::nullopt;
    }
    /// The counted reference behind properties(), for a layer that keeps it apart from the
    /// message (the C API's zmq_msg_t holds one per frame).
    const detail::peer_properties_ref& sender() const noexcept { return peer_; }
    /// Says who sent this message (the runtime does, as it arrives).
    void set_properties(detail::peer_properties_ref from) noexcept { peer_ = std::move(from); }
    /// Moves the sender's reference out (the message has none after it): no count changes.
    detail::peer_properties_ref take_sender() noexcept { return std::move(peer_); }

    /// Sum of the frame sizes in bytes.
    std::size_t total_size() const noexcept
    {
        std::size_t total = 0;
        for (const frame& f : frames_)
            total += f.size();
        return total;
    }

    friend bool operator==(const message& a, const message& b) noexcept
    {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i]))
                return false;
        return true;
    }

private:
    detail::small_vector<frame, inline_frames> frames_;
    detail::peer_properties_ref peer_;
};

} // namespace zmtp
