// zone2unbound: turn a zone file of DESIGN.md into the configuration of an
// unbound that serves it on 127.0.0.1, so rspamd's resolver and the
// CLI's --dns-zone read the same answers.
//
//   zone2unbound ZONE.json PORT DIR > DIR/unbound.conf
//   unbound -d -c DIR/unbound.conf
//
// Every answer comes from the project's zone reader (adapters::zone, THE one
// reader): for each name and each record type it asks zone::answer() and
// writes what unbound must say.
//
//   zone answer                         unbound
//   OK with records                     local-data lines of that type
//   NODATA                              nothing (the name exists: NOERROR, no data)
//   absent name (NXDOMAIN)              nothing: `local-zone: "." static` says NXDOMAIN
//   TIMEOUT marker (no answer)          `local-zone: "NAME." deny`: the listed types are
//                                       answered from local-data, every other query dropped
//   SERVFAIL marker, CNAME loop         `local-zone: "NAME." typetransparent` plus a
//                                       stub-zone whose only server is 127.0.0.1, which
//                                       do-not-query-localhost forbids: unbound answers
//                                       SERVFAIL at once for the types not in local-data
//
// Limits of the mapping, none of which the test zones rely on:
//  - A marker covers the subdomains of its name that the zone does not list
//    (they time out or SERVFAIL instead of NXDOMAIN); listed subdomains get
//    a static zone of their own and answer correctly.
//  - unbound does not chase a local CNAME, so an alias is flattened: NAME
//    answers A/TXT/... with its target's records, and a CNAME query for it
//    answers NODATA.
//  - Names must be host-name-like (letters, digits, '-', '_', '.', '*');
//    anything else is refused (exit 2) rather than escaped.
#include "zone_file.hxx"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using authweight::adapters::zone;
namespace core = authweight::core;

constexpr core::dns_type all_types[] = {core::dns_type::A,   core::dns_type::AAAA, core::dns_type::MX,
                                        core::dns_type::TXT, core::dns_type::PTR,  core::dns_type::CNAME};

bool safe_name(std::string_view name)
{
    if (name.empty() || name.size() > 253)
        return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.' || c == '*';
        if (!ok)
            return false;
    }
    return name.find("..") == std::string_view::npos && name.front() != '.';
}

/** One TXT character-string in presentation format (RFC 1035 5.1): at most
 *  255 bytes each, so a longer value becomes several strings that a
 *  resolver joins back (RFC 7208 3.3). Quotes, backslashes and anything
 *  outside printable ASCII are written as \DDD, which also keeps the
 *  single-quoted unbound.conf value free of quotes. */
std::string txt_strings(std::string_view value)
{
    std::string out;
    std::size_t pos = 0;
    do {
        auto chunk = value.substr(pos, 255);
        pos += chunk.size();
        out += out.empty() ? "\"" : " \"";
        for (unsigned char c : chunk) {
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '\'') {
                out += static_cast<char>(c);
            } else {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
                out += buf;
            }
        }
        out += '"';
    } while (pos < value.size());
    return out;
}

std::string fqdn(std::string_view host)
{
    std::string h(host);
    if (h.empty() || h.back() != '.')
        h += '.';
    return h;
}

/** The RDATA of one record, or "" when it cannot be written safely. */
std::string rdata(core::dns_type t, std::string_view value)
{
    switch (t) {
    case core::dns_type::A:
    case core::dns_type::AAAA:
        return std::string(value); // the zone reader checked the address
    case core::dns_type::MX: {
        auto sp = value.find(' ');
        auto host = value.substr(sp + 1);
        return safe_name(host) ? std::string(value.substr(0, sp)) + " " + fqdn(host) : std::string{};
    }
    case core::dns_type::PTR:
    case core::dns_type::CNAME:
        return safe_name(value) ? fqdn(value) : std::string{};
    case core::dns_type::TXT:
        return txt_strings(value);
    }
    return {};
}

