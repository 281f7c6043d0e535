// Reading test inputs, ../shared/testdata above all: one reader for every
// test program (unit tests, conformance runners, benchmarks).
//
// A file that cannot be read is never read as empty: an empty key or
// message would make a test pass, fail for another reason, or crash in
// whatever is handed nothing. Instead the program prints one line naming
// the file and exits with status 1, so ctest shows that line as the
// failure.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace authweight::testing {

[[noreturn]] inline void missing_test_data(const std::string &path, int err)
{
    std::fprintf(stderr, "cannot read test data %s: %s\n", path.c_str(),
                 err != 0 ? std::strerror(err) : "read error");
    std::exit(1);
}

/** An open stream on PATH, for readers that go line by line. */
inline std::ifstream open_file(const std::string &path)
{
    errno = 0;
    std::ifstream in{path, std::ios::binary};
    if (!in)
        missing_test_data(path, errno);
    return in;
}

/** The bytes of PATH. */
inline std::string read_file(const std::string &path)
{
    auto in = open_file(path);
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        missing_test_data(path, errno);
    return ss.str();
}

} // namespace authweight::testing
