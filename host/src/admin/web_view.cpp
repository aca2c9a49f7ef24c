#include "admin/web_view.hpp"

#include <boost/url/parse.hpp>

#include <string>
#include <string_view>

namespace herald {

std::string_view embedded_file(std::string_view name);  // generated: cmake/embed_files.cmake

namespace {

HttpResponseMessage asset(std::string_view name, std::string_view content_type) {
    HttpResponseMessage res{http::status::ok, 11};
    res.set(http::field::content_type, content_type);
    // Everything the page loads comes from here; it cannot be framed, and it sends no referrer.
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set(http::field::cache_control, "no-cache");
    res.body() = std::string(embedded_file(name));
    res.prepare_payload();
    return res;
}

HttpResponseMessage plain(http::status status, std::string text) {
    HttpResponseMessage res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(text);
    res.prepare_payload();
    return res;
}

}  // namespace

std::optional<HttpResponseMessage> web_view_asset(const HttpRequestMessage& request) {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/ui" && path.rfind("/ui/", 0) != 0) return std::nullopt;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        return plain(http::status::method_not_allowed, "the web view is read with GET\n");
    }
    if (path == "/ui") {
        HttpResponseMessage res = plain(http::status::permanent_redirect, "see /ui/\n");
        res.set(http::field::location, "/ui/");
        return res;
    }
    if (path == "/ui/" || path == "/ui/index.html") return asset("index.html", "text/html; charset=utf-8");
    if (path == "/ui/app.js") return asset("app.js", "text/javascript; charset=utf-8");
    if (path == "/ui/style.css") return asset("style.css", "text/css; charset=utf-8");
    return plain(http::status::not_found, "no such page\n");
}

std::optional<HttpResponseMessage> cross_site_refusal(const HttpRequestMessage& request) {
    const auto method = request.method();
    if (method == http::verb::get || method == http::verb::head || method == http::verb::options) return std::nullopt;
    const std::string_view fetch_site = request["Sec-Fetch-Site"];
    if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") {
        return plain(http::status::forbidden, "cross-site requests cannot change anything here\n");
    }
    const std::string_view origin = request[http::field::origin];
    if (!origin.empty()) {
        const auto parsed = boost::urls::parse_absolute_uri(origin);
        const std::string_view host = request[http::field::host];
        if (!parsed || parsed->encoded_host_and_port() != host) {
            return plain(http::status::forbidden, "cross-site requests cannot change anything here\n");
        }
    }
    return std::nullopt;
}

}  // namespace herald
