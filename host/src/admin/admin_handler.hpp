// The admin listener (its own port, loopback by default, bearer token when configured):
// reload, delivery status of one event, and the dead-letter queue. JSON everywhere.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/url/params_view.hpp>

#include "http/http_server.hpp"
#include "store/group_commit.hpp"

namespace herald {

struct ReloadResult {
    bool ok = false;
    std::vector<std::string> findings;  // file:line:column: severity: message
};

struct AdminServices {
    std::function<std::string()> token;  // expected bearer token; empty: none required
    // Starts a reload off the caller's thread; the callback gets its result (any thread).
    std::function<void(std::function<void(const ReloadResult&)>)> reload;
    std::function<std::unique_ptr<AdminReader>()> open_reader;
    GroupCommitter* committer = nullptr;
    // Hands reopened jobs (after replay) to the dispatcher and adjusts the dead-letter count.
    std::function<void(std::vector<OpenJob>)> reopened;
    std::function<void()> dropped;
    // Empty when ready, else the failing check: /healthz and /readyz answer here too, so a
    // probe gets through even while the intake listener is saturated.
    std::function<std::string()> readiness;
};

class AdminHandler final : public HttpHandler {
 public:
    explicit AdminHandler(AdminServices services);
    void handle(HttpRequestMessage request, Respond respond) override;

 private:
    // Path dispatch only; each endpoint is one function below.
    HttpResponseMessage route(const HttpRequestMessage& request);
    HttpResponseMessage show_event(const std::string& id);
    HttpResponseMessage list_dead_letters(const boost::urls::params_view& params);
    HttpResponseMessage list_events(const boost::urls::params_view& params);
    HttpResponseMessage list_services(const boost::urls::params_view& params);
    HttpResponseMessage replay_matching(const boost::urls::params_view& params);
    HttpResponseMessage dead_letter_entry(std::string rest, http::verb method);
    HttpResponseMessage replay(const std::vector<int64_t>& ids);
    template <typename Query>
    auto read(Query&& query);

    AdminServices services_;
    std::mutex reader_mutex_;
    std::unique_ptr<AdminReader> reader_;
};

}  // namespace herald
