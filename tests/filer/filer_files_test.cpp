// Unit tests for the file service's serving rules (examples/filer_files.hpp): what
// filer-worker serves under --root and --max-bytes, and the exact reason for each refusal.
#include "filer_files.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

namespace fs = std::filesystem;
using filer::file_root;

namespace {

/// A fresh directory tree, removed at the end of the test:
///   top/outside.txt, top/data2/other.txt   outside the root
///   top/data/                              the root
///     hello.txt, sub/inner.txt, sub/       regular files and a directory
///     inside-link -> hello.txt             a symlink that stays inside
///     outside-link -> ../outside.txt       symlinks that leave
///     outside-dir -> ../data2, zero-link -> /dev/zero
///     dangling -> ../missing.txt           a symlink to nothing outside
///     stdin-link -> /dev/stdin
///     fifo                                 a named pipe no one writes to
struct tree {
    fs::path top;
    fs::path root;

    tree()
    {
        std::string pattern = (fs::temp_directory_path() / "filer-files-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        top = pattern;
        root = top / "data";
        fs::create_directories(root / "sub");
        fs::create_directories(top / "data2");
        write(top / "outside.txt", "outside\n");
        write(top / "data2" / "other.txt", "other\n");
        write(root / "hello.txt", "hello\n");
        write(root / "sub" / "inner.txt", "inner\n");
        fs::create_symlink("hello.txt", root / "inside-link");
        fs::create_symlink("../outside.txt", root / "outside-link");
        fs::create_symlink("../data2", root / "outside-dir");
        fs::create_symlink("/dev/zero", root / "zero-link");
        fs::create_symlink("../missing.txt", root / "dangling");
        fs::create_symlink("/dev/stdin", root / "stdin-link");
        REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
    }
    ~tree() { fs::remove_all(top); }

    static void write(const fs::path& path, const std::string& content)
    {
        std::ofstream(path, std::ios::binary) << content;
    }
};

/// Runs `f` with `fd` as standard input.
template <class F>
void with_stdin(int fd, F f)
{
    const int saved = ::dup(0);
    REQUIRE(::dup2(fd, 0) == 0);
    f();
    ::dup2(saved, 0);
    ::close(saved);
}

/// The content `files` serves for `request`, or "" (and a failed check) if refused.
std::string served(const file_root& files, const std::string& request)
{
    const filer::result<std::string> got = files.read(request);
    CHECK_MESSAGE(got.error.empty(), request, ": ", got.error);
    return got.value;
}

/// The reason `files` refuses `request`, or "" if it serves it.
std::string refusal(const file_root& files, const std::string& request)
{
    const filer::result<std::string> got = files.read(request);
    CHECK(got.value.empty());
    return got.error;
}

} // namespace

TEST_CASE("filer: files below the root are served")
{
    const tree t;
    const file_root files(t.root);
    CHECK(files.dir() == fs::canonical(t.root));
    CHECK(files.max_bytes() == 16u * 1024 * 1024);
    CHECK(served(files, "hello.txt") == "hello\n");
    CHECK(served(files, "./hello.txt") == "hello\n");
    CHECK(served(files, "sub/inner.txt") == "inner\n");
    CHECK(served(files, "sub/../hello.txt") == "hello\n");
    CHECK(served(files, "sub//inner.txt") == "inner\n");
    CHECK(served(files, "inside-link") == "hello\n"); // a symlink that stays inside is fine
}

TEST_CASE("filer: a relative root is the directory it names now")
{
    const tree t;
    const fs::path before = fs::current_path();
    fs::current_path(t.root);
    const file_root files(".");
    fs::current_path(before);
    CHECK(files.dir() == fs::canonical(t.root));
    CHECK(served(files, "hello.txt") == "hello\n");
}

TEST_CASE("filer: paths that leave the root through .. are refused")
{
    const tree t;
    const file_root files(t.root);
    CHECK(refusal(files, "../outside.txt") == "path leaves the root: ../outside.txt");
    CHECK(refusal(files, "sub/../../outside.txt") == "path leaves the root: sub/../../outside.txt");
    CHECK(refusal(files, "..") == "path leaves the root: ..");
    // The reply does not tell whether something outside exists.
    CHECK(refusal(files, "../no-such.txt") == "path leaves the root: ../no-such.txt");
    CHECK(refusal(files, "nodir/../../outside.txt") == "path leaves the root: nodir/../../outside.txt");
    // A sibling whose name starts with the root's is outside too (/srv/data2 vs /srv/data).
    CHECK(refusal(files, "../data2/other.txt") == "path leaves the root: ../data2/other.txt");
}

TEST_CASE("filer: absolute paths are served inside the root and refused elsewhere")
{
    const tree t;
    const file_root files(t.root);
    CHECK(served(files, (t.root / "hello.txt").string()) == "hello\n");
    CHECK(served(files, (t.root / "sub" / ".." / "hello.txt").string()) == "hello\n");
    CHECK(refusal(files, "/etc/passwd") == "path leaves the root: /etc/passwd");
    CHECK(refusal(files, "/dev/zero") == "path leaves the root: /dev/zero");
    const std::string beside = (t.root.parent_path() / "outside.txt").string();
    CHECK(refusal(files, beside) == "path leaves the root: " + beside);
}

TEST_CASE("filer: symlinks that point outside the root are refused")
{
    const tree t;
    const file_root files(t.root);
    CHECK(refusal(files, "outside-link") == "path leaves the root: outside-link");
    CHECK(refusal(files, "outside-dir/other.txt") == "path leaves the root: outside-dir/other.txt");
    CHECK(refusal(files, "zero-link") == "path leaves the root: zero-link");
    // Dangling: it cannot be resolved, and the open does not follow it.
    CHECK(refusal(files, "dangling") == "no such file: dangling");
}

TEST_CASE("filer: only regular files are served")
{
    const tree t;
    const file_root files(t.root);
    CHECK(refusal(files, "sub") == "not a regular file: sub");
    CHECK(refusal(files, ".") == "not a regular file: .");
    CHECK(refusal(files, "") == "not a regular file: ");

    const file_root dev("/dev");
    CHECK(refusal(dev, "zero") == "not a regular file: zero");
    CHECK(refusal(dev, "null") == "not a regular file: null");
    CHECK(filer::read_regular_file("/dev/zero", 100).error == "not a regular file");
}

TEST_CASE("filer: a FIFO is refused without blocking")
{
    const tree t;
    const file_root files(t.root);
    auto got = std::async(std::launch::async, [&] { return files.read("fifo"); });
    const bool prompt = got.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    if (!prompt) // the open blocked: a writer lets it finish, so the test can fail and end
        ::close(::open((t.root / "fifo").c_str(), O_WRONLY | O_NONBLOCK));
    REQUIRE(prompt);
    CHECK(got.get().error == "not a regular file: fifo");
}

TEST_CASE("filer: standard input is never read")
{
    const tree t;
    const file_root files(t.root);
    CHECK(refusal(files, "-") == "no such file: -");
    const std::string stdin_refusal = refusal(files, "/dev/stdin"); // leaves the root, or leads nowhere
    CHECK((stdin_refusal == "path leaves the root: /dev/stdin" || stdin_refusal == "no such file: /dev/stdin"));
    // /dev/stdin leads wherever standard input comes from; none of it is served.
    const file_root dev("/dev");
    const int null = ::open("/dev/null", O_RDONLY);
    REQUIRE(null >= 0);
    with_stdin(null, [&] {
        CHECK(refusal(files, "stdin-link") == "path leaves the root: stdin-link");
        CHECK(refusal(dev, "stdin") == "not a regular file: stdin");
    });
    ::close(null);
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    with_stdin(pipe_ends[0], [&] { // a pipe has no path: /proc/self/fd/0 leads nowhere
        CHECK(refusal(files, "stdin-link") == "no such file: stdin-link");
        CHECK(refusal(dev, "stdin") == "no such file: stdin");
    });
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
}

TEST_CASE("filer: missing files are refused")
{
    const tree t;
    const file_root files(t.root);
    CHECK(refusal(files, "missing.txt") == "no such file: missing.txt");
    CHECK(refusal(files, "nodir/missing.txt") == "no such file: nodir/missing.txt");
    CHECK(refusal(files, "hello.txt/x") == "no such file: hello.txt/x");
}

TEST_CASE("filer: a path with a NUL byte is refused")
{
    const tree t;
    const file_root files(t.root);
    const std::string request("hello.txt\0/../../outside.txt", 28);
    CHECK(refusal(files, request) == "path contains a NUL byte: " + request);
}

TEST_CASE("filer: files up to max-bytes are served, larger ones refused")
{
    const tree t;
    tree::write(t.root / "ten.txt", "0123456789");
    tree::write(t.root / "eleven.txt", "0123456789a");
    tree::write(t.root / "empty.txt", "");
    const file_root files(t.root, 10);
    CHECK(served(files, "ten.txt") == "0123456789");
    CHECK(refusal(files, "eleven.txt") == "file too large (11 bytes, limit 10): eleven.txt");
    CHECK(served(files, "empty.txt").empty());

    const file_root nothing(t.root, 0);
    CHECK(served(nothing, "empty.txt").empty());
    CHECK(refusal(nothing, "hello.txt") == "file too large (6 bytes, limit 0): hello.txt");
}

TEST_CASE("filer: a file larger than its size said is refused after max-bytes + 1 bytes")
{
    // /proc files say they are 0 bytes long: like a file that grows after the fstat.
    const file_root proc("/proc/self", 10);
    CHECK(refusal(proc, "status") == "file too large (more than 10 bytes): status");
    CHECK(filer::read_regular_file("/proc/self/status", 10).error == "file too large (more than 10 bytes)");
}

TEST_CASE("filer: the root must be an existing directory")
{
    const tree t;
    CHECK_THROWS_AS(file_root(t.top / "missing"), fs::filesystem_error);
    CHECK_THROWS_AS(file_root(t.root / "hello.txt"), fs::filesystem_error);
}

TEST_CASE("filer: is_within compares whole components")
{
    CHECK(filer::is_within("/srv/data", "/srv/data"));
    CHECK(filer::is_within("/srv/data", "/srv/data/a/b"));
    CHECK_FALSE(filer::is_within("/srv/data", "/srv/data2"));
    CHECK_FALSE(filer::is_within("/srv/data", "/srv/data2/a"));
    CHECK_FALSE(filer::is_within("/srv/data", "/srv"));
    CHECK_FALSE(filer::is_within("/srv/data", "/"));
    CHECK(filer::is_within("/", "/srv/data"));
}

TEST_CASE("filer: parse_byte_count takes decimal digits only")
{
    CHECK(filer::parse_byte_count("0") == 0u);
    CHECK(filer::parse_byte_count("16777216") == 16777216u);
    CHECK(filer::parse_byte_count("18446744073709551615") == UINTMAX_MAX);
    CHECK_FALSE(filer::parse_byte_count(""));
    CHECK_FALSE(filer::parse_byte_count("-1"));
    CHECK_FALSE(filer::parse_byte_count("+1"));
    CHECK_FALSE(filer::parse_byte_count("12k"));
    CHECK_FALSE(filer::parse_byte_count(" 1"));
    CHECK_FALSE(filer::parse_byte_count("18446744073709551616"));
}
