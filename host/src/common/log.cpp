#include "common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <chrono>
#include <ctime>

#include "common/printable.hpp"

namespace herald::log {
namespace {

thread_local const EventFields* current_fields = nullptr;
Format current_format = Format::text;

std::string quoted(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

class JsonFormatter final : public spdlog::formatter {
 public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto time = msg.time.time_since_epoch();
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(time);
        const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
        const std::time_t t = seconds.count();
        std::tm utc{};
        gmtime_r(&t, &utc);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
        std::string line = std::string("{\"time\":\"") + stamp + "." +
                           (millis < 100 ? (millis < 10 ? "00" : "0") : "") + std::to_string(millis) +
                           "Z\",\"level\":" + quoted([&] {
                               const auto name = spdlog::level::to_string_view(msg.level);
                               return std::string_view(name.data(), name.size());
                           }()) +
                           ",\"message\":" + quoted(std::string_view(msg.payload.data(), msg.payload.size()));
        if (const EventFields* f = current_fields) {
            line += ",\"event\":" + quoted(f->event_id);
            if (!f->team.empty()) line += ",\"team\":" + quoted(f->team);
            if (!f->channel.empty()) line += ",\"channel\":" + quoted(f->channel);
            if (f->attempt > 0) line += ",\"attempt\":" + std::to_string(f->attempt);
        }
        line += "}\n";
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// Text lines as spdlog's default pattern writes them, with the message made printable: a
// channel's error body or an event field must not be able to start a forged line.
class TextFormatter final : public spdlog::formatter {
 public:
    TextFormatter() : pattern_("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] ") {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        pattern_.format(msg, dest);
        if (dest.size() > 0 && dest.data()[dest.size() - 1] == '\n') dest.resize(dest.size() - 1);
        const std::string safe = printable(std::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(safe.data(), safe.data() + safe.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }

 private:
    spdlog::pattern_formatter pattern_;
};

}  // namespace

void init(Format format) {
    current_format = format;
    auto logger = spdlog::stderr_logger_mt("herald");
    if (format == Format::json)
        logger->set_formatter(std::make_unique<JsonFormatter>());
    else
        logger->set_formatter(std::make_unique<TextFormatter>());
    spdlog::set_default_logger(std::move(logger));
}

void event(spdlog::level::level_enum level, const EventFields& fields, std::string_view message) {
    if (!spdlog::should_log(level)) return;
    if (current_format == Format::json) {
        current_fields = &fields;
        spdlog::log(level, "{}", message);
        current_fields = nullptr;
        return;
    }
    if (fields.attempt > 0) {
        spdlog::log(level, "{} [event={} team={} channel={} attempt={}]", message, fields.event_id, fields.team,
                    fields.channel, fields.attempt);
    } else {
        spdlog::log(level, "{} [event={} team={} channel={}]", message, fields.event_id, fields.team, fields.channel);
    }
}

}  // namespace herald::log
