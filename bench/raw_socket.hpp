// Plain POSIX sockets for the raw references (tcp_thr, tcp_lat): no framing, no library.
// Endpoints are written as the other programs' are: tcp://host:port or ipc://path
// (a Unix-domain stream socket, the raw counterpart of ipc).
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace bench::raw {

[[noreturn]] inline void die(const char* what)
{
    std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

struct address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    bool tcp = true;
};

inline address resolve(const std::string& endpoint)
{
    address a;
    if (endpoint.rfind("ipc://", 0) == 0) {
        const std::string path = endpoint.substr(6);
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        if (path.empty() || path.size() >= sizeof(un.sun_path)) {
            std::fprintf(stderr, "bad ipc path: %s\n", path.c_str());
            std::exit(2);
        }
        std::memcpy(un.sun_path, path.data(), path.size());
        std::memcpy(&a.storage, &un, sizeof(un));
        a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
        a.tcp = false;
        return a;
    }
    if (endpoint.rfind("tcp://", 0) != 0) {
        std::fprintf(stderr, "endpoint must be tcp://host:port or ipc://path: %s\n", endpoint.c_str());
        std::exit(2);
    }
    const std::string rest = endpoint.substr(6);
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
        std::fprintf(stderr, "tcp endpoint needs a port: %s\n", endpoint.c_str());
        std::exit(2);
    }
    std::string host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    if (host == "*")
        host = "0.0.0.0";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found) {
        std::fprintf(stderr, "cannot resolve %s: %s\n", endpoint.c_str(), gai_strerror(rc));
        std::exit(2);
    }
    std::memcpy(&a.storage, found->ai_addr, found->ai_addrlen);
    a.length = found->ai_addrlen;
    ::freeaddrinfo(found);
    return a;
}

inline void tune(int fd, bool tcp)
{
    if (tcp) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
}

/// Listens on `endpoint`, accepts one connection and returns it.
inline int accept_one(const std::string& endpoint)
{
    const address a = resolve(endpoint);
    if (!a.tcp)
        ::unlink(reinterpret_cast<const sockaddr_un*>(&a.storage)->sun_path);
    const int listener = ::socket(a.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        die("socket");
    int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0)
        die("bind");
    if (::listen(listener, 16) != 0)
        die("listen");
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
        die("accept");
    ::close(listener);
    if (!a.tcp)
        ::unlink(reinterpret_cast<const sockaddr_un*>(&a.storage)->sun_path);
    tune(fd, a.tcp);
    return fd;
}

/// Connects to `endpoint`, retrying for up to 10 s while nobody listens yet.
inline int connect_to(const std::string& endpoint)
{
    const address a = resolve(endpoint);
    for (int attempt = 0;; ++attempt) {
        const int fd = ::socket(a.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.length) == 0) {
            tune(fd, a.tcp);
            return fd;
        }
        if ((errno != ECONNREFUSED && errno != ENOENT) || attempt >= 1000)
            die("connect");
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

inline void write_all(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

/// Reads exactly `size` bytes; false at end of stream.
inline bool read_all(int fd, char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace bench::raw
