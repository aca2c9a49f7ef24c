// The plugin conformance kit: runs a fixed corpus of events through a built plugin's render
// and a table of channel responses through its classify, and reports every breach of the ABI
// contract or of the channel's declared limits. Link it into a GoogleTest binary:
//
//   auto plugin = herald::conformance::open_plugin("build/plugins/mychannel.so");
//   auto report = herald::conformance::run(*plugin.descriptor, {.required_body_fields = {"/text"}});
//   EXPECT_TRUE(report.passed()) << report.text();
#ifndef HERALD_CONFORMANCE_HPP
#define HERALD_CONFORMANCE_HPP

#include <herald/plugin.h>

#include <string>
#include <vector>

namespace herald::conformance {

struct Options {
    // Settings to create the instance with. Empty: synthesised from the declared settings, with
    // every secret given a recognisable value so the kit can catch it being echoed.
    std::string settings_json;
    // JSON Pointers (RFC 6901) every rendered body must contain, e.g. "/blocks".
    std::vector<std::string> required_body_fields;
    unsigned threads = 8;
    unsigned iterations_per_thread = 40;
};

struct Finding {
    std::string check;   // e.g. "render/unicode"
    std::string detail;  // what was wrong
};

struct Report {
    std::vector<Finding> findings;
    unsigned checks_run = 0;

    bool passed() const { return findings.empty(); }
    std::string text() const;
};

struct OpenedPlugin {
    const herald_plugin_descriptor* descriptor = nullptr;  // null when it could not be opened
    std::string error;
};

// dlopen()s a plugin file (kept loaded) and calls its entry symbol. For the host's full
// checks of a descriptor use `herald plugin list`; this only finds the descriptor.
OpenedPlugin open_plugin(const std::string& path);

Report run(const herald_plugin_descriptor& plugin, const Options& options = {});

// The events of the corpus, by name, as JSON (exposed for plugin authors' own tests).
struct CorpusEvent {
    std::string name;
    std::string json;
    bool is_recovery = false;
};
std::vector<CorpusEvent> event_corpus();

}  // namespace herald::conformance

#endif  // HERALD_CONFORMANCE_HPP
