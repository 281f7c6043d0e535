#include "domain_libs.hxx"

#include "authweight/ascii.hxx"
#include "authweight/text.hxx"

#include <idn2.h>
#include <libpsl.h>
#include <unicode/ucasemap.h>
#include <unicode/uspoof.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace authweight::adapters {

using core::error_code;
using core::fail;
using core::result;

namespace {

// RFC 1035 2.3.4: 63 octets per label, and 255 octets on the wire, which is
// 253 characters in text form without the trailing dot.
constexpr std::size_t max_label = 63;
constexpr std::size_t max_name = 253;
// A U-label name may be longer in UTF-8 than its A-label, and UTS #46 drops
// ignorable code points (soft hyphens, variation selectors); anything
// longer than this cannot be a sane name, and the bound keeps libidn2's
// work small.
constexpr std::size_t max_input = 1024;
// Skeletons are taken of domain names; a longer string is returned as it
// is, which can equal another skeleton only by being that string.
constexpr std::size_t max_skeleton_input = 1024;

std::unexpected<core::error> bad_domain(std::string_view domain, std::string_view why)
{
    return fail(error_code::BAD_INPUT, "invalid domain '" + core::text::capped(domain) + "': " + std::string(why));
}

bool is_ascii(std::string_view s) noexcept
{
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80U)
            return false;
    return true;
}

struct idn2_string {
    char *p{nullptr};
    idn2_string() = default;
    idn2_string(const idn2_string &) = delete;
    idn2_string &operator=(const idn2_string &) = delete;
    ~idn2_string() { idn2_free(p); }
};

/** UTS #46 to ASCII: non-transitional first (IDNA2008, "faß" stays "faß"),
 *  then transitional, which still admits names registered under IDNA2003. */
std::optional<std::string> idna_to_ascii(const std::string &name)
{
    for (int flags : {IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT, IDN2_TRANSITIONAL | IDN2_NFC_INPUT}) {
        idn2_string out;
        if (idn2_to_ascii_8z(name.c_str(), &out.p, flags) == IDN2_OK && out.p != nullptr)
            return std::string{out.p};
    }
    return std::nullopt;
}

/** An existing A-label must decode to a non-ASCII U-label that encodes back
 *  to the same A-label (RFC 5891 5.4); libidn2 alone decodes "xn--a" to "". */
bool valid_alabel(const std::string &label)
{
    idn2_string u;
    if (idn2_to_unicode_8z8z(label.c_str(), &u.p, 0) != IDN2_OK || u.p == nullptr)
        return false;
    std::string ulabel{u.p};
    if (ulabel.empty() || is_ascii(ulabel))
        return false;
    auto back = idna_to_ascii(ulabel);
    return back && *back == label;
}

/** Why an ASCII, lower-case name is not a valid domain, or nullopt. */
std::optional<std::string_view> ascii_name_problem(std::string_view name)
{
    if (name.empty())
        return "empty name";
    if (name.size() > max_name)
        return "name longer than 253 characters";
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos)
            dot = name.size();
        std::string_view label = name.substr(start, dot - start);
        if (label.empty())
            return "empty label";
        if (label.size() > max_label)
            return "label longer than 63 characters";
        for (char c : label) {
            // Underscores appear in DKIM and DMARC names (RFC 6376 3.6.2.1,
            // RFC 7489 6.1), so they are accepted beside letters-digits-hyphen.
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok)
                return "character outside letters, digits, hyphen and underscore";
        }
        if (label.starts_with("xn--") && !valid_alabel(std::string{label}))
            return "invalid A-label";
        start = dot + 1;
    }
    return std::nullopt;
}

/**
 * Results of a pure function of a name, remembered across messages: a
 * worker meets the same sender domains again and again, and a remembered
 * answer touches far less memory than libpsl's or ICU's tables. Bounded:
 * forgotten wholesale when full. Thread-safe.
 */
class name_memo {
public:
    template <class F>
    std::optional<std::string> get(std::string_view name, F &&compute) const
    {
        {
            std::lock_guard lock{mu_};
            if (auto it = map_.find(name); it != map_.end())
                return it->second;
        }
        std::optional<std::string> value = compute();
        std::lock_guard lock{mu_};
        if (map_.size() >= max_entries)
            map_.clear();
        map_.emplace(std::string{name}, value);
        return value;
    }

private:
    static constexpr std::size_t max_entries = 4096;
    struct hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    mutable std::mutex mu_;
    mutable std::unordered_map<std::string, std::optional<std::string>, hash, std::equal_to<>> map_;
};

