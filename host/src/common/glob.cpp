#include "common/glob.hpp"

#include <bitset>
#include <vector>

namespace herald {
namespace {

struct Token {
    bool star = false;
    std::bitset<256> chars;  // for a non-star token: the characters it matches
};

// Splits a glob into `*` and single-character tokens, each with the set it accepts.
std::vector<Token> tokenize(std::string_view p) {
    std::vector<Token> out;
    for (size_t i = 0; i < p.size(); ++i) {
        Token t;
        const auto c = static_cast<unsigned char>(p[i]);
        if (c == '*') {
            t.star = true;
        } else if (c == '?') {
            t.chars.set();
        } else if (c == '\\' && i + 1 < p.size()) {
            t.chars.set(static_cast<unsigned char>(p[++i]));
        } else if (c == '[') {
            size_t j = i + 1;
            const bool negate = j < p.size() && (p[j] == '!' || p[j] == '^');
            if (negate) ++j;
            if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is literal
            while (j < p.size() && p[j] != ']') ++j;
            if (j >= p.size()) {  // no closing bracket: '[' is literal
                t.chars.set('[');
            } else {
                std::bitset<256> set;
                const std::string_view body = p.substr(i + 1 + (negate ? 1 : 0), j - i - 1 - (negate ? 1 : 0));
                if (body.find("[:") != std::string_view::npos) {
                    set.set();
                } else {
                    for (size_t k = 0; k < body.size(); ++k) {
                        const auto lo = static_cast<unsigned char>(body[k]);
                        if (k + 2 < body.size() && body[k + 1] == '-') {
                            const auto hi = static_cast<unsigned char>(body[k + 2]);
                            for (unsigned x = lo; x <= hi; ++x) set.set(x);
                            k += 2;
                        } else {
                            set.set(lo);
                        }
                    }
                }
                t.chars = negate ? ~set : set;
                i = j;
            }
        } else {
            t.chars.set(c);
        }
        out.push_back(t);
    }
    return out;
}

}  // namespace

namespace {

// Is there a string taking x from token i and y from token j both to their ends? A star that
// would eat characters alongside the other side's star can as well match nothing: dropping
// those characters from the witness keeps it a witness.
class Overlap {
 public:
    Overlap(const std::vector<Token>& x, const std::vector<Token>& y)
        : x_(x), y_(y), memo_((x.size() + 1) * (y.size() + 1), 0) {}

    bool from(size_t i, size_t j) {
        char& m = memo_[i * (y_.size() + 1) + j];
        if (m != 0) return m == 2;
        m = compute(i, j) ? 2 : 1;
        return m == 2;
    }

 private:
    bool compute(size_t i, size_t j) {
        const size_t n = x_.size();
        const size_t k = y_.size();
        if (i == n && j == k) return true;
        const bool xs = i < n && x_[i].star;
        const bool ys = j < k && y_[j].star;
        if (xs && (from(i + 1, j) || (j < k && !ys && from(i, j + 1)))) return true;
        if (ys && (from(i, j + 1) || (i < n && !xs && from(i + 1, j)))) return true;
        return i < n && j < k && !xs && !ys && (x_[i].chars & y_[j].chars).any() && from(i + 1, j + 1);
    }

    const std::vector<Token>& x_;
    const std::vector<Token>& y_;
    std::vector<char> memo_;  // 0 unknown, 1 no, 2 yes
};

}  // namespace

bool globs_overlap(std::string_view a, std::string_view b) {
    const auto x = tokenize(a);
    const auto y = tokenize(b);
    return Overlap(x, y).from(0, 0);
}

bool is_catch_all(std::string_view pattern) {
    bool star = false;
    for (char c : pattern) {
        if (c == '*')
            star = true;
        else if (c != '?')
            return false;
    }
    return star;
}

}  // namespace herald
