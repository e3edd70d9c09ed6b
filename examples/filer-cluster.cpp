// filer-cluster: the clustered file service. The master binds a ROUTER for clients and a
// DEALER for workers, forwards messages between them (zmtp::async_proxy) and keeps N
// filer-worker processes running, restarting any that dies. SIGINT/SIGTERM stop it all.
// --root and --max-bytes are checked here once, then passed to every worker.
// --curve-secret-key makes both sockets CURVE servers (the workers get its public key);
// --plain-user and --plain-password make them PLAIN servers admitting just that user (a
// zmtp::authenticator in this process checks them; the workers get them too).
#include "filer_files.hpp"
#include "filer_security.hpp"

#include <zmtp/authenticator.hpp>

#include <zmtp/proxy.hpp>
#include <zmtp/socket.hpp>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

struct settings {
    std::string router = "tcp://127.0.0.1:60401";
    std::string dealer = "ipc://filer-dealer.ipc";
    unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    filer::root_options files;
    filer::security_options security;
};

bool parse(int argc, char** argv, settings& s)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            return false;
        if (arg == "--router")
            s.router = argv[++i];
        else if (arg == "--dealer")
            s.dealer = argv[++i];
        else if (arg == "--workers")
            s.workers = static_cast<unsigned>(std::stoul(argv[++i]));
        else if (s.files.take(arg, argv[i + 1]) || s.security.take(arg, argv[i + 1]))
            ++i;
        else
            return false;
    }
    return true;
}

/// Starts and restarts filer-worker processes (posix_spawn: safe in a threaded process).
class worker_pool {
public:
    /// `command`: the program, then its arguments.
    explicit worker_pool(std::vector<std::string> command) : command_(std::move(command)) {}

    void spawn()
    {
        std::vector<char*> args;
        for (std::string& arg : command_)
            args.push_back(arg.data());
        args.push_back(nullptr);
        pid_t pid = 0;
        if (const int error = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ)) {
            std::fprintf(stderr, "filer-cluster: cannot start %s: %s\n", args[0], std::strerror(error));
            return;
        }
        pids_.insert(pid);
        std::printf("Worker %d is online.\n", static_cast<int>(pid));
        std::fflush(stdout);
    }

    /// Collects exited workers; restarts them unless `stopping`.
    void reap(bool stopping)
    {
        int status = 0;
        pid_t pid;
        while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
            if (pids_.erase(pid) == 0)
                continue;
            if (!stopping) {
                std::printf("Worker %d exited (%s %d). Starting another.\n", static_cast<int>(pid),
                            WIFSIGNALED(status) ? "signal" : "status",
                            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                spawn();
            }
        }
    }

    void signal_all(int sig)
    {
        for (pid_t pid : pids_)
            ::kill(pid, sig);
    }

    bool empty() const { return pids_.empty(); }

private:
    std::vector<std::string> command_;
    std::set<pid_t> pids_;
};

} // namespace

int main(int argc, char** argv)
{
    settings s;
    if (!parse(argc, argv, s)) {
        std::fprintf(stderr, "usage: filer-cluster [--router EP] [--dealer EP] [--workers N] [--root DIR] "
                             "[--max-bytes N]\n"
                             "       [--curve-secret-key Z85 | --plain-user NAME --plain-password PW]\n");
        return 2;
    }
    // Checked before any worker starts: a worker that cannot start would be restarted forever.
    const std::optional<filer::file_root> files = s.files.open("filer-cluster");
    if (!files)
        return 2;
    zmtp::socket_options options{.linger = std::chrono::milliseconds(0)};
    if (!s.security.apply("filer-cluster", true, options))
        return 2;
    asio::io_context io;
    // PLAIN: the ZAP handler that admits exactly the one user (declared before the sockets,
    // so it outlives them).
    zmtp::authenticator auth(io);
    if (options.plain_server) {
        auth.allow_plain(*s.security.plain_user, *s.security.plain_password);
        auth.start();
    }
    zmtp::socket router(io, zmtp::socket_type::router, options);
    zmtp::socket dealer(io, zmtp::socket_type::dealer, options);
    try {
        router.bind(s.router);
        dealer.bind(s.dealer);
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "filer-cluster: %s\n", e.what());
        return 1;
    }
    if (options.curve_server)
        std::printf("curve public key: %s\n", zmtp::to_z85(zmtp::curve_public(*options.curve_secret_key)).c_str());
    std::printf("Listening on %s, workers on %s\n", router.last_endpoint().c_str(), dealer.last_endpoint().c_str());
    std::fflush(stdout);

    zmtp::async_proxy(router, dealer, [](std::error_code ec) {
        if (ec && ec != zmtp::errc::socket_closed)
            std::fprintf(stderr, "filer-cluster: proxy stopped: %s\n", ec.message().c_str());
    });

    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
    std::vector<std::string> command{(self.parent_path() / "filer-worker").string(), "--connect",
                                     dealer.last_endpoint(), "--root", files->dir().string(), "--max-bytes",
                                     std::to_string(files->max_bytes())};
    if (options.curve_server)
        command.insert(command.end(),
                       {"--curve-server-key", zmtp::to_z85(zmtp::curve_public(*options.curve_secret_key))});
    if (options.plain_server)
        command.insert(command.end(),
                       {"--plain-user", *s.security.plain_user, "--plain-password", *s.security.plain_password});
    worker_pool workers(std::move(command));
    for (unsigned i = 0; i < s.workers; ++i)
        workers.spawn();

    bool stopping = false;
    asio::steady_timer deadline(io);
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGCHLD);
    std::function<void(std::error_code, int)> on_signal = [&](std::error_code ec, int sig) {
        if (ec)
            return;
        if (sig == SIGCHLD) {
            workers.reap(stopping);
            if (stopping && workers.empty()) {
                signals.cancel();
                deadline.cancel();
                return;
            }
        } else if (!stopping) {
            stopping = true;
            router.close();
            dealer.close(); // removes its ipc file
            workers.signal_all(SIGTERM);
            deadline.expires_after(std::chrono::milliseconds(800)); // then no more waiting
            deadline.async_wait([&](std::error_code e) {
                if (e)
                    return;
                workers.signal_all(SIGKILL);
                workers.reap(true);
                signals.cancel();
            });
            if (workers.empty()) {
                signals.cancel();
                deadline.cancel();
                return;
            }
        }
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    io.run();
    return 0;
}
