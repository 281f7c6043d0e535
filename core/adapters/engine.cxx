#include "engine.hxx"

#include "dkim_eval.hxx"
#include "domain_libs.hxx"
#include "libspf2_eval.hxx"
#include "openssl_ciphers.hxx"
#include "openssl_dkim.hxx"
#include "spf_eval.hxx"

#include <utility>

namespace authweight::adapters {

namespace {

/** core::auth_checks over libspf2 (SPF, Sender ID) and libopendkim (DKIM). */
class library_checks final : public core::auth_checks {
public:
    struct memo final : state {
        libspf2::check_memo spf; ///< check_host() outputs SPF and Sender ID share
    };

    [[nodiscard]] std::unique_ptr<state> new_state() const override { return std::make_unique<memo>(); }

    [[nodiscard]] core::spf_outcome spf(const core::spf_input &in, core::dns_source &dns, state &st) const override
    {
        return check_spf(request(in), dns, nullptr, &static_cast<memo &>(st).spf);
    }

    [[nodiscard]] core::senderid_outcome senderid(const core::spf_input &in, const core::header_block &headers,
                                                  core::dns_source &dns, state &st) const override
    {
        return check_senderid(request(in), headers, dns, nullptr, nullptr, &static_cast<memo &>(st).spf);
    }

    [[nodiscard]] core::dkim_check dkim(std::string_view message, const core::header_block &headers,
                                        int max_signatures, core::dns_source &dns) const override
    {
        return check_dkim_resumable(dkim_request{message, &headers, max_signatures}, dns);
    }

    [[nodiscard]] const core::arc_verifier *arc() const override { return &arc_verifier_native(); }

private:
    static spf_request request(const core::spf_input &in)
    {
        return spf_request{in.client_ip, in.helo, in.mail_from, "unknown"};
    }
};

} // namespace

core::result<std::shared_ptr<const core::engine>> make_engine(core::config cfg)
{
    core::engine_services services;
    auto ds = make_domain_services();
    if (!ds)
        return std::unexpected(ds.error());
    services.domains = std::move(*ds);
    services.ciphers = make_openssl_cipher_oracle();
    if (!services.ciphers)
        return core::fail(core::error_code::INTERNAL, "cannot read OpenSSL's cipher table");
    services.checks = std::make_unique<library_checks>();
    return core::engine::create(std::move(cfg), std::move(services));
}

} // namespace authweight::adapters
