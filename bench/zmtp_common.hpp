// Helpers of the zmtp benchmark programs (zmtp only): their socket options.
#pragma once

#include "bench_common.hpp"

#include <zmtp/curve_key.hpp>
#include <zmtp/options.hpp>

namespace bench {

/// Makes `o` a CURVE server or client with bench::curve_test_keys (the client with the
/// test client key pair, so that it makes none of its own).
inline void set_curve(zmtp::socket_options& o, curve_role role)
{
    if (role == curve_role::server) {
        o.curve_server = true;
        o.curve_secret_key = zmtp::parse_curve_secret_key(curve_test_keys::server_secret);
    } else {
        o.curve_server_key = zmtp::parse_curve_public_key(curve_test_keys::server_public);
        o.curve_public_key = zmtp::parse_curve_public_key(curve_test_keys::client_public);
        o.curve_secret_key = zmtp::parse_curve_secret_key(curve_test_keys::client_secret);
    }
}

/// Default options, made CURVE `role` when `curve` is set.
inline zmtp::socket_options data_options(bool curve, curve_role role)
{
    zmtp::socket_options o;
    if (curve)
        set_curve(o, role);
    return o;
}

} // namespace bench
