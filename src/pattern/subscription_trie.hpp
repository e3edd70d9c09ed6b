// PUB/SUB subscriptions: which peers want a message, by binary prefix of its first frame.
// Sans-I/O, no Asio.
//
// Theory of operation. A radix tree: every edge carries a byte string, so a topic costs one
// or two nodes plus its bytes, not a node per byte. Each node stands for the topic spelled
// by the edges from the root to it and holds the peers subscribed to exactly that topic.
// The tree is kept canonical: apart from the root, every node has subscribers or at least
// two children; removal prunes and merges to restore that, so after a remove the tree is
// what it would be had the topic never been added. Children are sorted by the first byte of
// their edge and found by binary search. Every operation is a loop, never a recursion:
// topics up to a peer's limit would otherwise be stack depth (the 4.3.3 advisory on a
// recursive trie). Whole-tree walks climb back through parent links, so they need no
// stack either.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace zmtp::pattern {

/// Topics (arbitrary byte strings, 0x00 included; the empty topic matches every message)
/// mapped to the peers subscribed to them. A peer's subscription to a topic is a set
/// membership: two adds and one remove leave it unsubscribed (what PUB and XPUB do, see
/// ZMTP-FACTS-2 section 5).
///
/// Enforces no limits: the pattern using it caps topic length and subscriptions per peer.
/// Memory is one or two nodes (about 90 bytes each) per topic, a pointer per subscription
/// and the topic bytes; an edge's buffer holds at most twice the edge.
///
/// Operations that allocate throw std::bad_alloc and then change nothing. `remove` never
/// throws; if an allocation to merge two nodes fails it leaves them unmerged (still
/// correct, one node larger). Not thread-safe; non-copyable, movable.
template <class Peer>
class subscription_trie {
public:
    subscription_trie() = default;
    subscription_trie(const subscription_trie&) = delete;
    subscription_trie& operator=(const subscription_trie&) = delete;

    subscription_trie(subscription_trie&& other) noexcept { take_from(other); }

    subscription_trie& operator=(subscription_trie&& other) noexcept
    {
        if (this != &other) {
            clear();
            take_from(other);
        }
        return *this;
    }

    /// Destroys the nodes in a loop (a chain of unique_ptr would recurse).
    ~subscription_trie() { clear(); }

    /// Subscribes `peer` to `topic`; true when it was not subscribed to it yet.
    bool add(std::span<const std::byte> topic, Peer* peer)
    {
        node* n = &root_;
        std::span<const std::byte> rest = topic;
        while (!rest.empty()) {
            const auto slot = child_slot(*n, rest.front());
            if (slot == n->children.end() || (*slot)->edge.front() != rest.front())
                return add_leaf(*n, slot, rest, peer);
            node* c = slot->get();
            const std::size_t common = common_prefix(c->edge, rest);
            if (common < c->edge.size())
                return split_and_add(*n, *slot, common, rest, peer);
            n = c;
            rest = rest.subspan(common);
        }
        const auto pos = std::lower_bound(n->peers.begin(), n->peers.end(), peer, std::less<Peer*>{});
        if (pos != n->peers.end() && *pos == peer)
            return false;
        n->peers.insert(pos, peer);
        if (n->peers.size() == 1)
            ++topic_count_;
        return true;
    }

    /// Unsubscribes `peer` from `topic`; true when it was subscribed. An unknown topic or
    /// peer changes nothing.
    bool remove(std::span<const std::byte> topic, Peer* peer) noexcept
    {
        node* n = find_exact(&root_, topic);
        if (n == nullptr)
            return false;
        const auto pos = std::lower_bound(n->peers.begin(), n->peers.end(), peer, std::less<Peer*>{});
        if (pos == n->peers.end() || *pos != peer)
            return false;
        n->peers.erase(pos);
        if (!n->peers.empty())
            return true;
        --topic_count_;
        std::vector<Peer*>().swap(n->peers);
        // Climb while nodes become useless: a peerless leaf goes, which may leave its
        // parent a peerless leaf too, or a peerless node with one child to merge.
        while (n != &root_ && n->peers.empty()) {
            if (!n->children.empty()) {
                if (n->children.size() == 1)
                    merge_with_child(*n);
                break;
            }
            node* parent = n->parent;
            erase_child(*parent, *n);
            n = parent;
        }
        return true;
    }

    /// True when some peer is subscribed to exactly `topic`.
    bool has_subscribers(std::span<const std::byte> topic) const noexcept
    {
        const node* n = find_exact(&root_, topic);
        return n != nullptr && !n->peers.empty();
    }

