// The stored reputation record in msgpack (msgpack-c): round trips, the
// forms Redis's cmsgpack writes, and malformed records as clean errors.
#include "msgpack_record.hxx"

#include <nlohmann/json.hpp>

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

using namespace authweight;

namespace {

std::string bytes(const char *s, std::size_t n)
{
    return std::string(s, n);
}

#define B(lit) bytes(lit, sizeof(lit) - 1)

} // namespace

TEST_GROUP(msgpack_record){};

TEST(msgpack_record, round_trip)
{
    static const core::reputation_record cases[] = {
        {0.0, 0.0, 0},
        {1.5, 0.25, 1718000000},
        {1e-300, 9999.999999, 4102444800},
        {1e12, 1e12, 1},
        {0.1 + 0.2, 1.0 / 3.0, 1234567890123},
    };
    for (const auto &r : cases) {
        auto enc = adapters::encode_record(r);
        CHECK_TRUE(enc.has_value());
        CHECK_TRUE(enc->size() <= 48);
        auto dec = adapters::decode_record(*enc);
        CHECK_TRUE(dec.has_value());
        CHECK_TRUE(*dec == r); // exact: float64 on the wire
    }
}

TEST(msgpack_record, encode_rejects_impossible_records)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    static const core::reputation_record cases[] = {
        {-1.0, 0.0, 0}, {0.0, -0.5, 0}, {nan, 0.0, 0}, {0.0, INFINITY, 0}, {1.0, 1.0, -1}, {2e12, 0.0, 0},
    };
    for (const auto &r : cases)
        CHECK_FALSE(adapters::encode_record(r).has_value());
}

TEST(msgpack_record, decodes_what_redis_cmsgpack_writes)
{
    struct test_case {
        std::string in;
        double spam;
        double ham;
        std::int64_t ts;
    };
    const test_case cases[] = {
        // Integral counts as integers, keys in another order, uint16 time.
        {B("\x84\xa2ts\xcd\x01\x00\xa4spam\x05\xa3ham\x00\xa1v\x01"), 5.0, 0.0, 256},
        // float32 counts (cmsgpack packs a double as float32 when exact).
        {B("\x84\xa1v\x01\xa4spam\xca\x3f\xc0\x00\x00\xa3ham\xca\x3e\x80\x00\x00\xa2ts\xce\x66\x68\x5c\x00"),
         1.5, 0.25, 1718115328},
        // uint8 / uint32 / uint64 forms, str8 key.
        {B("\x84\xd9\x01v\x01\xa4spam\xcc\xc8\xa3ham\xce\x00\x01\x00\x00\xa2ts\xcf\x00\x00\x00\x00\x00\x00\x00\x07"),
         200.0, 65536.0, 7},
    };
    for (const auto &c : cases) {
        auto got = adapters::decode_record(c.in);
        CHECK_TRUE_TEXT(got.has_value(), got ? "" : got.error().message().c_str());
        DOUBLES_EQUAL(c.spam, got->spam, 0);
        DOUBLES_EQUAL(c.ham, got->ham, 0);
        CHECK_EQUAL(c.ts, got->updated);
    }
}

