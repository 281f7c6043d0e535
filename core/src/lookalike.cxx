#include "authweight/lookalike.hxx"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authweight::core {

namespace {

// A valid name has at most 127 labels (253 characters); the subdomain
// labels looked at are bounded anyway, leftmost first, where a brand is put
// to be seen in a truncated display.
constexpr std::size_t max_labels = 64;
// Fuzzy forms (one edit, a hyphen-separated part) only for labels this long:
// "hp" is one edit from hundreds of real names.
constexpr std::size_t min_fuzzy_length = 4;

/** UTF-8 to code points; a byte that does not start a valid sequence stands
 *  for itself, offset out of the Unicode range so it equals no character. */
std::u32string code_points(std::string_view s)
{
    std::u32string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80U ? 1 : (b & 0xE0U) == 0xC0U ? 2 : (b & 0xF0U) == 0xE0U ? 3 : (b & 0xF8U) == 0xF0U ? 4 : 0;
        char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1FU) : len == 3 ? (b & 0x0FU) : (b & 0x07U);
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            auto c = static_cast<unsigned char>(s[i + k]);
            ok = (c & 0xC0U) == 0x80U;
            cp = (cp << 6) | (c & 0x3FU);
        }
        if (ok) {
            out.push_back(cp);
            i += len;
        } else {
            out.push_back(static_cast<char32_t>(0x110000U + b));
            ++i;
        }
    }
    return out;
}

std::vector<std::string_view> split_labels(std::string_view name, std::size_t limit)
{
    std::vector<std::string_view> labels;
    while (!name.empty() && labels.size() < limit) {
        std::size_t dot = name.find('.');
        labels.push_back(name.substr(0, dot));
        if (dot == std::string_view::npos)
            break;
        name.remove_prefix(dot + 1);
    }
    return labels;
}

bool tail_equal(std::u32string_view a, std::size_t i, std::u32string_view b, std::size_t j) noexcept
{
    return a.size() - i == b.size() - j && std::equal(a.begin() + static_cast<std::ptrdiff_t>(i), a.end(),
                                                      b.begin() + static_cast<std::ptrdiff_t>(j));
}

/** Damerau-Levenshtein (restricted) distance exactly 1: one insertion,
 *  deletion, substitution or swap of adjacent characters. Linear time. */
bool one_edit(std::u32string_view a, std::u32string_view b) noexcept
{
    if (a == b)
        return false;
    if (a.size() < b.size())
        std::swap(a, b);
    if (a.size() - b.size() > 1)
        return false;
    std::size_t i = 0;
    while (i < b.size() && a[i] == b[i])
        ++i;
    if (a.size() == b.size() + 1)
        return tail_equal(a, i + 1, b, i);
    // Equal lengths and a != b, so i < a.size().
    if (tail_equal(a, i + 1, b, i + 1))
        return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && tail_equal(a, i + 2, b, i + 2);
}

/** Digits read as letters: 0 o, 1 l or i, 3 e, 4 a, 5 s, 7 t, 8 b. */
bool digit_reads_as(char32_t digit, char32_t letter) noexcept
{
    switch (digit) {
    case U'0': return letter == U'o';
    case U'1': return letter == U'l' || letter == U'i';
    case U'3': return letter == U'e';
    case U'4': return letter == U'a';
    case U'5': return letter == U's';
    case U'7': return letter == U't';
    case U'8': return letter == U'b';
    default: return false;
    }
}

/** The candidate label reads as the protected one with some digits taken
 *  for letters, and at least one was. */
bool digit_swap(std::u32string_view cand, std::u32string_view prot) noexcept
{
    if (cand.size() != prot.size())
        return false;
    bool swapped = false;
    for (std::size_t i = 0; i < cand.size(); ++i) {
        if (cand[i] == prot[i])
            continue;
        if (!digit_reads_as(cand[i], prot[i]))
            return false;
        swapped = true;
    }
    return swapped;
}

bool is_separator(char c) noexcept
{
    return c == '-' || c == '_';
}

/** prot is a hyphen- (or underscore-) separated part of a longer label:
 *  "paypal" in "paypal-secure" or "my-paypal-login", not in "paypalindia". */
bool separated_part(std::string_view label, std::string_view prot) noexcept
{
    if (prot.empty() || label.size() <= prot.size())
        return false;
    for (std::size_t pos = label.find(prot); pos != std::string_view::npos; pos = label.find(prot, pos + 1)) {
        std::size_t end = pos + prot.size();
        if ((pos == 0 || is_separator(label[pos - 1])) && (end == label.size() || is_separator(label[end])))
            return true;
    }
    return false;
}

} // namespace

std::string_view to_string(lookalike_form f) noexcept
{
    switch (f) {
    case lookalike_form::EMBEDDED: return "embedded";
    case lookalike_form::EDIT: return "edit";
    case lookalike_form::DIGIT: return "digit";
    case lookalike_form::HOMOGRAPH: return "homograph";
    }
    return "";
}