struct psl_deleter {
    void operator()(psl_ctx_t *p) const noexcept { psl_free(p); }
};
struct spoof_deleter {
    void operator()(USpoofChecker *p) const noexcept { uspoof_close(p); }
};
struct casemap_deleter {
    void operator()(UCaseMap *p) const noexcept { ucasemap_close(p); }
};

/**
 * Thread safety: after construction every member is only read. libpsl's
 * lookups take a const context; ICU documents that functions taking a const
 * USpoofChecker or const UCaseMap (uspoof_getSkeletonUTF8,
 * ucasemap_utf8ToLower) are thread-safe. Each services object owns its own
 * spoof checker, so one object may serve many threads at once; the memos
 * lock.
 */
class lib_domain_services final : public core::domain_services {
public:
    lib_domain_services(std::unique_ptr<psl_ctx_t, psl_deleter> owned_psl, const psl_ctx_t *psl,
                        std::unique_ptr<USpoofChecker, spoof_deleter> spoof,
                        std::unique_ptr<UCaseMap, casemap_deleter> casemap)
        : owned_psl_{std::move(owned_psl)}, psl_{psl}, spoof_{std::move(spoof)}, casemap_{std::move(casemap)}
    {
    }

    [[nodiscard]] result<std::string> to_alabel(std::string_view domain) const override
    {
        if (domain.size() > max_input)
            return bad_domain(domain, "name too long");
        if (domain.find('\0') != std::string_view::npos)
            return bad_domain(domain, "NUL in name");
        std::string name{domain};
        core::ascii::lower_in_place(name);
        bool stripped = false;
        if (!name.empty() && name.back() == '.') {
            name.pop_back();
            stripped = true;
        }
        if (name.empty())
            return bad_domain(domain, "empty name");
        if (!is_ascii(name)) {
            auto ascii = idna_to_ascii(name);
            if (!ascii)
                return bad_domain(domain, "not a valid internationalised domain name");
            name = std::move(*ascii);
            // UTS #46 maps U+3002 and other full stops to '.', so the root
            // dot may only appear now.
            if (!stripped && !name.empty() && name.back() == '.')
                name.pop_back();
        }
        if (auto why = ascii_name_problem(name))
            return bad_domain(domain, *why);
        return name;
    }

    [[nodiscard]] std::string to_ulabel(std::string_view alabel_domain) const override
    {
        if (alabel_domain.size() > max_input || alabel_domain.find('\0') != std::string_view::npos)
            return std::string{alabel_domain};
        // An ASCII name without an ACE prefix (RFC 5890 2.3.2.1) has no
        // A-label: libidn2 would hand it back unchanged.
        if (is_ascii(alabel_domain) && !core::ascii::icontains(alabel_domain, "xn--"))
            return std::string{alabel_domain};
        std::string in{alabel_domain};
        idn2_string out;
        if (idn2_to_unicode_8z8z(in.c_str(), &out.p, 0) != IDN2_OK || out.p == nullptr)
            return in;
        return std::string{out.p};
    }

    [[nodiscard]] result<std::string> registrable_domain(std::string_view alabel_domain) const override
    {
        auto reg = registrable_.get(alabel_domain, [&]() -> std::optional<std::string> {
            auto name = psl_input(alabel_domain);
            const char *r = name ? psl_registrable_domain(psl_, name->c_str()) : nullptr;
            return r == nullptr ? std::nullopt : std::optional<std::string>{r};
        });
        if (!reg)
            return fail(error_code::NOT_FOUND, "no registrable domain in '" + core::text::capped(alabel_domain) + "'");
        return std::move(*reg);
    }

    [[nodiscard]] std::string public_suffix(std::string_view alabel_domain) const override
    {
        auto name = psl_input(alabel_domain);
        const char *suffix = name ? psl_unregistrable_domain(psl_, name->c_str()) : nullptr;
        return suffix == nullptr ? std::string{} : std::string{suffix};
    }