TEST(msgpack_record, malformed_records_are_clean_errors)
{
    struct test_case {
        std::string in;
        const char *want;   ///< a part of the message
    };
    const test_case cases[] = {
        {"", "empty"},
        {B("\x91\x01"), "not a msgpack map"},
        {B("\xc0"), "not a msgpack map"},
        {B("\xde\x00\x04"), "not a msgpack map"},           // map16: never written
        {B("\x84\xa1v\x01\xa4spam\x05\xa3ham\x00"), "truncated"},
        {B("\x84\xa1v\x01\xa4spam\x05\xa3ham\x00\xa2ts\x01\x00"), "trailing bytes"},
        {B("\x84\xa1v\x01\xa4spam\xdd\xff\xff\xff\xff\xa3ham\x00\xa2ts\x01"), "unexpected msgpack type 0xdd"},
        {B("\x84\xa1v\x01\xa4spam\xc4\x01x\xa3ham\x00\xa2ts\x01"), "unexpected msgpack type 0xc4"},
        {B("\x84\xa1v\x01\xa4spam\x81\x01\x01\xa3ham\x00\xa2ts\x01"), "unexpected msgpack type 0x81"},
        {B("\x84\xa1v\x02\xa4spam\x05\xa3ham\x00\xa2ts\x01"), "unsupported version 2"},
        {B("\x84\xa1v\xa1x\xa4spam\x05\xa3ham\x00\xa2ts\x01"), "'v' is not a positive integer"},
        {B("\x84\xa1v\x01\xa4spam\xff\xa3ham\x00\xa2ts\x01"), "'spam' is not a non-negative number"},
        {B("\x84\xa1v\x01\xa4spam\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\xa3ham\x00\xa2ts\x01"), "'spam' out of range"},
        {B("\x84\xa1v\x01\xa4spam\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00\xa3ham\x00\xa2ts\x01"), "'spam' out of range"},
        {B("\x84\xa1v\x01\xa4spam\x05\xa3ham\xa1x\xa2ts\x01"), "'ham' is not a non-negative number"},
        {B("\x84\xa1v\x01\xa4spam\x05\xa3ham\x00\xa2ts\xd0\xff"), "'ts' is not a non-negative integer"},
        {B("\x84\xa1v\x01\xa4spam\x05\xa3ham\x00\xa2ts\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00"),
         "'ts' is not a non-negative integer"},
        {B("\x84\xa1v\x01\xa4spam\x05\xa4spam\x00\xa2ts\x01"), "duplicate key 'spam'"},
        {B("\x85\xa1v\x01\xa4spam\x05\xa3ham\x00\xa2ts\x01\xa1x\x01"), "unknown key 'x'"},
        {B("\x84\xa1v\x01\x01\x05\xa3ham\x00\xa2ts\x01"), "a key is not a string"},
        {B("\x83\xa1v\x01\xa4spam\x05\xa3ham\x00"), "missing 'ts'"},
        {B("\x80"), "missing 'v'"},
        {std::string(300, '\x80'), "longer than 256 bytes"},
    };
    for (const auto &c : cases) {
        auto got = adapters::decode_record(c.in);
        CHECK_FALSE_TEXT(got.has_value(), c.want);
        CHECK_TRUE(core::error_code::BAD_INPUT == got.error().code());
        CHECK_TRUE_TEXT(got.error().message().find(c.want) != std::string::npos,
                        (std::string(c.want) + " vs " + got.error().message()).c_str());
    }
}

TEST(msgpack_record, every_prefix_and_byte_flip_of_a_record_is_handled)
{
    auto enc = adapters::encode_record(core::reputation_record{3.25, 1.0, 1718000000});
    CHECK_TRUE(enc.has_value());
    std::size_t rejected = 0;
    for (std::size_t n = 0; n < enc->size(); ++n)
        rejected += adapters::decode_record(enc->substr(0, n)).has_value() ? 0 : 1;
    CHECK_EQUAL(enc->size(), rejected); // every strict prefix is an error
    for (std::size_t i = 0; i < enc->size(); ++i)
        for (int bit = 0; bit < 8; ++bit) {
            std::string m = *enc;
            m[i] = static_cast<char>(m[i] ^ (1 << bit));
            auto got = adapters::decode_record(m); // must not crash; if it decodes, it is sane
            if (got)
                CHECK_TRUE(std::isfinite(got->spam) && got->spam >= 0 && std::isfinite(got->ham) && got->ham >= 0);
        }
}

TEST(msgpack_record, the_schema_describes_what_is_written)
{
    std::ifstream f(std::string(AUTHWEIGHT_SOURCE_DIR) + "/schemas/reputation-record.schema.json");
    CHECK_TRUE(f.good());
    const auto schema = nlohmann::json::parse(f);
    const auto &props = schema.at("properties");
    CHECK_EQUAL(core::reputation_record_version, props.at("v").at("const").get<int>());
    DOUBLES_EQUAL(adapters::max_record_count, props.at("spam").at("maximum").get<double>(), 0);
    DOUBLES_EQUAL(adapters::max_record_count, props.at("ham").at("maximum").get<double>(), 0);
    // An independent msgpack reader (nlohmann's) sees exactly the schema's keys and types.
    auto enc = adapters::encode_record({2.5, 0.5, 1718000000});
    const auto doc = nlohmann::json::from_msgpack(*enc);
    CHECK_EQUAL(schema.at("required").size(), doc.size());
    for (const auto &key : schema.at("required")) {
        const auto &k = key.get_ref<const std::string &>();
        CHECK_TRUE_TEXT(doc.contains(k), k.c_str());
        const auto &type = props.at(k).at("type").get_ref<const std::string &>();
        CHECK_TRUE_TEXT(type == "integer" ? doc.at(k).is_number_integer() : doc.at(k).is_number(), k.c_str());
    }
    CHECK_TRUE(schema.at("additionalProperties") == false);
}
