#include "zone_file.hxx"

#include "authweight/ascii.hxx"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

namespace authweight::adapters {

namespace {

// ordered: records of names spelt two ways merge in file order.
using json = nlohmann::ordered_json;
using core::dns_answer;
using core::dns_status;
using core::error_code;
using core::fail;

/** RFC 1034 3.6.2 forbids CNAME chains in principle; resolvers follow a few.
 *  Past this many hops (or on a loop) the answer is a temporary failure,
 *  as a resolver gives SERVFAIL for it. */
constexpr int max_cname_hops = 8;
/** A zone file is test and demo data; anything this large is a mistake. */
constexpr std::size_t max_zone_bytes = 64u * 1024u * 1024u;

const std::string timeout_marker = "TIMEOUT";
const std::string servfail_marker = "SERVFAIL";

bool valid_mx(std::string_view v)
{
    auto sp = v.find(' ');
    if (sp == 0 || sp == std::string_view::npos || sp > 5 || sp + 1 >= v.size())
        return false;
    unsigned long pref = 0;
    for (char ch : v.substr(0, sp)) {
        if (ch < '0' || ch > '9')
            return false;
        pref = pref * 10 + static_cast<unsigned long>(ch - '0');
    }
    return pref <= 65535 && v.substr(sp + 1).find(' ') == std::string_view::npos;
}

/** Check one [TYPE, VALUE] pair; @return the record or a message naming the problem. */
core::result<zone::record> parse_record(const json &pair, const std::string &where)
{
    const auto shape = fail(error_code::BAD_INPUT, where + ": expected a list of [TYPE, VALUE] pairs");
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string())
        return shape;
    zone::record rec;
    rec.type = core::ascii::upper(pair[0].get_ref<const std::string &>());
    const json &value = pair[1];
    const bool marker = rec.type == timeout_marker || rec.type == servfail_marker;
    const auto type = core::dns_type_from_string(rec.type);
    if (!marker && !type)
        return fail(error_code::BAD_INPUT,
                    where + ": unknown record type '" + pair[0].get<std::string>() + "'");

    if (type == core::dns_type::TXT && value.is_array()) {
        // One multi-string record (RFC 1035 3.3.14: one or more strings).
        if (value.empty())
            return fail(error_code::BAD_INPUT, where + ": TXT needs a string or a non-empty list of strings");
        for (const auto &s : value) {
            if (!s.is_string())
                return fail(error_code::BAD_INPUT,
                            where + ": TXT needs a string or a non-empty list of strings");
            rec.strings.push_back(s.get<std::string>());
        }
        return rec;
    }
    if (!value.is_string())
        return shape;
    const auto &text = value.get_ref<const std::string &>();
    rec.strings.push_back(text);
    if (marker)
        return rec;