lookalike_detector::lookalike_detector(const std::vector<std::string> &protected_domains,
                                       const domain_services &ds)
    : ds_{ds}
{
    for (const auto &d : protected_domains) {
        // The engine rejects an invalid protected domain as BAD_CONFIG before
        // building the detector; here such a name is simply not protected.
        auto alabel = ds.to_alabel(d);
        if (!alabel)
            continue;
        entry e;
        e.alabel = std::move(*alabel);
        // A public suffix (or single-label name) has no registrable label to
        // imitate; it is still "protected" for is_protected().
        if (auto reg = ds.registrable_domain(e.alabel)) {
            std::size_t dot = reg->find('.');
            e.label = reg->substr(0, dot);
            e.suffix = dot == std::string::npos ? std::string{} : reg->substr(dot + 1);
            e.skeleton = ds.skeleton(ds.to_ulabel(*reg));
            e.label_skeleton = ds.skeleton(ds.to_ulabel(e.label));
        }
        entries_.push_back(std::move(e));
    }
}

bool lookalike_detector::is_protected(std::string_view alabel_domain) const
{
    auto name = ds_.to_alabel(alabel_domain);
    if (!name)
        return false;
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const entry &e) { return is_at_or_under(*name, e.alabel); });
}

std::optional<lookalike_match> lookalike_detector::check(std::string_view domain) const
{
    auto normalised = ds_.to_alabel(domain);
    if (!normalised)
        return std::nullopt;
    const std::string &name = *normalised;
    for (const auto &e : entries_)
        if (is_at_or_under(name, e.alabel))
            return std::nullopt;

    auto reg = ds_.registrable_domain(name);
    if (!reg || reg->empty())
        return std::nullopt;
    const std::string_view reg_domain = *reg;
    const std::string_view reg_label = reg_domain.substr(0, reg_domain.find('.'));
    const std::string reg_ulabel = ds_.to_ulabel(reg_label);
    const std::u32string reg_points = code_points(reg_ulabel);

    // Labels left of the registrable domain, with their U-label forms.
    std::string_view sub{};
    if (name.size() > reg_domain.size() + 1)
        sub = std::string_view{name}.substr(0, name.size() - reg_domain.size() - 1);
    const auto sub_labels = split_labels(sub, max_labels);
    std::vector<std::string> sub_ulabels;
    sub_ulabels.reserve(sub_labels.size());
    for (auto l : sub_labels)
        sub_ulabels.push_back(l.starts_with("xn--") ? ds_.to_ulabel(l) : std::string{l});

    struct protected_label {
        const entry *e;
        std::string ulabel;
        std::u32string points;
    };
    std::vector<protected_label> prot;
    prot.reserve(entries_.size());
    for (const auto &e : entries_) {
        if (e.label.empty())
            continue;
        std::string u = ds_.to_ulabel(e.label);
        auto points = code_points(u);
        prot.push_back({&e, std::move(u), std::move(points)});
    }
    auto found = [&](const entry &e, lookalike_form f) {
        return std::optional<lookalike_match>{lookalike_match{name, e.alabel, f}};
    };

    // EMBEDDED. A protected name as a label sequence ("paypal.com.evil.net")
    // always contains its registrable label as a label, so checking labels
    // covers it.
    for (const auto &p : prot) {
        const bool fuzzy = p.points.size() >= min_fuzzy_length;
        for (std::size_t i = 0; i < sub_labels.size(); ++i) {
            if (sub_labels[i] == p.e->label)
                return found(*p.e, lookalike_form::EMBEDDED);
            if (fuzzy && separated_part(sub_ulabels[i], p.ulabel))
                return found(*p.e, lookalike_form::EMBEDDED);
        }
        if (fuzzy && separated_part(reg_ulabel, p.ulabel))
            return found(*p.e, lookalike_form::EMBEDDED);
    }

    // DIGIT, under any public suffix.
    for (const auto &p : prot)
        if (digit_swap(reg_points, p.points))
            return found(*p.e, lookalike_form::DIGIT);

    // HOMOGRAPH: same skeleton, different name. The same label under another
    // suffix ("paypal.net") is not a homograph of the label.
    const std::string skeleton = ds_.skeleton(ds_.to_ulabel(reg_domain));
    const std::string label_skeleton = ds_.skeleton(reg_ulabel);
    for (const auto &p : prot) {
        const entry &e = *p.e;
        const std::string e_reg = e.label + "." + e.suffix;
        bool same_domain = !skeleton.empty() && skeleton == e.skeleton && reg_domain != e_reg;
        bool same_label = !label_skeleton.empty() && label_skeleton == e.label_skeleton && reg_label != e.label;
        if (same_domain || same_label)
            return found(e, lookalike_form::HOMOGRAPH);
    }

    // EDIT: one edit in the registrable label, under any public suffix.
    for (const auto &p : prot)
        if (p.points.size() >= min_fuzzy_length && one_edit(reg_points, p.points))
            return found(*p.e, lookalike_form::EDIT);

    return std::nullopt;
}

} // namespace authweight::core
