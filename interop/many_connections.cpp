// 10,000 concurrent connections to one ROUTER, each exchanging messages, with the server's
// memory per connection measured for a zmtp ROUTER and for a libzmq ROUTER.
//
//   many_connections [--server zmtp|libzmq|both] [--connections N] [--batch B]
//
// The parent starts (by running this program again with --role) a server process holding
// one ROUTER bound on tcp://127.0.0.1:* that echoes every message back to its sender, and a
// client process that opens N zmtp DEALER connections to it (B at a time, each with its own
// routing id "c<i>"), in two rounds: every DEALER sends "hello <i>" as it connects, then, once
// all N are up, every DEALER sends "again <i>" at once. The server answers "<routing id>|<body>",
// so a DEALER that gets its own id and body back proves the reply was routed to the right
// peer. The same zmtp client is used against both servers.
//
// Checked exactly (exit status 1 otherwise): N connections, 2N requests echoed by the server,
// 2N replies, each at the DEALER that sent the request. Measured, not checked: the server's
// resident memory (VmRSS) after bind and with all N connections established and idle after
// the second round, and so the memory per connection, printed as a table.
//
// One process cannot hold both ends of 10,000 connections under a 20,000 descriptor limit,
// hence the separate processes; each raises RLIMIT_NOFILE to its hard limit.
#include <zmq.h>

#include <zmtp/context.hpp>
#include <zmtp/socket.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "many_connections: %s\n", what.c_str());
    std::exit(1);
}

void raise_fd_limit()
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0)
        die("getrlimit failed");
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0)
        die("setrlimit failed");
}

std::size_t fd_limit()
{
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

/// This process's resident set size in bytes (VmRSS in /proc/self/status).
long long rss_bytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::atoll(line.c_str() + 6) * 1024;
    return -1;
}

/// A line from stdin if one is ready (non-blocking); the server's control channel.
class line_reader {
public:
    explicit line_reader(int fd) : fd_(fd) {}