    const auto bad_value = [&](std::string_view what) {
        return fail(error_code::BAD_INPUT, where + ": invalid " + rec.type + " value '" + text +
                                               "' (expected " + std::string(what) + ")");
    };
    unsigned char addr[16];
    switch (*type) {
    case core::dns_type::A:
        if (inet_pton(AF_INET, text.c_str(), addr) != 1)
            return bad_value("an IPv4 address");
        break;
    case core::dns_type::AAAA:
        if (inet_pton(AF_INET6, text.c_str(), addr) != 1)
            return bad_value("an IPv6 address");
        break;
    case core::dns_type::MX:
        if (!valid_mx(text))
            return bad_value("\"PREFERENCE HOST\"");
        break;
    case core::dns_type::PTR:
    case core::dns_type::CNAME:
        if (text.empty() || text.find(' ') != std::string::npos)
            return bad_value("a host name");
        break;
    case core::dns_type::TXT:
        break;
    }
    return rec;
}

core::result<void> parse_with_label(std::string_view json_text, const std::string &label,
                                    std::map<std::string, std::vector<zone::record>> &names)
{
    json doc;
    try {
        doc = json::parse(json_text.begin(), json_text.end());
    } catch (const json::exception &e) {
        std::string detail = e.what();
        auto close = detail.find("] ");
        if (detail.starts_with("[json.exception.") && close != std::string::npos)
            detail.erase(0, close + 2);
        return fail(error_code::BAD_INPUT, label + ": not valid JSON: " + detail);
    }
    if (!doc.is_object())
        return fail(error_code::BAD_INPUT, label + ": expected an object of names");
    for (const auto &[raw_name, records] : doc.items()) {
        const std::string where = label + ": '" + raw_name + "'";
        const auto name = core::dns_snapshot::normalize_name(raw_name);
        if (name.empty())
            return fail(error_code::BAD_INPUT, where + ": empty name");
        if (!records.is_array())
            return fail(error_code::BAD_INPUT, where + ": expected a list of [TYPE, VALUE] pairs");
        // "Example.COM" and "example.com." are the same name: merge them.
        auto &list = names[name];
        for (const auto &pair : records) {
            auto rec = parse_record(pair, where);
            if (!rec)
                return std::unexpected(rec.error());
            if (rec->type == "CNAME" &&
                std::any_of(list.begin(), list.end(), [](const auto &r) { return r.type == "CNAME"; }))
                return fail(error_code::BAD_INPUT, where + ": more than one CNAME");
            list.push_back(std::move(*rec));
        }
    }
    return {};
}

core::result<std::string> read_file(const std::string &path)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> f{std::fopen(path.c_str(), "rb"), &std::fclose};
    if (!f)
        return fail(error_code::NOT_FOUND, "cannot read zone file " + path + ": " + std::strerror(errno));
    std::string text;
    char buf[65536];
    for (;;) {
        const auto n = std::fread(buf, 1, sizeof buf, f.get());
        text.append(buf, n);
        if (text.size() > max_zone_bytes)
            return fail(error_code::BAD_INPUT, "zone file " + path + ": larger than 64 MiB");
        if (n < sizeof buf) {
            if (std::ferror(f.get()))
                return fail(error_code::BAD_INPUT,
                            "cannot read zone file " + path + ": " + std::strerror(errno));
            break;
        }
    }
    return text;
}

} // namespace

core::result<zone> zone::parse(std::string_view json_text)
{
    zone z;
    if (auto r = parse_with_label(json_text, "zone file", z.names_); !r)
        return std::unexpected(r.error());
    return z;
}

core::result<zone> zone::load(const std::string &path)
{
    auto text = read_file(path);
    if (!text)
        return std::unexpected(text.error());
    zone z;
    if (auto r = parse_with_label(*text, "zone file " + path, z.names_); !r)
        return std::unexpected(r.error());
    return z;
}

std::optional<core::dns_answer> zone::answer(const core::dns_query &q) const
{
    const std::string wanted{core::to_string(q.type)};
    auto name = core::dns_snapshot::normalize_name(q.name);
    std::set<std::string> seen;
    for (int hop = 0; hop <= max_cname_hops; ++hop) {
        if (!seen.insert(name).second)
            break; // a CNAME loop
        auto it = names_.find(name);
        if (it == names_.end())
            return dns_answer{dns_status::NXDOMAIN, {}};

        dns_answer out{dns_status::OK, {}};
        const record *marker = nullptr;
        const record *cname = nullptr;
        for (const auto &rec : it->second) {
            if (rec.type == wanted) {
                // A multi-string TXT record is one record (RFC 7208 3.3).
                std::string joined;
                for (const auto &s : rec.strings)
                    joined += s;
                out.records.push_back(std::move(joined));
            } else if (rec.type == timeout_marker || rec.type == servfail_marker) {
                if (marker == nullptr)
                    marker = &rec;
            } else if (rec.type == "CNAME" && cname == nullptr) {
                cname = &rec;
            }
        }
        if (!out.records.empty())
            return out;
        // DESIGN.md: the marker covers every type not listed for the name.
        if (marker != nullptr) {
            if (marker->type == timeout_marker)
                return std::nullopt;
            return dns_answer{dns_status::TEMPFAIL, {}};
        }
        if (cname == nullptr || q.type == core::dns_type::CNAME)
            return dns_answer{dns_status::NODATA, {}};
        name = core::dns_snapshot::normalize_name(cname->strings.front());
    }
    // Too long a chain, or a loop: what a resolver reports as SERVFAIL.
    return dns_answer{dns_status::TEMPFAIL, {}};
}

} // namespace authweight::adapters
