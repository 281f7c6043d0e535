// libFuzzer target: DKIM key records (core dkim_sig, RFC 6376 3.6.1,
// RFC 8463 4) and the choice of one record among several (3.6.2.2). Each
// input line is one TXT record.
#include "fuzz_support.hxx"

#include "authweight/dkim_sig.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    if (auto key = core::parse_dkim_key(in)) {
        fuzz::require(key->public_key.find_first_of(" \t\r\n") == std::string::npos, "p= without whitespace");
        (void)key->testing();
        (void)key->strict_subdomains();
        (void)key->revoked();
    }
    const auto lines = fuzz::split_lines(in, 16);
    if (auto i = core::select_dkim_key_record(lines)) {
        fuzz::require(*i < lines.size(), "selected index names a record");
        fuzz::require(core::parse_dkim_key(lines[*i]).has_value(), "the selected record parses");
    }
    return 0;
}
