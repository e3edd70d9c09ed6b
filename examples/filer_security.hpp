// The file service's security options, shared by filer-cluster (the server end) and
// filer-req and filer-worker (the client ends): CURVE with keys in libzmq's Z85 text, or
// PLAIN with one user name and password. No option: NULL, as before.
#pragma once

#include <zmtp/curve_key.hpp>
#include <zmtp/options.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace filer {

struct security_options {
    std::optional<std::string> curve_secret_key; // Z85, 40 characters
    std::optional<std::string> curve_server_key; // Z85, 40 characters
    std::optional<std::string> plain_user;
    std::optional<std::string> plain_password;

    /// Takes `option value` if it is one of ours; false otherwise.
    bool take(std::string_view option, const char* value)
    {
        std::optional<std::string>* field = option == "--curve-secret-key"  ? &curve_secret_key
                                            : option == "--curve-server-key" ? &curve_server_key
                                            : option == "--plain-user"       ? &plain_user
                                            : option == "--plain-password"   ? &plain_password
                                                                             : nullptr;
        if (field == nullptr)
            return false;
        *field = value;
        return true;
    }

    bool curve() const { return curve_secret_key || curve_server_key; }
    bool plain() const { return plain_user || plain_password; }

    /// Sets `o` up as a server (filer-cluster) or a client; false after telling stderr why
    /// the options cannot be used.
    bool apply(const char* program, bool server, zmtp::socket_options& o) const
    {
        const auto refuse = [program](const char* why) {
            std::fprintf(stderr, "%s: %s\n", program, why);
            return false;
        };
        if (curve() && plain())
            return refuse("choose CURVE (--curve-*) or PLAIN (--plain-*), not both");
        if (plain_user.has_value() != plain_password.has_value())
            return refuse("PLAIN needs both --plain-user and --plain-password");
        if (server && curve_server_key)
            return refuse("--curve-server-key is for clients; a server takes --curve-secret-key");
        if (!server && curve_secret_key && !curve_server_key)
            return refuse("--curve-secret-key needs --curve-server-key (the server's public key)");
        std::error_code ec;
        if (curve_secret_key) {
            o.curve_secret_key = zmtp::parse_curve_secret_key(*curve_secret_key, ec);
            if (ec)
                return refuse("--curve-secret-key: not a 40-character Z85 key");
        }
        if (curve_server_key) {
            o.curve_server_key = zmtp::parse_curve_public_key(*curve_server_key, ec);
            if (ec)
                return refuse("--curve-server-key: not a 40-character Z85 key");
        }
        o.curve_server = server && curve_secret_key;
        if (plain_user) {
            if (server) {
                o.plain_server = true;
            } else {
                o.plain_username = *plain_user;
                o.plain_password = *plain_password;
            }
        }
        return true;
    }
};

} // namespace filer
