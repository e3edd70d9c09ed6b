// What a file service worker may serve: regular files below one root directory, up to a
// size limit. Requests name paths relative to the root, or absolute paths inside it (as the
// original service's clients send them); any path that leaves the root, through `..`, a
// symlink or by being elsewhere, is refused. Shared by filer-worker and filer-cluster,
// unit-tested in tests/filer/.
//
// Checking the path and opening the file are two steps: someone who can rename directories
// inside the root could swap one for a symlink between them (Linux's openat2 with
// RESOLVE_BENEATH closes that gap). The file opened is always checked itself, though: a
// device, FIFO or directory swapped in is refused.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace filer {

/// The default --max-bytes: 16 MiB.
inline constexpr std::uintmax_t default_max_bytes = 16 * 1024 * 1024;

/// A value, or why there is none (then `error` is not empty).
template <class T>
struct result {
    T value{};
    std::string error;

    explicit operator bool() const { return error.empty(); }
};

/// A decimal byte count such as --max-bytes takes, or nothing if `text` is not one.
inline std::optional<std::uintmax_t> parse_byte_count(std::string_view text)
{
    std::uintmax_t n = 0;
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, n);
    if (text.empty() || ec != std::errc{} || stop != end)
        return std::nullopt;
    return n;
}

/// Whether `path` is `dir` or lies below it, compared component by component (/srv/data2
/// is not inside /srv/data). Both must be canonical.
inline bool is_within(const std::filesystem::path& dir, const std::filesystem::path& path)
{
    return std::mismatch(dir.begin(), dir.end(), path.begin(), path.end()).first == dir.end();
}

namespace detail {

/// Closes a file descriptor at the end of its scope.
class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() { ::close(fd_); }

private:
    int fd_;
};

/// The reason given for a failed system call: "no such file" for a path that does not lead
/// to a file (a missing one, or a symlink the open would not follow), else the OS's words.
inline std::string os_reason(int error)
{
    const bool missing = error == ENOENT || error == ENOTDIR || error == ELOOP;
    return missing ? "no such file" : std::generic_category().message(error);
}

} // namespace detail

/// The bytes of the regular file at `file` (canonical), or why it is refused. The opened
/// file is checked with fstat, so a FIFO, device or directory is refused even if it was
/// swapped in after an earlier check; O_NONBLOCK keeps a FIFO from blocking the open, and
/// O_NOFOLLOW refuses a last component that is a symlink (a canonical path has none left,
/// unless one was dangling when it was resolved or was swapped in since). At most
/// `max_bytes` + 1 bytes are read, so a file that grows meanwhile is refused too.
inline result<std::string> read_regular_file(const std::filesystem::path& file, std::uintmax_t max_bytes)
{
    const auto failure = [](std::string reason) { return result<std::string>{{}, std::move(reason)}; };
    const auto os_failure = [&](int error) { return failure(detail::os_reason(error)); };
    const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return os_failure(errno);
    const detail::fd_guard guard(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return os_failure(errno);
    if (!S_ISREG(st.st_mode))
        return failure("not a regular file");
    const auto size = static_cast<std::uintmax_t>(st.st_size);
    if (size > max_bytes)
        return failure("file too large (" + std::to_string(size) + " bytes, limit " + std::to_string(max_bytes) + ")");

    std::string content;
    content.reserve(static_cast<std::size_t>(size));
    constexpr std::uintmax_t chunk = 64 * 1024;
    for (;;) {
        const std::size_t have = content.size();
        const auto want = static_cast<std::size_t>(std::min(chunk, max_bytes - have) + 1);
        content.resize(have + want);
        const ssize_t n = ::read(fd, content.data() + have, want);
        const int error = errno;
        content.resize(n > 0 ? have + static_cast<std::size_t>(n) : have);
        if (n < 0 && error == EINTR)
            continue;
        if (n < 0)
            return os_failure(error);
        if (n == 0)
            return {std::move(content), {}};
        if (content.size() > max_bytes)
            return failure("file too large (more than " + std::to_string(max_bytes) + " bytes)");
    }
}

/// Serves the regular files below one directory, up to a size limit.
class file_root {
public:
    /// Throws std::filesystem::filesystem_error if `dir` is not an existing directory.
    explicit file_root(const std::filesystem::path& dir, std::uintmax_t max_bytes = default_max_bytes)
        : dir_(std::filesystem::canonical(dir)), max_bytes_(max_bytes)
    {
        if (!std::filesystem::is_directory(dir_))
            throw std::filesystem::filesystem_error("not a directory", dir,
                                                    std::make_error_code(std::errc::not_a_directory));
    }

    /// The root, canonical.
    const std::filesystem::path& dir() const { return dir_; }

    std::uintmax_t max_bytes() const { return max_bytes_; }

    /// The canonical path `request` names (relative to the root, or absolute), or why it is
    /// refused: it contains a NUL byte, or leaves the root (through `..`, a symlink, or as
    /// an absolute path elsewhere; for `..` the reason is the same whether what it names
    /// outside exists or not).
    result<std::filesystem::path> resolve(std::string_view request) const
    {
        const auto failure = [](std::string reason) { return result<std::filesystem::path>{{}, std::move(reason)}; };
        if (request.find('\0') != std::string_view::npos)
            return failure("path contains a NUL byte");
        std::error_code ec; // (dir_ / an absolute path is that path)
        std::filesystem::path path = std::filesystem::weakly_canonical(dir_ / std::filesystem::path(request), ec);
        if (ec)
            return failure(detail::os_reason(ec.value()));
        if (!is_within(dir_, path))
            return failure("path leaves the root");
        return {std::move(path), {}};
    }

    /// The bytes of the file `request` names, or why it is refused: the reason, ": ", then
    /// the request.
    result<std::string> read(std::string_view request) const
    {
        result<std::filesystem::path> file = resolve(request);
        result<std::string> got = file ? read_regular_file(file.value, max_bytes_)
                                       : result<std::string>{{}, std::move(file.error)};
        if (!got)
            got.error += ": " + std::string(request);
        return got;
    }

private:
    std::filesystem::path dir_;
    std::uintmax_t max_bytes_;
};

/// The --root DIR and --max-bytes N options, shared by filer-worker and filer-cluster.
struct root_options {
    std::string root = ".";
    std::uintmax_t max_bytes = default_max_bytes;

    /// Takes `option value` if it is one of ours (with a valid value); false otherwise.
    bool take(std::string_view option, const char* value)
    {
        if (option == "--root") {
            root = value;
            return true;
        }
        const std::optional<std::uintmax_t> count = parse_byte_count(value);
        if (option == "--max-bytes" && count) {
            max_bytes = *count;
            return true;
        }
        return false;
    }

    /// The root to serve, or nothing after telling stderr why `program` cannot serve it.
    std::optional<file_root> open(const char* program) const
    {
        try {
            return file_root(root, max_bytes);
        } catch (const std::filesystem::filesystem_error& e) {
            std::fprintf(stderr, "%s: --root: %s\n", program, e.what());
            return std::nullopt;
        }
    }
};

} // namespace filer