    /// Unsubscribes `peer` from every topic, calling `on_emptied(std::span<const std::byte>)`
    /// for each topic left without subscribers (XPUB reports those as cancels). The span is
    /// valid during the call only; `on_emptied` must not use this trie, and should not throw
    /// (if it does, the peer stays subscribed to the topics not visited yet). Linear in the
    /// size of the trie. Throws std::bad_alloc (for the topic buffer) before changing
    /// anything, or not at all.
    template <class F>
    void remove_peer(Peer* peer, F on_emptied)
    {
        // First pass: the longest topic, so the second pass never allocates.
        std::size_t depth = 0;
        std::size_t deepest = 0;
        walk(
            &root_,
            [&](node& n) {
                depth += n.edge.size();
                deepest = std::max(deepest, depth);
            },
            [&](node& n) { depth -= n.edge.size(); });
        std::vector<std::byte> topic;
        topic.reserve(deepest);

        walk(
            &root_,
            [&](node& n) {
                topic.insert(topic.end(), n.edge.begin(), n.edge.end());
                const auto pos = std::lower_bound(n.peers.begin(), n.peers.end(), peer, std::less<Peer*>{});
                if (pos == n.peers.end() || *pos != peer)
                    return;
                n.peers.erase(pos);
                if (!n.peers.empty())
                    return;
                --topic_count_;
                std::vector<Peer*>().swap(n.peers);
                on_emptied(std::span<const std::byte>(topic));
            },
            [&](node& n) {
                topic.resize(topic.size() - n.edge.size());
                tidy(n); // after its subtree, so a chain of emptied nodes folds up
            });
    }

    /// Clears `out` and fills it with every peer subscribed to a prefix of `data` (the
    /// empty topic included), each once, in std::less order. Allocates nothing when `out`
    /// has the capacity. Cost: the length of the matching path plus the peers found.
    void match(std::span<const std::byte> data, std::vector<Peer*>& out) const
    {
        out.clear();
        const node* n = &root_;
        std::span<const std::byte> rest = data;
        int sources = 0;
        for (;;) {
            if (!n->peers.empty()) {
                out.insert(out.end(), n->peers.begin(), n->peers.end());
                ++sources;
            }
            if (rest.empty())
                break;
            const auto slot = child_slot(*n, rest.front());
            if (slot == n->children.end())
                break;
            const node* c = slot->get();
            if (c->edge.front() != rest.front() || !starts_with(rest, c->edge))
                break;
            rest = rest.subspan(c->edge.size());
            n = c;
        }
        // Each node's peers are sorted and distinct, so one source needs no work.
        if (sources > 1) {
            std::sort(out.begin(), out.end(), std::less<Peer*>{});
            out.erase(std::unique(out.begin(), out.end()), out.end());
        }
    }

    /// Calls `fn(std::span<const std::byte> topic)` for each topic with subscribers, in
    /// lexicographic order of unsigned bytes. The span is valid during the call only; `fn`
    /// must not modify this trie.
    template <class F>
    void for_each_topic(F fn) const
    {
        std::vector<std::byte> topic;
        walk(
            &root_,
            [&](const node& n) {
                topic.insert(topic.end(), n.edge.begin(), n.edge.end());
                if (!n.peers.empty())
                    fn(std::span<const std::byte>(topic));
            },
            [&](const node& n) { topic.resize(topic.size() - n.edge.size()); });
    }

    /// Distinct topics with at least one subscriber.
    std::size_t topic_count() const noexcept { return topic_count_; }
    bool empty() const noexcept { return topic_count_ == 0; }

    /// Nodes in the tree, the root included (1 when empty): a measure of its size.
    std::size_t node_count() const noexcept { return node_count_; }

    /// Removes every subscription.
    void clear() noexcept
    {
        // Delete leaves one at a time, from the last child down: no node is destroyed
        // while it still has children, so no destructor recurses.
        node* n = &root_;
        for (;;) {
            if (!n->children.empty()) {
                n = n->children.back().get();
                continue;
            }
            if (n == &root_)
                break;
            n = n->parent;
            n->children.pop_back();
        }
        std::vector<std::unique_ptr<node>>().swap(root_.children);
        std::vector<Peer*>().swap(root_.peers);
        topic_count_ = 0;
        node_count_ = 1;
    }