bool is_below(const std::string &name, const std::string &parent)
{
    return name.size() > parent.size() && name.ends_with(parent) && name[name.size() - parent.size() - 1] == '.';
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: zone2unbound ZONE.json PORT DIR\n");
        return 2;
    }
    auto z = zone::load(argv[1]);
    if (!z) {
        std::fprintf(stderr, "zone2unbound: %s\n", z.error().message().c_str());
        return 2;
    }
    const std::string port = argv[2];
    const std::string dir = argv[3];
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        dir.find_first_of("\"\n") != std::string::npos) {
        std::fprintf(stderr, "zone2unbound: bad port or directory\n");
        return 2;
    }

    std::vector<std::string> data;
    std::vector<std::string> timeout_names, servfail_names;
    for (const auto &[name, records] : z->names()) {
        if (!safe_name(name)) {
            std::fprintf(stderr, "zone2unbound: name '%.100s' cannot be served (see the limits in the source)\n",
                         name.c_str());
            return 2;
        }
        bool timeout = false, servfail = false;
        for (auto t : all_types) {
            // unbound answers an A query for a local CNAME with the CNAME
            // alone, so aliases are served flattened (see the limits).
            if (t == core::dns_type::CNAME)
                continue;
            auto ans = z->answer({name, t});
            if (!ans) {
                timeout = true;
                continue;
            }
            if (ans->status == core::dns_status::TEMPFAIL) {
                servfail = true;
                continue;
            }
            if (ans->status != core::dns_status::OK)
                continue;
            const auto type = std::string(core::to_string(t));
            // A name's own TXT records keep their string boundaries; an
            // alias gets its target's records, already joined.
            std::vector<std::string> values;
            bool own_txt = false;
            if (t == core::dns_type::TXT) {
                for (const auto &rec : records)
                    if (rec.type == "TXT") {
                        std::string strings;
                        for (const auto &s : rec.strings)
                            strings += (strings.empty() ? "" : " ") + txt_strings(s);
                        data.push_back(name + ". 60 IN TXT " + strings);
                        own_txt = true;
                    }
            }
            if (own_txt)
                continue;
            for (const auto &v : ans->records) {
                auto rd = rdata(t, v);
                if (rd.empty()) {
                    std::fprintf(stderr, "zone2unbound: %s %s value '%.100s' cannot be served\n", name.c_str(),
                                 type.c_str(), v.c_str());
                    return 2;
                }
                data.push_back(name + ". 60 IN " + type + " " + rd);
            }
        }
        // A CNAME answered for its own type but looping for the others is a
        // SERVFAIL name like the marker; TIMEOUT wins when both appear.
        if (timeout)
            timeout_names.push_back(name);
        else if (servfail)
            servfail_names.push_back(name);
    }

    std::printf("# Generated by zone2unbound from %s; do not edit.\n", argv[1]);
    std::printf("server:\n"
                "  interface: 127.0.0.1@%s\n"
                "  port: %s\n"
                "  do-ip4: yes\n  do-ip6: no\n  do-udp: yes\n  do-tcp: yes\n"
                "  num-threads: 1\n"
                "  username: \"\"\n  chroot: \"\"\n"
                "  directory: \"%s\"\n  pidfile: \"%s/unbound.pid\"\n"
                "  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n"
                "  access-control: 127.0.0.0/8 allow\n"
                "  module-config: \"iterator\"\n"
                "  do-not-query-localhost: yes\n"
                "  local-zone: \".\" static\n",
                port.c_str(), port.c_str(), dir.c_str(), dir.c_str());
    std::set<std::string> marked(timeout_names.begin(), timeout_names.end());
    marked.insert(servfail_names.begin(), servfail_names.end());
    for (const auto &n : timeout_names)
        std::printf("  local-zone: \"%s.\" deny\n", n.c_str());
    for (const auto &n : servfail_names)
        std::printf("  local-zone: \"%s.\" typetransparent\n", n.c_str());
    // Listed names below a marked one answer for themselves.
    for (const auto &[name, records] : z->names())
        if (!marked.contains(name))
            for (const auto &m : marked)
                if (is_below(name, m)) {
                    std::printf("  local-zone: \"%s.\" static\n", name.c_str());
                    break;
                }
    for (const auto &d : data)
        std::printf("  local-data: '%s'\n", d.c_str());
    for (const auto &n : servfail_names)
        std::printf("stub-zone:\n  name: \"%s.\"\n  stub-addr: 127.0.0.1@9\n", n.c_str());
    std::printf("remote-control:\n  control-enable: no\n");
    return std::ferror(stdout) ? 1 : 0;
}
