// Local look-alikes of Slack (incoming webhooks, chat.postMessage and chat.update), Microsoft Teams
// Workflows webhooks, PagerDuty Events API v2 and a generic webhook sink, for tests and the
// demo. Each checks payloads against its channel's documented rules and answers as the real
// service does, including Slack's 1 message/s limit (429 + Retry-After). Requests are recorded
// and faults can be injected, both over HTTP under /_fake/.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <mutex>

#include "http/http_server.hpp"

namespace herald::fake {

struct Fault {
    std::string path_prefix;  // applies to requests whose path starts with it
    std::string mode;         // status | slow | timeout | reset | error_body
    int status = 500;
    int retry_after_s = -1;
    std::string body;
    int delay_ms = 0;
    int remaining = -1;  // requests left to affect; -1: until cleared
};

class FakeChannels final : public HttpHandler {
 public:
    explicit FakeChannels(boost::asio::io_context& io);
    void handle(HttpRequestMessage request, Respond respond) override;

 private:
    struct Answer {
        int status = 200;
        std::string body;
        std::string content_type = "text/plain";
        int retry_after_s = -1;
    };
    Answer slack_webhook(const std::string& path, const boost::json::value& body);
    Answer slack_api(const HttpRequestMessage& request, const boost::json::value& body);
    Answer teams(const std::string& body_text, const boost::json::value& body);
    Answer pagerduty(const std::string& path, const boost::json::value& body);
    std::string check_slack_message(const boost::json::object& message) const;
    bool slack_rate_ok(const std::string& key, int64_t now_ms);

    void control(const HttpRequestMessage& request, const std::string& path, Respond& respond);
    std::optional<Fault> take_fault(const std::string& path);
    void record(const std::string& channel, const std::string& path, int status, const HttpRequestMessage& request,
                const std::string& fault = {});

    boost::asio::io_context& io_;
    std::mutex mutex_;
    std::vector<Fault> faults_;
    boost::json::array requests_;
    std::map<std::string, std::map<std::string, int64_t>> stats_;  // channel -> counter -> value
    std::map<std::string, double> slack_tat_;                      // rate limit state per URL / channel
    std::map<std::string, std::deque<int64_t>> pagerduty_window_;
    std::map<std::string, std::string> incidents_;               // dedup_key -> triggered | resolved
    std::map<std::string, boost::json::object> slack_messages_;  // "channel/ts" -> the message as it stands
    int64_t next_ts_ = 1;
};

}  // namespace herald::fake
