#include "runtime/ipc_peer_filter.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace zmtp::detail {
namespace {

template <class T>
bool listed(const std::vector<T>& list, T value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

/// Whether the user `uid` (primary group `gid`) belongs to one of `groups`.
bool in_group(uid_t uid, gid_t gid, const std::vector<gid_t>& groups)
{
    if (listed(groups, gid))
        return true;
    std::vector<char> buffer(16 * 1024);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return false;
    int count = 64;
    std::vector<gid_t> memberships(static_cast<std::size_t>(count));
    if (::getgrouplist(found->pw_name, gid, memberships.data(), &count) < 0) {
        memberships.resize(static_cast<std::size_t>(count)); // count now says how many there are
        if (::getgrouplist(found->pw_name, gid, memberships.data(), &count) < 0)
            return false;
    }
    memberships.resize(static_cast<std::size_t>(count));
    return std::any_of(memberships.begin(), memberships.end(), [&](gid_t g) { return listed(groups, g); });
}

} // namespace

bool ipc_peer_admitted(const socket_options& options, int descriptor)
{
    if (options.ipc_accept_pids.empty() && options.ipc_accept_uids.empty() && options.ipc_accept_gids.empty())
        return true;
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
        return false;
    return listed(options.ipc_accept_pids, peer.pid) || listed(options.ipc_accept_uids, peer.uid)
           || (!options.ipc_accept_gids.empty() && in_group(peer.uid, peer.gid, options.ipc_accept_gids));
}

} // namespace zmtp::detail
