#include "opendkim_lib.hxx"

#include "authweight/ascii.hxx"

// dkim.h is C99: it spells the boolean type _Bool, which C++ calls bool
// (the same one-byte ABI type on every platform g++ supports).
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <cstring>
#include <memory>

namespace authweight::adapters {

namespace {

/** CRLF line ends: a bare LF becomes CRLF, an existing CRLF stays. */
void append_crlf(std::string &out, std::string_view in)
{
    out.reserve(out.size() + in.size() + in.size() / 32);
    std::size_t start = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
            out.append(in.data() + start, i - start);
            out += "\r\n";
            start = i + 1;
        }
    }
    out.append(in.data() + start, in.size() - start);
}

/** State the hooks read, attached to one DKIM handle. */
struct verify_context {
    const std::vector<bool> *ignore{nullptr};
    const key_source *keys{nullptr};
    bool try_again{false};
};

DKIM_CBSTAT key_lookup_hook(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    auto *ctx = static_cast<verify_context *>(dkim_get_user_context(dkim));
    const auto *sel = reinterpret_cast<const char *>(dkim_sig_getselector(sig));
    const auto *dom = reinterpret_cast<const char *>(dkim_sig_getdomain(sig));
    if (ctx == nullptr || ctx->keys == nullptr || sel == nullptr || dom == nullptr || buflen == 0)
        return DKIM_CBSTAT_NOTFOUND;
    key_answer a;
    try {
        a = (*ctx->keys)(core::ascii::lower(sel), core::ascii::lower(dom));
    } catch (...) {
        // A C callback must not let an exception through libopendkim.
        return DKIM_CBSTAT_NOTFOUND;
    }
    switch (a.state) {
    case key_answer::status::MISSING:
        ctx->try_again = true;
        return DKIM_CBSTAT_TRYAGAIN;
    case key_answer::status::NOT_FOUND:
        return DKIM_CBSTAT_NOTFOUND;
    case key_answer::status::FOUND:
        break;
    }
    // libopendkim's buffer holds BUFRSZ (1024) bytes: RSA keys up to
    // core::max_rsa_key_bits fit. The fast verifier refuses larger keys
    // first, so a longer record never reaches here in an evaluation; it
    // is treated as no key rather than cut.
    if (a.record.size() + 1 > buflen || a.record.find('\0') != std::string::npos)
        return DKIM_CBSTAT_NOTFOUND;
    std::memcpy(buf, a.record.data(), a.record.size());
    buf[a.record.size()] = '\0';
    return DKIM_CBSTAT_CONTINUE;
}

DKIM_CBSTAT prescreen_hook(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
    const auto *ctx = static_cast<const verify_context *>(dkim_get_user_context(dkim));
    if (ctx == nullptr || ctx->ignore == nullptr)
        return DKIM_CBSTAT_CONTINUE;
    for (int i = 0; i < nsigs; ++i)
        if (static_cast<std::size_t>(i) < ctx->ignore->size() && (*ctx->ignore)[static_cast<std::size_t>(i)])
            dkim_sig_ignore(sigs[i]);
    return DKIM_CBSTAT_CONTINUE;
}

struct lib_deleter {
    void operator()(DKIM_LIB *l) const noexcept { dkim_close(l); }
};
using lib_ptr = std::unique_ptr<DKIM_LIB, lib_deleter>;

struct handle_deleter {
    void operator()(DKIM *d) const noexcept { dkim_free(d); }
};
using handle_ptr = std::unique_ptr<DKIM, handle_deleter>;

/** The verifying library handle: created once per process, never changed
 *  after, so concurrent verifications may share it. */
DKIM_LIB *verify_lib()
{
    static const lib_ptr lib = [] {
        lib_ptr l{dkim_init(nullptr, nullptr)};
        if (!l)
            return l;
        // BADSIGHANDLES: syntactically broken signatures still get a handle,
        // so each one is reported (as permerror) in message order.
        unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;
        (void)dkim_options(l.get(), DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);
        // RFC 8301 3.2: RSA keys under 1024 bits MUST NOT be considered valid.
        unsigned int min_bits = 1024;
        (void)dkim_options(l.get(), DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_bits, sizeof min_bits);
        (void)dkim_set_key_lookup(l.get(), key_lookup_hook);
        (void)dkim_set_prescreen(l.get(), prescreen_hook);
        return l;
    }();
    return lib.get();
}

