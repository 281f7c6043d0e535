#include "authweight/dns.hxx"

#include "authweight/ascii.hxx"

#include <array>
#include <utility>

namespace authweight::core {

namespace {
constexpr std::array<std::pair<dns_type, std::string_view>, 6> type_names{{
    {dns_type::A, "A"}, {dns_type::AAAA, "AAAA"}, {dns_type::MX, "MX"},
    {dns_type::TXT, "TXT"}, {dns_type::PTR, "PTR"}, {dns_type::CNAME, "CNAME"},
}};
constexpr std::array<std::pair<dns_status, std::string_view>, 5> status_names{{
    {dns_status::OK, "ok"}, {dns_status::NXDOMAIN, "nxdomain"}, {dns_status::NODATA, "nodata"},
    {dns_status::TEMPFAIL, "tempfail"}, {dns_status::MALFORMED, "malformed"},
}};
} // namespace

std::string_view to_string(dns_type t) noexcept
{
    for (const auto &[v, n] : type_names)
        if (v == t)
            return n;
    return "?";
}

std::optional<dns_type> dns_type_from_string(std::string_view s) noexcept
{
    for (const auto &[v, n] : type_names)
        if (ascii::iequals(n, s))
            return v;
    return std::nullopt;
}

std::string_view to_string(dns_status s) noexcept
{
    for (const auto &[v, n] : status_names)
        if (v == s)
            return n;
    return "?";
}

std::optional<dns_status> dns_status_from_string(std::string_view s) noexcept
{
    for (const auto &[v, n] : status_names)
        if (ascii::iequals(n, s))
            return v;
    return std::nullopt;
}

std::string dns_snapshot::normalize_name(std::string_view name)
{
    if (!name.empty() && name.back() == '.')
        name.remove_suffix(1);
    return ascii::lower(name);
}

void dns_snapshot::add(dns_query q, dns_answer a)
{
    q.name = normalize_name(q.name);
    answers_.insert_or_assign(std::move(q), std::move(a));
}

const dns_answer *dns_snapshot::find(const dns_query &q) const
{
    auto it = answers_.find(dns_query{normalize_name(q.name), q.type});
    return it == answers_.end() ? nullptr : &it->second;
}

namespace {
std::string cache_key(const dns_query &q)
{
    std::string key = dns_snapshot::normalize_name(q.name);
    key += '\0';
    key += to_string(q.type);
    return key;
}
} // namespace

dns_cache::dns_cache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity)
{
}

std::optional<dns_answer> dns_cache::find(const dns_query &q, clock::time_point now)
{
    const std::string key = cache_key(q);
    std::lock_guard lock{mu_};
    auto it = index_.find(key);
    if (it == index_.end())
        return std::nullopt;
    if (it->second->expires <= now) {
        lru_.erase(it->second);
        index_.erase(it);
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->answer;
}

void dns_cache::put(const dns_query &q, const dns_answer &a, clock::time_point now)
{
    if (a.status == dns_status::TEMPFAIL || a.status == dns_status::MALFORMED || ttl_.count() <= 0 ||
        capacity_ == 0)
        return;
    std::string key = cache_key(q);
    std::lock_guard lock{mu_};
    if (auto it = index_.find(key); it != index_.end()) {
        it->second->answer = a;
        it->second->expires = now + ttl_;
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    while (lru_.size() >= capacity_) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
    }
    lru_.push_front(entry{key, a, now + ttl_});
    index_.emplace(std::move(key), lru_.begin());
}

std::size_t dns_cache::size() const
{
    std::lock_guard lock{mu_};
    return lru_.size();
}

} // namespace authweight::core
