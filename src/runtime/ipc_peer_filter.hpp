// ZMQ_IPC_FILTER_PID/UID/GID: which local processes an ipc listener admits.
#pragma once

#include "zmtp/options.hpp"

namespace zmtp::detail {

/// Whether an ipc listener with these options admits the peer connected on `descriptor`,
/// by the credentials of its process (SO_PEERCRED): with no ipc filter set, every peer;
/// else one whose process id is in ipc_accept_pids, whose user id is in ipc_accept_uids, or
/// whose user is in a group of ipc_accept_gids (its primary group or another). False when
/// the credentials cannot be read.
bool ipc_peer_admitted(const socket_options& options, int descriptor);

} // namespace zmtp::detail
