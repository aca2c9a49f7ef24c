// Herald's parser against the events documented in docs/events.md: each example marked valid
// is accepted, each marked invalid is refused naming the field the page says.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "event/deploy_event.hpp"

namespace herald {
namespace {

TEST(EventContractDocs, DocumentedExamplesGetTheDocumentedVerdict) {
    std::ifstream in(std::string(HERALD_SOURCE_DIR) + "/docs/events.md");
    ASSERT_TRUE(in);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const std::regex block(R"(<!-- event: (valid|invalid ([\w.]+)) -->\n```json\n([^`]*)```)");
    int checked = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), block); it != std::sregex_iterator(); ++it) {
        const std::string verdict = (*it)[1];
        const std::string field = (*it)[2];
        const ParsedEvent parsed = parse_deploy_event((*it)[3].str());
        ++checked;
        if (verdict == "valid") {
            EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors[0].message());
            continue;
        }
        ASSERT_FALSE(parsed.errors.empty()) << "documented as invalid (" << field << ") but accepted";
        EXPECT_EQ(parsed.errors.front().field, field);
    }
    EXPECT_GE(checked, 4);
}

}  // namespace
}  // namespace herald
