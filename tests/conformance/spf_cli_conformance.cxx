// The CLI answers as the suite says: every test of an SPF suite is run
// through `authweight-check --dns-zone`, with the zone converted by the same
// code as the conformance runner (spf_suite.cxx), written to OUTDIR.
//
//   spf_cli_conformance CLI FILE OUTDIR NAME FLOOR [-v]
//
// A test passes when the CLI exits 0 and its JSON spf.result is one of the
// test's results. Prints "NAME: P passed, F failed"; exits 1 below FLOOR.
#include "spf_suite.hxx"

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

using namespace authweight;

namespace {

struct process_result {
    int status{-1};
    std::string out;
    std::string err;
};

std::string read_all(int fd)
{
    std::string s;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            s.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    return s;
}

/** Run argv[0] with no shell in between (the suites' HELO names hold quotes
 *  and blanks). */
process_result run(const std::vector<std::string> &args)
{
    process_result r;
    int out_pipe[2];
    int err_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
        return r;
    const pid_t pid = fork();
    if (pid < 0)
        return r;
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]);
        close(err_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[1]);
        std::vector<char *> argv;
        for (const auto &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    r.out = read_all(out_pipe[0]);
    r.err = read_all(err_pipe[0]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s CLI FILE OUTDIR NAME FLOOR [-v]\n", argv[0]);
        return 2;
    }
    const std::string cli = argv[1];
    const std::string file = argv[2];
    const std::string outdir = argv[3];
    const std::string_view name = argv[4];
    const int floor = std::atoi(argv[5]);
    const bool verbose = argc > 6 && std::string_view(argv[6]) == "-v";

    spf_test::suite s;
    std::string error;
    if (!spf_test::load_suite(file, s, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
    }
    std::vector<std::string> zone_files;
    for (std::size_t k = 0; k < s.zones.size(); ++k) {
        const std::string path = outdir + "/spf-zone-" + std::to_string(k) + ".json";
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << s.zones[k];
        if (!f) {
            std::fprintf(stderr, "cannot write %s\n", path.c_str());
            return 2;
        }
        zone_files.push_back(path);
    }

    int passed = 0;
    int failed = 0;
    for (const auto &t : s.tests) {
        const auto r = run({cli, "--ip", t.host, "--helo", t.helo, "--mail-from", t.mailfrom, "--dns-zone",
                            zone_files[t.zone]});
        std::string got;
        if (r.status == 0) {
            try {
                got = nlohmann::json::parse(r.out).at("spf").at("result").get<std::string>();
            } catch (const std::exception &e) {
                got = std::string("(bad JSON: ") + e.what() + ")";
            }
        } else {
            std::string err = r.err;
            while (!err.empty() && (err.back() == '\n' || err.back() == '\r'))
                err.pop_back();
            got = "(exit " + std::to_string(r.status) + ": " + err + ")";
        }
        const bool ok = spf_test::result_matches(t, got);
        (ok ? passed : failed) += 1;
        if (!ok || verbose) {
            std::string want;
            for (const auto &x : t.results)
                want += (want.empty() ? "" : "|") + x;
            std::printf("%s %s: got %s, want %s\n", ok ? "ok  " : "FAIL", t.name.c_str(), got.c_str(), want.c_str());
        }
    }
    std::printf("%.*s: %d passed, %d failed\n", static_cast<int>(name.size()), name.data(), passed, failed);
    return passed >= floor ? 0 : 1;
}