    /// Checks the structure (for tests and fuzzing; linear time): parent links, children
    /// sorted by distinct first bytes, non-empty edges below the root, edge buffers at most
    /// twice their edges, peers sorted and distinct, no useless node, and the counts. The "no useless node" part fails only
    /// if an allocation failed during a remove.
    bool invariants_hold() const
    {
        bool ok = true;
        std::size_t nodes = 0;
        std::size_t topics = 0;
        walk(
            &root_,
            [&](const node& n) {
                ++nodes;
                if (!n.peers.empty())
                    ++topics;
                if (&n != &root_ && (n.edge.empty() || (n.peers.empty() && n.children.size() < 2)))
                    ok = false;
                if (n.edge.capacity() > 2 * n.edge.size())
                    ok = false;
                if (std::adjacent_find(n.peers.begin(), n.peers.end(),
                                       [](Peer* a, Peer* b) { return !std::less<Peer*>{}(a, b); }) !=
                    n.peers.end())
                    ok = false;
                for (std::size_t i = 0; i < n.children.size(); ++i) {
                    const node& c = *n.children[i];
                    if (c.parent != &n || c.edge.empty() ||
                        (i > 0 && !(n.children[i - 1]->edge.front() < c.edge.front())))
                        ok = false;
                }
            },
            [](const node&) {});
        return ok && nodes == node_count_ && topics == topic_count_;
    }

private:
    struct node {
        std::vector<std::byte> edge;                  ///< Bytes from the parent; empty at the root only.
        std::vector<Peer*> peers;                     ///< Sorted by std::less, distinct.
        std::vector<std::unique_ptr<node>> children;  ///< Sorted by edge.front(), distinct.
        node* parent = nullptr;
    };
    using child_list = std::vector<std::unique_ptr<node>>;

    /// The first child whose edge starts at or after `key`.
    template <class Node>
    static auto child_slot(Node& n, std::byte key) noexcept
    {
        return std::lower_bound(n.children.begin(), n.children.end(), key,
                                [](const std::unique_ptr<node>& c, std::byte k) { return c->edge.front() < k; });
    }

    /// The node for exactly `topic`, or nullptr.
    template <class Node>
    static Node* find_exact(Node* n, std::span<const std::byte> topic) noexcept
    {
        std::span<const std::byte> rest = topic;
        while (!rest.empty()) {
            const auto slot = child_slot(*n, rest.front());
            if (slot == n->children.end())
                return nullptr;
            Node* c = slot->get();
            if (c->edge.front() != rest.front() || !starts_with(rest, c->edge))
                return nullptr;
            rest = rest.subspan(c->edge.size());
            n = c;
        }
        return n;
    }

    static bool starts_with(std::span<const std::byte> data, std::span<const std::byte> prefix) noexcept
    {
        return prefix.size() <= data.size() &&
               (prefix.empty() || std::memcmp(data.data(), prefix.data(), prefix.size()) == 0);
    }

    /// Length of the common prefix of `a` and `b`.
    static std::size_t common_prefix(std::span<const std::byte> a, std::span<const std::byte> b) noexcept
    {
        const std::size_t n = std::min(a.size(), b.size());
        if (n != 0 && std::memcmp(a.data(), b.data(), n) == 0) // the usual case, at memcmp speed
            return n;
        std::size_t i = 0;
        while (i < n && a[i] == b[i])
            ++i;
        return i;
    }

    /// Depth-first walk from `root` without recursion: `enter(node&)` before a node's
    /// children (root included), `leave(node&)` after them (root excluded). `leave` may
    /// delete its node, or put in its place a node with the same first byte whose subtree
    /// was already walked: the walk goes on from the parent to the next first byte.
    template <class Node, class Enter, class Leave>
    static void walk(Node* root, Enter enter, Leave leave)
    {
        Node* n = root;
        enter(*n);
        for (;;) {
            if (!n->children.empty()) {
                n = n->children.front().get();
                enter(*n);
                continue;
            }
            for (;;) {
                if (n == root)
                    return;
                Node* parent = n->parent;
                const std::byte key = n->edge.front();
                leave(*n);
                const auto next = std::upper_bound(
                    parent->children.begin(), parent->children.end(), key,
                    [](std::byte k, const std::unique_ptr<node>& c) { return k < c->edge.front(); });
                if (next != parent->children.end()) {
                    n = next->get();
                    enter(*n);
                    break;
                }
                n = parent;
            }
        }
    }

    /// A new leaf under `parent` at `slot` for `rest` with `peer`.
    bool add_leaf(node& parent, typename child_list::iterator slot, std::span<const std::byte> rest, Peer* peer)
    {
        auto leaf = make_leaf(parent, rest, peer);
        parent.children.insert(slot, std::move(leaf)); // strong guarantee: no effect if it throws
        ++node_count_;
        ++topic_count_;
        return true;
    }

