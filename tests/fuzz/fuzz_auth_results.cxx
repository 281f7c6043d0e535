// libFuzzer target: Authentication-Results (core auth_results, RFC 8601
// 2.2): one field value, and a header block read for trusted fields; what
// authweight renders from the parsed words must parse again.
#include "fuzz_support.hxx"

#include "authweight/auth_results.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    if (auto ar = core::parse_authentication_results(in)) {
        core::auth_results res;
        std::string mail_from;
        for (const auto &r : ar->results) {
            auto word = core::auth_result_from_string(r.result).value_or(core::auth_result::NONE);
            if (r.method == "spf") {
                res.spf.result = word;
                res.spf.domain = std::string(r.property("smtp", "mailfrom"));
                mail_from = res.spf.domain;
            } else if (r.method == "dkim") {
                res.dkim.push_back({std::string(r.property("header", "d")), std::string(r.property("header", "s")),
                                    std::string(r.property("header", "a")), word, true, r.reason});
            } else if (r.method == "dmarc") {
                res.dmarc.result = word;
                res.dmarc.from_domain = std::string(r.property("header", "from"));
            }
        }
        core::ar_render_input render;
        render.authserv_id = ar->authserv_id;
        render.auth = &res;
        render.mail_from = mail_from;
        const auto text = core::render_authentication_results(render);
        auto again = core::parse_authentication_results(text);
        fuzz::require(again.has_value(), "authweight's own Authentication-Results parse");
    }
    const std::string message = "Authentication-Results: " + std::string(in) + "\r\nFrom: a@b.example\r\n\r\n";
    if (auto hb = core::parse_header_block(message)) {
        const auto got = core::trusted_authentication_results(*hb, {"mx.example.org", "authweight"});
        fuzz::require(got.size() <= 50, "at most 50 fields read");
    }
    return 0;
}
