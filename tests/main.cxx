// CppUTest runner for every unit TEST_GROUP (tests/core/*.cxx).
#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

int main(int argc, char **argv)
{
    // ICU and libpsl keep process-wide caches that CppUTest's per-test leak
    // check would report; leaks are LeakSanitizer's job in the sanitizer build.
    MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