    /// Splits the child in `slot` (of `parent`) after `common` bytes of its edge, and puts
    /// `peer` on the node for `rest`: the new middle node if `rest` ends there, otherwise
    /// a new leaf beside the old child. Allocates everything before changing anything.
    bool split_and_add(node& parent, std::unique_ptr<node>& slot, std::size_t common,
                       std::span<const std::byte> rest, Peer* peer)
    {
        node& old_child = *slot;
        const auto cut = old_child.edge.begin() + static_cast<std::ptrdiff_t>(common);
        std::vector<std::byte> suffix(cut, old_child.edge.end());
        // The middle node takes over the old edge's buffer (no copy of a long prefix) unless
        // that would leave it more than half empty.
        const bool reuse = old_child.edge.capacity() <= 2 * common;
        std::vector<std::byte> prefix;
        if (!reuse)
            prefix.assign(old_child.edge.begin(), cut);
        auto middle = std::make_unique<node>();
        middle->children.reserve(2);
        std::unique_ptr<node> leaf;
        if (rest.size() > common)
            leaf = make_leaf(*middle, rest.subspan(common), peer);
        else
            middle->peers.push_back(peer);

        // From here on nothing throws.
        if (reuse) {
            middle->edge = std::move(old_child.edge);
            middle->edge.resize(common);
        } else {
            middle->edge = std::move(prefix);
        }
        old_child.edge = std::move(suffix);
        middle->parent = &parent;
        old_child.parent = middle.get();
        middle->children.push_back(std::move(slot));
        if (leaf) {
            const bool before = leaf->edge.front() < old_child.edge.front();
            middle->children.insert(before ? middle->children.begin() : middle->children.end(), std::move(leaf));
            ++node_count_;
        }
        slot = std::move(middle);
        ++node_count_;
        ++topic_count_;
        return true;
    }

    static std::unique_ptr<node> make_leaf(node& parent, std::span<const std::byte> edge, Peer* peer)
    {
        auto leaf = std::make_unique<node>();
        leaf->edge.assign(edge.begin(), edge.end());
        leaf->peers.push_back(peer);
        leaf->parent = &parent;
        return leaf;
    }

    /// Removes the childless node `child` from `parent`.
    void erase_child(node& parent, node& child) noexcept
    {
        const auto slot = child_slot(parent, child.edge.front());
        parent.children.erase(slot);
        if (parent.children.empty())
            child_list().swap(parent.children);
        --node_count_;
    }

    /// Replaces the peerless node `n` (one child, not the root) by its child, whose edge
    /// grows by n's in front. If that allocation fails, nothing changes. (A chain folded
    /// from the bottom up, as remove_peer does, copies its bytes once per level: quadratic
    /// in its depth, as are the topics it took to build it.)
    void merge_with_child(node& n) noexcept
    {
        node& child = *n.children.front();
        const std::size_t joined = n.edge.size() + child.edge.size();
        try {
            // Room for doubling, so that merging a chain one node at a time stays linear,
            // but never more than twice the joined size.
            if (n.edge.capacity() < joined)
                n.edge.reserve(std::max(joined, 2 * n.edge.size()));
            n.edge.insert(n.edge.end(), child.edge.begin(), child.edge.end());
        } catch (const std::bad_alloc&) {
            return;
        }
        node& parent = *n.parent;
        const auto slot = child_slot(parent, n.edge.front());
        child.edge = std::move(n.edge);
        child.parent = &parent;
        std::unique_ptr<node> keep = std::move(n.children.front());
        *slot = std::move(keep); // deletes n, whose only child slot is now empty
        --node_count_;
    }

    /// Restores the canonical form at `n` after its subtree changed: a peerless leaf goes,
    /// a peerless node with one child merges with it.
    void tidy(node& n) noexcept
    {
        if (&n == &root_ || !n.peers.empty())
            return;
        if (n.children.empty())
            erase_child(*n.parent, n);
        else if (n.children.size() == 1)
            merge_with_child(n);
    }

    void take_from(subscription_trie& other) noexcept
    {
        root_.peers = std::move(other.root_.peers);
        root_.children = std::move(other.root_.children);
        for (const auto& c : root_.children)
            c->parent = &root_;
        topic_count_ = std::exchange(other.topic_count_, 0);
        node_count_ = std::exchange(other.node_count_, 1);
        other.root_.peers.clear();
        other.root_.children.clear();
    }

    node root_; ///< The empty topic.
    std::size_t topic_count_ = 0;
    std::size_t node_count_ = 1;
};

} // namespace zmtp::pattern
