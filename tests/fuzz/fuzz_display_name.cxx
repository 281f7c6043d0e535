// libFuzzer target: display-name impersonation (core display_name), with the
// real domain services (libpsl, libidn2, ICU skeletons). The first line of
// the input is the From domain, the rest the display name.
#include "fuzz_support.hxx"

#include "authweight/display_name.hxx"
#include "domain_libs.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const auto ds = adapters::make_domain_services();
    static const core::display_name_checker chk = [] {
        core::config c;
        c.protected_domains = {"paypal.com", "example-bank.co.uk", "xn--80ak6aa92e.com"};
        c.protected_names = {"Example Bank", "Contoso Payroll"};
        c.local_domains = {"receiver.example"};
        return core::display_name_checker{c, **ds};
    }();
    const auto in = fuzz::as_text(data, size);
    const auto nl = in.find('\n');
    const auto from = nl == std::string_view::npos ? std::string_view{"random.example"} : in.substr(0, nl);
    const auto name = nl == std::string_view::npos ? in : in.substr(nl + 1);
    for (bool aligned : {false, true}) {
        auto hit = chk.check(name, from, aligned, {"corp.example"});
        if (hit) {
            fuzz::require(!hit->imitated.empty(), "a spoof names what it imitates");
            fuzz::require(hit->how == "brand" || hit->how == "address" || hit->how == "local domain",
                          "a spoof says how");
            fuzz::require(hit->imitated.size() <= core::max_display_name_bytes,
                          "what is imitated comes from the name read");
        }
    }
    return 0;
}
