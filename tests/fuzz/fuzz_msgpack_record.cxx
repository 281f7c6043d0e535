// libFuzzer target: the stored reputation record (adapters msgpack_record):
// bytes read back from LMDB or Redis, which another writer may have put
// there. A record that decodes must encode and decode to itself.
#include "fuzz_support.hxx"

#include "msgpack_record.hxx"

#include <cmath>

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    auto rec = adapters::decode_record(in);
    if (!rec) {
        fuzz::require(rec.error().code() == core::error_code::BAD_INPUT, "a bad record is BAD_INPUT");
        return 0;
    }
    fuzz::require(in.size() <= adapters::max_record_bytes, "a record within max_record_bytes");
    for (double n : {rec->spam, rec->ham})
        fuzz::require(std::isfinite(n) && n >= 0 && n <= adapters::max_record_count, "counts finite and in range");
    fuzz::require(rec->updated >= 0, "time not negative");
    auto bytes = adapters::encode_record(*rec);
    fuzz::require(bytes.has_value(), "a decoded record encodes");
    auto again = adapters::decode_record(*bytes);
    fuzz::require(again.has_value() && *again == *rec, "encode then decode is the identity");
    return 0;
}