u_char *bytes(std::string &s) { return reinterpret_cast<u_char *>(s.data()); }

} // namespace

bool opendkim_signature::good() const noexcept
{
    return !ignored && passed && body_hash == DKIM_SIGBH_MATCH && error == DKIM_SIGERROR_OK;
}

dkim_wire_message to_wire(const core::header_block &headers, std::string_view message)
{
    dkim_wire_message m;
    m.headers.reserve(headers.fields.size());
    m.names.reserve(headers.fields.size());
    for (const auto &f : headers.fields) {
        std::string_view raw = f.raw;
        while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r'))
            raw.remove_suffix(1);
        std::string h;
        append_crlf(h, raw);
        m.headers.push_back(std::move(h));
        m.names.push_back(f.name);
    }
    if (headers.body_offset < message.size())
        append_crlf(m.body, message.substr(headers.body_offset));
    if (!m.body.empty() && !m.body.ends_with("\r\n"))
        m.body += "\r\n";
    return m;
}

core::result<opendkim_result> opendkim_verify(const dkim_wire_message &msg, const std::vector<bool> &ignore,
                                              const key_source &keys)
{
    DKIM_LIB *lib = verify_lib();
    if (lib == nullptr)
        return core::fail(core::error_code::INTERNAL, "libopendkim: dkim_init failed");
    DKIM_STAT st = DKIM_STAT_OK;
    handle_ptr dkim{dkim_verify(lib, reinterpret_cast<const u_char *>("authweight"), nullptr, &st)};
    if (!dkim)
        return core::fail(core::error_code::INTERNAL, "libopendkim: dkim_verify failed");
    verify_context ctx{&ignore, &keys, false};
    (void)dkim_set_user_context(dkim.get(), &ctx);

    opendkim_result out;
    // libopendkim takes non-const buffers; it does not write to them.
    std::string scratch;
    for (const auto &h : msg.headers) {
        if (h.empty())
            continue;
        scratch = h;
        // A field libopendkim rejects is left out of every signature, as
        // RFC 6376 5.4.2 treats a header that is not there.
        (void)dkim_header(dkim.get(), bytes(scratch), scratch.size());
    }
    st = dkim_eoh(dkim.get());
    if (ctx.try_again) {
        out.try_again = true;
        return out;
    }
    if (st == DKIM_STAT_NOSIG)
        return out;
    if (st == DKIM_STAT_OK && !msg.body.empty()) {
        scratch = msg.body;
        st = dkim_body(dkim.get(), bytes(scratch), scratch.size());
    }
    if (st == DKIM_STAT_OK) {
        bool testkey = false;
        st = dkim_eom(dkim.get(), &testkey);
    }
    if (ctx.try_again) {
        out.try_again = true;
        return out;
    }
    if (const char *e = dkim_geterror(dkim.get()); e != nullptr && *e != '\0')
        out.error = e;

    DKIM_SIGINFO **sigs = nullptr;
    int nsigs = 0;
    if (dkim_getsiglist(dkim.get(), &sigs, &nsigs) != DKIM_STAT_OK || sigs == nullptr)
        return out;
    for (int i = 0; i < nsigs; ++i) {
        DKIM_SIGINFO *sig = sigs[i];
        opendkim_signature s;
        if (const auto *d = dkim_sig_getdomain(sig))
            s.domain = core::ascii::lower(reinterpret_cast<const char *>(d));
        if (const auto *sel = dkim_sig_getselector(sig))
            s.selector = core::ascii::lower(reinterpret_cast<const char *>(sel));
        const unsigned flags = dkim_sig_getflags(sig);
        s.ignored = (flags & DKIM_SIGFLAG_IGNORE) != 0;
        s.processed = (flags & DKIM_SIGFLAG_PROCESSED) != 0;
        s.passed = (flags & DKIM_SIGFLAG_PASSED) != 0;
        s.testing_key = (flags & DKIM_SIGFLAG_TESTKEY) != 0;
        s.body_hash = dkim_sig_getbh(sig);
        s.error = dkim_sig_geterror(sig);
        if (const char *es = dkim_sig_geterrorstr(s.error))
            s.error_text = es;
        unsigned bits = 0;
        if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
            s.key_bits = bits;
        out.signatures.push_back(std::move(s));
    }
    return out;
}

