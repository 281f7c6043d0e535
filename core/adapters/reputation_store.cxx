#include "reputation_store.hxx"

#include "msgpack_record.hxx"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace authweight::adapters {

using core::error_code;
using core::fail;
using ordered = nlohmann::ordered_json;

std::string record_line(std::string_view identity, const core::reputation_record &r)
{
    ordered rec = {{"v", core::reputation_record_version}, {"spam", r.spam}, {"ham", r.ham}, {"ts", r.updated}};
    ordered line = {{"identity", std::string(identity)}, {"record", std::move(rec)}};
    return line.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

namespace {

core::result<std::pair<std::string, core::reputation_record>> parse_line(std::string_view text)
{
    using json = nlohmann::json;
    const auto bad = [](const std::string &why) { return fail(error_code::BAD_INPUT, "export line: " + why); };
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::exception &) {
        return bad("not JSON");
    }
    if (!j.is_object())
        return bad("not a JSON object");
    std::string identity;
    const json *rec = nullptr;
    for (const auto &[k, v] : j.items()) {
        if (k == "identity" && v.is_string())
            identity = v.get<std::string>();
        else if (k == "record" && v.is_object())
            rec = &v;
        else
            return bad("unexpected key '" + k.substr(0, 32) + "'");
    }
    if (!core::valid_identity(identity))
        return bad("'identity' is not a lower-case domain name");
    if (rec == nullptr)
        return bad("no 'record' object");
    core::reputation_record r;
    bool have[4] = {false, false, false, false};
    for (const auto &[k, v] : rec->items()) {
        if (k == "v") {
            if (!v.is_number_integer() || v.get<std::int64_t>() != core::reputation_record_version)
                return bad("'record.v' is not 1");
            have[0] = true;
        } else if (k == "spam" || k == "ham") {
            if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
                v.get<double>() > max_record_count)
                return bad("'record." + k + "' is not a non-negative number");
            (k == "spam" ? r.spam : r.ham) = v.get<double>();
            have[k == "spam" ? 1 : 2] = true;
        } else if (k == "ts") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
                v.get<std::int64_t>() > std::numeric_limits<std::int64_t>::max() / 2)
                return bad("'record.ts' is not a non-negative integer");
            r.updated = v.get<std::int64_t>();
            have[3] = true;
        } else {
            return bad("unexpected key 'record." + k.substr(0, 32) + "'");
        }
    }
    if (!have[0] || !have[1] || !have[2] || !have[3])
        return bad("'record' needs v, spam, ham and ts");
    return std::pair{std::move(identity), r};
}

} // namespace

core::result<std::pair<std::string, core::reputation_record>> parse_record_line(std::string_view line)
{
    try {
        return parse_line(line);
    } catch (const std::exception &) {
        return fail(error_code::BAD_INPUT, "export line: unreadable");
    }
}

} // namespace authweight::adapters
