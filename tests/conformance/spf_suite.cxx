#include "spf_suite.hxx"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>

namespace authweight::spf_test {

namespace {

using json = nlohmann::ordered_json;

std::string scalar(const YAML::Node &n)
{
    return n && n.IsScalar() ? n.as<std::string>() : std::string{};
}

/** A TXT value: a string, or a list of strings for one multi-string record. */
json txt_value(const YAML::Node &v)
{
    if (v.IsSequence()) {
        json parts = json::array();
        for (const auto &s : v)
            parts.push_back(s.as<std::string>());
        // RFC 1035 3.3.14 allows no empty record; the suites use one to check
        // that nothing crashes (null-text), which an empty string also does.
        if (parts.empty())
            return "";
        return parts;
    }
    return v.as<std::string>();
}

std::string host_or_root(std::string h)
{
    return h.empty() ? std::string(".") : h;
}

json convert_zone(const YAML::Node &zonedata)
{
    json zone = json::object();
    if (!zonedata || !zonedata.IsMap())
        return zone;
    for (const auto &entry : zonedata) {
        const std::string name = entry.first.as<std::string>();
        json records = json::array();
        std::vector<json> spf_as_txt;
        bool explicit_txt = false;
        const YAML::Node list = entry.second;
        if (list && list.IsSequence()) {
            for (const auto &item : list) {
                if (item.IsScalar()) {
                    if (item.as<std::string>() == "TIMEOUT")
                        records.push_back(json::array({"TIMEOUT", ""}));
                    continue;
                }
                if (!item.IsMap())
                    continue;
                for (const auto &rec : item) {
                    const std::string type = rec.first.as<std::string>();
                    const YAML::Node v = rec.second;
                    const bool none = v.IsScalar() && v.as<std::string>() == "NONE";
                    if (type == "TXT") {
                        explicit_txt = true;
                        if (!none)
                            records.push_back(json::array({"TXT", txt_value(v)}));
                    } else if (type == "SPF") {
                        if (!none)
                            spf_as_txt.push_back(json::array({"TXT", txt_value(v)}));
                    } else if (type == "MX") {
                        const std::string pref = v.IsSequence() ? scalar(v[0]) : "0";
                        const std::string host = v.IsSequence() ? scalar(v[1]) : scalar(v);
                        records.push_back(json::array({"MX", pref + " " + host_or_root(host)}));
                    } else if (type == "PTR" || type == "CNAME") {
                        records.push_back(json::array({type, host_or_root(scalar(v))}));
                    } else if (type == "A" || type == "AAAA") {
                        records.push_back(json::array({type, scalar(v)}));
                    }
                }
            }
        }
        if (!explicit_txt)
            for (auto &r : spf_as_txt)
                records.push_back(std::move(r));
        auto &slot = zone[name];
        if (slot.is_null())
            slot = json::array();
        for (auto &r : records)
            slot.push_back(std::move(r));
    }
    return zone;
}

} // namespace

bool load_suite(const std::string &path, suite &out, std::string &error)
{
    try {
        const auto docs = YAML::LoadAllFromFile(path);
        for (const auto &doc : docs) {
            if (!doc || !doc.IsMap())
                continue;
            const std::size_t zone_index = out.zones.size();
            out.zones.push_back(convert_zone(doc["zonedata"])
                                    .dump(-1, ' ', false, json::error_handler_t::replace));
            const std::string scenario = scalar(doc["description"]);
            const YAML::Node tests = doc["tests"];
            if (!tests || !tests.IsMap())
                continue;
            for (const auto &t : tests) {
                suite_test st;
                st.scenario = scenario;
                st.name = t.first.as<std::string>();
                const YAML::Node f = t.second;
                st.spec = scalar(f["spec"]);
                st.helo = scalar(f["helo"]);
                st.host = scalar(f["host"]);
                st.mailfrom = scalar(f["mailfrom"]);
                const YAML::Node r = f["result"];
                if (r && r.IsSequence())
                    for (const auto &x : r)
                        st.results.push_back(x.as<std::string>());
                else
                    st.results.push_back(scalar(r));
                if (f["explanation"] && f["explanation"].IsScalar())
                    st.explanation = f["explanation"].as<std::string>();
                st.zone = zone_index;
                out.tests.push_back(std::move(st));
            }
        }
    } catch (const std::exception &e) {
        error = path + ": " + e.what();
        return false;
    }
    return true;
}

bool result_matches(const suite_test &t, const std::string &got)
{
    return std::find(t.results.begin(), t.results.end(), got) != t.results.end();
}

} // namespace authweight::spf_test