core::result<std::string> opendkim_sign(std::string_view message, const dkim_sign_request &req)
{
    auto hb = core::parse_header_block(message);
    if (!hb)
        return std::unexpected(hb.error());
    const auto wire = to_wire(*hb, message);

    // Signing options are library-wide, so each signature gets its own
    // library handle; signing is for tests and tools, not the filter.
    lib_ptr lib{dkim_init(nullptr, nullptr)};
    if (!lib)
        return core::fail(core::error_code::INTERNAL, "libopendkim: dkim_init failed");
    unsigned int flags = req.body_length ? DKIM_LIBFLAGS_SIGNLEN : DKIM_LIBFLAGS_NONE;
    (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);
    unsigned int min_bits = req.min_key_bits;
    (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_bits, sizeof min_bits);
    if (req.signing_time) {
        std::uint64_t t = *req.signing_time;
        (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &t, sizeof t);
    }
    if (req.lifetime) {
        std::uint64_t ttl = *req.lifetime;
        (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_SIGNATURETTL, &ttl, sizeof ttl);
    }
    std::vector<const char *> hdr_list;
    for (const auto &h : req.sign_headers)
        hdr_list.push_back(h.c_str());
    hdr_list.push_back(nullptr);
    if (!req.sign_headers.empty())
        (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, hdr_list.data(), sizeof(char **));
    std::vector<const char *> over_list;
    for (const auto &h : req.oversign_headers)
        over_list.push_back(h.c_str());
    over_list.push_back(nullptr);
    if (!req.oversign_headers.empty())
        (void)dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, over_list.data(), sizeof(char **));

    dkim_alg_t alg = DKIM_SIGN_RSASHA256;
    if (req.algorithm == "rsa-sha1")
        alg = DKIM_SIGN_RSASHA1;
    else if (req.algorithm == "ed25519-sha256")
        alg = DKIM_SIGN_ED25519SHA256;
    else if (req.algorithm != "rsa-sha256")
        return core::fail(core::error_code::BAD_INPUT, "unknown algorithm " + req.algorithm);
    auto canon = [](core::dkim_canon c) {
        return c == core::dkim_canon::RELAXED ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
    };
    std::string key = req.private_key_pem;
    std::string selector = req.selector;
    std::string domain = req.domain;
    DKIM_STAT st = DKIM_STAT_OK;
    handle_ptr dkim{dkim_sign(lib.get(), reinterpret_cast<const u_char *>("authweight"), nullptr,
                              bytes(key), bytes(selector), bytes(domain), canon(req.header_canon),
                              canon(req.body_canon), alg, -1, &st)};
    if (!dkim)
        return core::fail(core::error_code::BAD_INPUT,
                          "libopendkim: dkim_sign failed: " + std::string(dkim_getresultstr(st)));
    // libopendkim 2.11 folds the DKIM-Signature it signs as if b= were
    // empty, and only for RSA does it reserve the room b= will take. An
    // Ed25519 signature field then folds differently from what was signed,
    // which breaks simple header canonicalization. Unfolded, both agree.
    if (alg == DKIM_SIGN_ED25519SHA256)
        (void)dkim_set_margin(dkim.get(), 0);
    std::string scratch;
    for (const auto &h : wire.headers) {
        scratch = h;
        (void)dkim_header(dkim.get(), bytes(scratch), scratch.size());
    }
    st = dkim_eoh(dkim.get());
    if (st == DKIM_STAT_OK && !wire.body.empty()) {
        scratch = wire.body;
        st = dkim_body(dkim.get(), bytes(scratch), scratch.size());
    }
    if (st == DKIM_STAT_OK)
        st = dkim_eom(dkim.get(), nullptr);
    if (st != DKIM_STAT_OK) {
        const char *e = dkim_geterror(dkim.get());
        return core::fail(core::error_code::BAD_INPUT,
                          "libopendkim: signing failed: " + std::string(e != nullptr ? e : dkim_getresultstr(st)));
    }
    static constexpr std::string_view prefix = "DKIM-Signature: ";
    u_char *buf = nullptr;
    size_t len = 0;
    st = dkim_getsighdr_d(dkim.get(), prefix.size(), &buf, &len);
    if (st != DKIM_STAT_OK || buf == nullptr)
        return core::fail(core::error_code::INTERNAL, "libopendkim: dkim_getsighdr_d failed");
    std::string field{prefix};
    append_crlf(field, std::string_view{reinterpret_cast<const char *>(buf), len});
    field += "\r\n";
    return field;
}

} // namespace authweight::adapters