    [[nodiscard]] bool known_suffix(std::string_view alabel_domain) const override
    {
        auto name = psl_input(alabel_domain);
        const char *suffix = name ? psl_unregistrable_domain(psl_, name->c_str()) : nullptr;
        return suffix != nullptr && psl_is_public_suffix2(psl_, suffix, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
    }

    [[nodiscard]] std::string skeleton(std::string_view utf8) const override
    {
        if (utf8.size() > max_skeleton_input)
            return std::string{utf8};
        return *skeletons_.get(utf8, [&] { return std::optional<std::string>{compute_skeleton(utf8)}; });
    }

private:
    [[nodiscard]] std::string compute_skeleton(std::string_view utf8) const
    {
        auto len = static_cast<int32_t>(utf8.size());
        // Confusable mappings expand a code point to at most a few (U+FDFA
        // is the worst case, 18), so retry once with the size ICU asks for.
        std::string skel(utf8.size() * 4 + 16, '\0');
        UErrorCode status = U_ZERO_ERROR;
        int32_t n = uspoof_getSkeletonUTF8(spoof_.get(), 0, utf8.data(), len, skel.data(),
                                           static_cast<int32_t>(skel.size()), &status);
        if (status == U_BUFFER_OVERFLOW_ERROR && n > 0) {
            skel.assign(static_cast<std::size_t>(n) + 1, '\0');
            status = U_ZERO_ERROR;
            n = uspoof_getSkeletonUTF8(spoof_.get(), 0, utf8.data(), len, skel.data(),
                                       static_cast<int32_t>(skel.size()), &status);
        }
        if (U_FAILURE(status) || n < 0)
            return std::string{utf8};
        skel.resize(static_cast<std::size_t>(n));
        return lower(skel);
    }

    /** Lower-case, without the root dot, NUL-free: libpsl wants lower-case
     *  UTF-8 or ACE and treats a trailing dot as part of the suffix. */
    static std::optional<std::string> psl_input(std::string_view domain)
    {
        if (domain.empty() || domain.size() > max_input || domain.find('\0') != std::string_view::npos)
            return std::nullopt;
        std::string name{domain};
        core::ascii::lower_in_place(name);
        if (name.back() == '.')
            name.pop_back();
        if (name.empty())
            return std::nullopt;
        return name;
    }

    std::string lower(const std::string &s) const
    {
        std::string out(s.size() + 16, '\0');
        for (int attempt = 0; attempt < 2; ++attempt) {
            UErrorCode status = U_ZERO_ERROR;
            int32_t n = ucasemap_utf8ToLower(casemap_.get(), out.data(), static_cast<int32_t>(out.size()),
                                             s.data(), static_cast<int32_t>(s.size()), &status);
            if (U_SUCCESS(status) && n >= 0 && static_cast<std::size_t>(n) <= out.size()) {
                out.resize(static_cast<std::size_t>(n));
                return out;
            }
            if (status != U_BUFFER_OVERFLOW_ERROR || n <= 0)
                break;
            out.assign(static_cast<std::size_t>(n) + 1, '\0');
        }
        std::string fallback = s;
        core::ascii::lower_in_place(fallback);
        return fallback;
    }

    std::unique_ptr<psl_ctx_t, psl_deleter> owned_psl_;   // null when psl_ is libpsl's builtin
    const psl_ctx_t *psl_;
    std::unique_ptr<USpoofChecker, spoof_deleter> spoof_;
    name_memo registrable_;  ///< registrable_domain() answers
    name_memo skeletons_;    ///< skeleton() answers
    std::unique_ptr<UCaseMap, casemap_deleter> casemap_;
};

} // namespace

result<std::unique_ptr<core::domain_services>> make_domain_services()
{
    // psl_latest(NULL) reads Debian's /usr/share/publicsuffix DAFSA and keeps
    // whichever of it and the built-in list is newer.
    std::unique_ptr<psl_ctx_t, psl_deleter> owned{psl_latest(nullptr)};
    const psl_ctx_t *psl = owned.get();
    if (psl == nullptr)
        psl = psl_builtin();
    if (psl == nullptr)
        return fail(error_code::INTERNAL, "cannot load the Public Suffix List");

    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, spoof_deleter> spoof{uspoof_open(&status)};
    if (U_FAILURE(status) || !spoof)
        return fail(error_code::INTERNAL, std::string("cannot open ICU's spoof checker: ") + u_errorName(status));

    status = U_ZERO_ERROR;
    std::unique_ptr<UCaseMap, casemap_deleter> casemap{ucasemap_open("", 0, &status)};
    if (U_FAILURE(status) || !casemap)
        return fail(error_code::INTERNAL, std::string("cannot open ICU's case map: ") + u_errorName(status));

    return std::unique_ptr<core::domain_services>{
        std::make_unique<lib_domain_services>(std::move(owned), psl, std::move(spoof), std::move(casemap))};
}

} // namespace authweight::adapters
