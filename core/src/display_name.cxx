#include "authweight/display_name.hxx"

#include "authweight/ascii.hxx"
#include "authweight/text.hxx"

#include <algorithm>
#include <array>
#include <utility>

namespace authweight::core {

namespace {

/** A byte of a word: an ASCII letter or digit, or part of a non-ASCII
 *  character (skeletons and IDNs keep those). */
bool word_byte(unsigned char c) noexcept
{
    return ascii::is_alnum(static_cast<char>(c)) || c >= 0x80U;
}

/** A byte of an address or domain as written in a display name. */
bool token_byte(unsigned char c) noexcept
{
    return word_byte(c) || c == '.' || c == '-' || c == '_' || c == '@' || c == '+';
}

/** The display name up to the limit, whitespace runs as one space. */
std::string clipped(std::string_view name)
{
    std::string out;
    bool space = false;
    for (char c : name) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
        if (out.size() >= max_display_name_bytes)
            break;
    }
    out.resize(text::cut_point(out, max_display_name_bytes));
    return out;
}

// RFC 6761 special-use TLDs that name no real organisation but are
// written as domains (documentation, tests).
constexpr std::array<std::string_view, 3> special_use_tlds{"example", "test", "invalid"};

} // namespace

display_name_checker::display_name_checker(const config &cfg, const domain_services &ds) : ds_{ds}
{
    // The registrable label of a domain: "example-bank" for example-bank.co.uk.
    auto label_of = [&](const std::string &alabel) {
        auto reg = ds_.registrable_domain(alabel);
        std::string r = reg ? *reg : alabel;
        auto suffix = ds_.public_suffix(r);
        if (!suffix.empty() && r.size() > suffix.size() + 1 && r.ends_with(suffix))
            r.resize(r.size() - suffix.size() - 1);
        return ds_.to_ulabel(r);
    };
    std::vector<std::pair<std::string, std::string>> protected_labels;  // alabel, label
    for (const auto &d : cfg.protected_domains)
        if (auto a = ds_.to_alabel(d)) {
            auto label = label_of(*a);
            protected_labels.emplace_back(*a, label);
            add_brand(label, {*a}, false);
        }
    // A protected name is exempt on mail from the protected domains whose
    // label reads the same ("PayPal" and paypal.com).
    auto joined = [&](std::string_view s) {
        std::string j;
        for (const auto &w : words_of(s))
            j += w;
        return j;
    };
    for (const auto &name : cfg.protected_names) {
        std::vector<std::string> own;
        for (const auto &[alabel, label] : protected_labels)
            if (joined(label) == joined(name))
                own.push_back(alabel);
        add_brand(name, std::move(own), false);
    }
    for (const auto &d : cfg.local_domains)
        if (auto a = ds_.to_alabel(d))
            local_domains_.push_back(*a);
    for (const auto &a : local_domains_)
        add_brand(label_of(a), local_domains_, true);
}

std::vector<std::string> display_name_checker::words_of(std::string_view text) const
{
    const std::string skel = ds_.skeleton(text);
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < skel.size()) {
        while (i < skel.size() && !word_byte(static_cast<unsigned char>(skel[i])))
            ++i;
        std::size_t start = i;
        while (i < skel.size() && word_byte(static_cast<unsigned char>(skel[i])))
            ++i;
        if (i > start)
            words.emplace_back(skel.substr(start, i - start));
    }
    return words;
}

void display_name_checker::add_brand(std::string name, std::vector<std::string> domains, bool local)
{
    auto words = words_of(name);
    if (words.empty())
        return;
    by_first_word_[words.front()].push_back(brands_.size());
    brands_.push_back(brand{std::move(name), std::move(words), std::move(domains), local});
}

std::optional<display_imitation> display_name_checker::check(std::string_view display_name,
                                                         std::string_view from_domain, bool aligned,
                                                         const std::vector<std::string> &rcpt_domains) const
{
    const std::string name = clipped(display_name);
    if (name.empty() || from_domain.empty())
        return std::nullopt;
    auto under_any = [&](std::string_view d, const std::vector<std::string> &parents) {
        return std::any_of(parents.begin(), parents.end(),
                           [&](const std::string &p) { return is_at_or_under(d, p); });
    };

    // Brands and local labels, as whole words of the skeleton.
    std::optional<display_imitation> local_hit;
    if (!brands_.empty()) {
        const auto words = words_of(name);
        for (std::size_t i = 0; i < words.size(); ++i) {
            auto it = by_first_word_.find(words[i]);
            if (it == by_first_word_.end())
                continue;
            for (std::size_t idx : it->second) {
                const auto &b = brands_[idx];
                if (b.words.size() > words.size() - i ||
                    !std::equal(b.words.begin() + 1, b.words.end(), words.begin() + static_cast<std::ptrdiff_t>(i) + 1))
                    continue;
                if (b.local) {
                    if (!local_hit && !under_any(from_domain, b.domains))
                        local_hit = display_imitation{b.name, "local domain"};
                    continue;
                }
                if (!(aligned && under_any(from_domain, b.domains)))
                    return display_imitation{b.name, "brand"};
            }
        }
    }

    // Addresses and domains written in the name.
    const auto from_reg = ds_.registrable_domain(from_domain);
    const std::string from_org = from_reg ? *from_reg : std::string(from_domain);
    std::optional<display_imitation> address_hit;
    std::size_t i = 0;
    while (i < name.size()) {
        while (i < name.size() && !token_byte(static_cast<unsigned char>(name[i])))
            ++i;
        std::size_t start = i;
        while (i < name.size() && token_byte(static_cast<unsigned char>(name[i])))
            ++i;
        std::string_view token{name.data() + start, i - start};
        while (!token.empty() && !word_byte(static_cast<unsigned char>(token.back())))
            token.remove_suffix(1);
        while (!token.empty() && !word_byte(static_cast<unsigned char>(token.front())) && token.front() != '@')
            token.remove_prefix(1);
        const auto at = token.rfind('@');
        std::string_view domain = at == std::string_view::npos ? token : token.substr(at + 1);
        if (domain.find('.') == std::string_view::npos)
            continue;
        auto alabel = ds_.to_alabel(domain);
        if (!alabel)
            continue;
        if (at == std::string_view::npos) {
            const std::string_view tld = std::string_view(*alabel).substr(alabel->rfind('.') + 1);
            const bool special = std::find(special_use_tlds.begin(), special_use_tlds.end(), tld) !=
                                 special_use_tlds.end();
            if (!special && !ds_.known_suffix(*alabel))
                continue;
        }
        auto reg = ds_.registrable_domain(*alabel);
        const std::string org = reg ? *reg : *alabel;
        if (org == from_org)
            continue;
        const std::string shown{token};
        if (under_any(*alabel, local_domains_) || under_any(*alabel, rcpt_domains)) {
            if (!under_any(from_domain, local_domains_) && !under_any(from_domain, rcpt_domains))
                return display_imitation{shown, "local domain"};
            continue;
        }
        if (!address_hit)
            address_hit = display_imitation{shown, "address"};
    }
    return local_hit ? local_hit : address_hit;
}

} // namespace authweight::core