    /// Waits up to `timeout` for a whole line; nullopt on timeout. EOF reads as "quit".
    std::optional<std::string> next(std::chrono::milliseconds timeout)
    {
        const auto deadline = clock_type::now() + timeout;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            if (eof_)
                return std::string("quit");
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            pollfd p{fd_, POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
            if (r <= 0)
                return std::nullopt;
            char chunk[512];
            const ssize_t n = ::read(fd_, chunk, sizeof chunk);
            if (n <= 0)
                eof_ = true;
            else
                buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_;
    std::string buffer_;
    bool eof_ = false;
};

void say(const std::string& line)
{
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

// --- the servers ------------------------------------------------------------------------

/// Control commands on stdin: "rss" -> "rss BYTES messages N", "quit".
/// Every message [id, body] is answered with [id, id + "|" + body].

int zmtp_server()
{
    zmtp::context ctx;
    zmtp::socket_options o;
    o.backlog = 1024;
    o.linger = 0ms;
    o.receive_timeout = 0ms; // the loop below polls
    zmtp::socket router(ctx, zmtp::socket_type::router, o);
    router.bind("tcp://127.0.0.1:*");
    const std::string ep = router.last_endpoint();
    say("port " + ep.substr(ep.rfind(':') + 1));
    line_reader control(STDIN_FILENO);
    long long messages = 0;
    // The echo runs as asynchronous operations on the context's thread; this thread only
    // answers the control channel.
    struct echo {
        zmtp::socket& router;
        std::atomic<long long>& count;
        void operator()() const
        {
            router.async_receive([self = *this](std::error_code ec, zmtp::message m) {
                if (ec)
                    return;
                if (m.size() == 2) {
                    zmtp::message reply;
                    reply.push_back(m[0]);
                    reply.push_back(m[0].to_string() + "|" + m[1].to_string());
                    self.router.async_send(std::move(reply), [](std::error_code) {});
                    ++self.count;
                }
                self();
            });
        }
    };
    std::atomic<long long> count{0};
    echo{router, count}();
    for (;;) {
        const auto line = control.next(1h);
        if (!line)
            continue;
        if (*line == "rss") {
            messages = count;
            say("rss " + std::to_string(rss_bytes()) + " messages " + std::to_string(messages));
        } else if (*line == "quit") {
            router.close();
            return 0;
        }
    }
}

int libzmq_server()
{
    void* ctx = zmq_ctx_new();
    void* router = zmq_socket(ctx, ZMQ_ROUTER);
    const int backlog = 1024, linger = 0;
    zmq_setsockopt(router, ZMQ_BACKLOG, &backlog, sizeof backlog);
    zmq_setsockopt(router, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(router, "tcp://127.0.0.1:*") != 0)
        die(std::string("libzmq bind: ") + zmq_strerror(zmq_errno()));
    char ep[256];
    std::size_t size = sizeof ep;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &size);
    const std::string endpoint(ep);
    say("port " + endpoint.substr(endpoint.rfind(':') + 1));
    line_reader control(STDIN_FILENO);
    long long messages = 0;
    std::vector<std::string> frames;
    for (;;) {
        zmq_pollitem_t items[2] = {{router, 0, ZMQ_POLLIN, 0}, {nullptr, STDIN_FILENO, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, -1) < 0)
            continue;
        if (items[0].revents & ZMQ_POLLIN) {
            for (;;) { // everything that is waiting
                frames.clear();
                bool more = true;
                while (more) {
                    zmq_msg_t part;
                    zmq_msg_init(&part);
                    if (zmq_msg_recv(&part, router, ZMQ_DONTWAIT) < 0) {
                        zmq_msg_close(&part);
                        break;
                    }
                    frames.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
                    more = zmq_msg_more(&part) != 0;
                    zmq_msg_close(&part);
                }
                if (frames.empty())
                    break;
                if (frames.size() == 2) {
                    const std::string body = frames[0] + "|" + frames[1];
                    zmq_send(router, frames[0].data(), frames[0].size(), ZMQ_SNDMORE);
                    zmq_send(router, body.data(), body.size(), 0);
                    ++messages;
                }
            }
        }
        if (items[1].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) {
            const auto line = control.next(0ms);
            if (!line)
                continue;
            if (*line == "rss") {
                say("rss " + std::to_string(rss_bytes()) + " messages " + std::to_string(messages));
            } else if (*line == "quit") {
                zmq_close(router);
                zmq_ctx_term(ctx);
                return 0;
            }
        }
    }
}

// --- the client -------------------------------------------------------------------------

/// Opens `n` DEALERs to 127.0.0.1:port, `batch` at a time, two rounds of request/reply;
/// prints "ok N" (then waits for "quit" on stdin) or "error ..." and exits 1.
int client(int port, int n, int batch)
{
    zmtp::context ctx;
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
    std::vector<std::unique_ptr<zmtp::socket>> dealers;
    dealers.reserve(static_cast<std::size_t>(n));
    const auto expect = [&](int i, const std::string& body) {
        std::error_code ec;
        const zmtp::message reply = dealers[static_cast<std::size_t>(i)]->receive(zmtp::recv_flags::none, ec);
        const std::string id = "c" + std::to_string(i);
        if (ec)
            die("client: no reply for " + id + " (" + body + "): " + ec.message());
        if (reply.size() != 1 || reply[0].to_string() != id + "|" + body)
            die("client: " + id + " got a wrong reply: " + (reply.size() ? reply[0].to_string() : std::string("(empty)")));
    };
    const auto start = clock_type::now();
    // Round 1: connect in batches, each new DEALER says hello and waits for its answer.
    for (int first = 0; first < n; first += batch) {
        const int last = std::min(n, first + batch);
        for (int i = first; i < last; ++i) {
            zmtp::socket_options o;
            o.routing_id = "c" + std::to_string(i);
            o.linger = 0ms;
            o.receive_timeout = 20s;
            o.send_timeout = 20s;
            dealers.push_back(std::make_unique<zmtp::socket>(ctx, zmtp::socket_type::dealer, o));
            dealers.back()->connect(endpoint);
            dealers.back()->send(zmtp::message{"hello " + std::to_string(i)});
        }
        for (int i = first; i < last; ++i)
            expect(i, "hello " + std::to_string(i));
    }
    const auto connected = clock_type::now();
    // Round 2: all of them at once.
    for (int i = 0; i < n; ++i)
        dealers[static_cast<std::size_t>(i)]->send(zmtp::message{"again " + std::to_string(i)});
    for (int i = 0; i < n; ++i)
        expect(i, "again " + std::to_string(i));
    const auto done = clock_type::now();
    const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    say("ok " + std::to_string(n) + " connect_ms " + std::to_string(ms(connected - start)) + " round2_ms "
        + std::to_string(ms(done - connected)));
    line_reader control(STDIN_FILENO);
    while (control.next(1h) != std::optional<std::string>("quit")) {
    }
    for (auto& d : dealers)
        d->close();
    return 0;
}

// --- the parent -------------------------------------------------------------------------

/// A child process (this program with `args`) with pipes on its stdin and stdout.
class child {
public:
    explicit child(const std::vector<std::string>& args)
    {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
            die("pipe failed");
        std::vector<std::string> strings{"/proc/self/exe"};
        strings.insert(strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& s : strings)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0)
            die("fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_ = in[1];
        from_ = std::make_unique<line_reader>(out[0]);
        from_fd_ = out[0];
    }
    ~child()
    {
        ::kill(pid_, SIGKILL);
        wait();
        ::close(to_);
        ::close(from_fd_);
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    void send(const std::string& line)
    {
        const std::string l = line + "\n";
        if (::write(to_, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
            die("write to child failed");
    }
    std::string receive(std::chrono::milliseconds timeout, const char* what)
    {
        auto line = from_->next(timeout);
        if (!line || *line == "quit") // "quit" is how the reader reports EOF
            die(std::string("no answer from the ") + what);
        return *line;
    }
    /// Exit status, waiting up to 10 s (then kills it).
    int wait()
    {
        if (reaped_)
            return status_;
        for (int i = 0; i < 1000; ++i) {
            if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
                reaped_ = true;
                return status_;
            }
            ::usleep(10'000);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        reaped_ = true;
        return status_;
    }

private:
    pid_t pid_ = -1;
    int to_ = -1;
    int from_fd_ = -1;
    std::unique_ptr<line_reader> from_;
    int status_ = 0;
    bool reaped_ = false;
};

struct result {
    std::string server;
    int connections = 0;
    long long messages = 0;
    long long rss_before = 0;
    long long rss_after = 0;
    std::string client_report;
};

/// "rss BYTES messages N" -> {BYTES, N}
std::pair<long long, long long> parse_rss(const std::string& line)
{
    long long rss = -1, messages = -1;
    if (std::sscanf(line.c_str(), "rss %lld messages %lld", &rss, &messages) != 2)
        die("bad server answer: " + line);
    return {rss, messages};
}

result run(const std::string& server_kind, int n, int batch)
{
    result r;
    r.server = server_kind;
    r.connections = n;
    child server({"--role", "server", "--server", server_kind});
    const std::string port_line = server.receive(10s, "server");
    if (port_line.rfind("port ", 0) != 0)
        die("server: " + port_line);
    const int port = std::atoi(port_line.c_str() + 5);
    server.send("rss");
    r.rss_before = parse_rss(server.receive(10s, "server")).first;

    child client({"--role", "client", "--port", std::to_string(port), "--connections", std::to_string(n), "--batch",
                  std::to_string(batch)});
    r.client_report = client.receive(600s, "client");
    if (r.client_report.rfind("ok ", 0) != 0 || std::atoi(r.client_report.c_str() + 3) != n)
        die(server_kind + " server, client said: " + r.client_report);
    server.send("rss");
    std::tie(r.rss_after, r.messages) = parse_rss(server.receive(10s, "server"));
    client.send("quit");
    server.send("quit");
    if (const int s = client.wait(); !WIFEXITED(s) || WEXITSTATUS(s) != 0)
        die("client exited with status " + std::to_string(s));
    if (const int s = server.wait(); !WIFEXITED(s) || WEXITSTATUS(s) != 0)
        die(server_kind + " server exited with status " + std::to_string(s));
    if (r.messages != 2LL * n)
        die(server_kind + " server echoed " + std::to_string(r.messages) + " messages, expected " + std::to_string(2LL * n));
    return r;
}

std::string arg(int argc, char** argv, std::string_view name, std::string fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name)
            return argv[i + 1];
    return fallback;
}

} // namespace

int main(int argc, char** argv)
{
    ::signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    const std::string role = arg(argc, argv, "--role", "parent");
    const std::string server_kind = arg(argc, argv, "--server", "both");
    const int n = std::atoi(arg(argc, argv, "--connections", "10000").c_str());
    const int batch = std::atoi(arg(argc, argv, "--batch", "500").c_str());
    if (role == "server")
        return server_kind == "libzmq" ? libzmq_server() : zmtp_server();
    if (role == "client")
        return client(std::atoi(arg(argc, argv, "--port", "0").c_str()), n, batch);

    if (n <= 0 || batch <= 0)
        die("--connections and --batch must be positive");
    if (static_cast<std::size_t>(n) + 100 > fd_limit())
        die("RLIMIT_NOFILE " + std::to_string(fd_limit()) + " is too low for " + std::to_string(n) + " connections");
    std::vector<std::string> kinds;
    if (server_kind == "both")
        kinds = {"zmtp", "libzmq"};
    else if (server_kind == "zmtp" || server_kind == "libzmq")
        kinds = {server_kind};
    else
        die("--server must be zmtp, libzmq or both");

    std::vector<result> results;
    for (const std::string& kind : kinds) {
        const auto start = clock_type::now();
        results.push_back(run(kind, n, batch));
        const auto s = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
        std::printf("%s server: %d connections, %lld requests echoed, client: %s, %lld ms in all\n", kind.c_str(), n,
                    results.back().messages, results.back().client_report.c_str(), static_cast<long long>(s));
    }
    std::printf("\n| server | connections | messages echoed | RSS before | RSS with all connected | RSS per connection |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (const result& r : results)
        std::printf("| %s | %d | %lld | %.1f MiB | %.1f MiB | %.1f KiB |\n", r.server.c_str(), r.connections, r.messages,
                    static_cast<double>(r.rss_before) / (1 << 20), static_cast<double>(r.rss_after) / (1 << 20),
                    static_cast<double>(r.rss_after - r.rss_before) / r.connections / 1024);
    std::printf("\nPASS: every connection got both of its replies, every request was echoed once\n");
    return 0;
}
