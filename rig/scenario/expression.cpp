// Expressions with physical dimensions: a lexer, a recursive-descent parser that
// checks every dimension rule as it builds the tree, and an evaluator.
//
// The tree is a vector of nodes in which every node's operands come before it
// (the parser creates operands first), so evaluation is one forward pass with
// no recursion, and the root is the last node.
#include "expression.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace bmshil::rig::scenario {

// ---------------------------------------------------------------------------
// Units and dimensions

namespace {

struct UnitRow {
    const char* name;
    Dimension dimension;
    double factor_to_si;
    bool in_expressions;  // false: only a spelling of spec/parameters.csv
};

// Expression units first, in the order the "unknown unit" message lists them.
// Expressions get one spelling per unit so scenario files read alike; the spec's
// own spellings (second, °C, mΩ, count, ...) are accepted only as parameter units.
constexpr UnitRow kUnits[] = {
    {"us", Dimension::time, 1e-6, true},
    {"ms", Dimension::time, 1e-3, true},
    {"s", Dimension::time, 1.0, true},
    {"min", Dimension::time, 60.0, true},
    {"h", Dimension::time, 3600.0, true},
    {"d", Dimension::time, 86400.0, true},
    {"V", Dimension::voltage, 1.0, true},
    {"mV", Dimension::voltage, 1e-3, true},
    {"A", Dimension::current, 1.0, true},
    {"mA", Dimension::current, 1e-3, true},
    {"degC", Dimension::temperature, 1.0, true},
    // Kelvin as a temperature difference: p25 - 5 K. Values are in degC, so a
    // difference converts with factor 1 (no 273.15 offset).
    {"K", Dimension::temperature, 1.0, true},
    {"%", Dimension::percent, 1.0, true},
    {"ohm", Dimension::resistance, 1.0, true},
    {"mohm", Dimension::resistance, 1e-3, true},
    {"Ah", Dimension::charge, 1.0, true},
    // spec/parameters.csv spellings (singular and plural alike).
    {"second", Dimension::time, 1.0, false},
    {"seconds", Dimension::time, 1.0, false},
    {"minute", Dimension::time, 60.0, false},
    {"minutes", Dimension::time, 60.0, false},
    {"hour", Dimension::time, 3600.0, false},
    {"hours", Dimension::time, 3600.0, false},
    {"°C", Dimension::temperature, 1.0, false},  // UTF-8, as the csv writes them
    {"mΩ", Dimension::resistance, 1e-3, false},
    {"count", Dimension::none, 1.0, false},
};

const UnitRow* find_unit(const std::string& name, bool expressions_only) {
    for (const UnitRow& row : kUnits)
        if (name == row.name && (row.in_expressions || !expressions_only)) return &row;
    return nullptr;
}

std::string expression_unit_list() {
    std::string list;
    for (const UnitRow& row : kUnits)
        if (row.in_expressions) list += (list.empty() ? "" : ", ") + std::string(row.name);
    return list;
}

// The SI unit of a dimension as an expression writes it ("" for none).
const char* si_unit(Dimension d) {
    switch (d) {
        case Dimension::none:
            return "";
        case Dimension::time:
            return "s";
        case Dimension::voltage:
            return "V";
        case Dimension::current:
            return "A";
        case Dimension::temperature:
            return "degC";
        case Dimension::percent:
            return "%";
        case Dimension::resistance:
            return "ohm";
        case Dimension::charge:
            return "Ah";
    }
    return "";
}

// The unit to suggest for a bare operand next to `d`: what is added to a
// temperature is a difference, hence K.
const char* suggested_unit(Dimension d) { return d == Dimension::temperature ? "K" : si_unit(d); }

// "a time (s)", or "a bare number" for none.
std::string phrase(Dimension d) { return d == Dimension::none ? "a bare number" : std::string("a ") + to_string(d); }

}  // namespace

const char* to_string(Dimension d) {
    switch (d) {
        case Dimension::none:
            return "none";
        case Dimension::time:
            return "time (s)";
        case Dimension::voltage:
            return "voltage (V)";
        case Dimension::current:
            return "current (A)";
        case Dimension::temperature:
            return "temperature (degC)";
        case Dimension::percent:
            return "percent (%)";
        case Dimension::resistance:
            return "resistance (ohm)";
        case Dimension::charge:
            return "charge (Ah)";
    }
    return "?";
}

bool unit_to_si(const std::string& unit, Dimension* dim, double* factor) {
    const UnitRow* row = find_unit(unit, false);
    if (!row) return false;
    if (dim) *dim = row->dimension;
    if (factor) *factor = row->factor_to_si;
    return true;
}

// ---------------------------------------------------------------------------
// The tree

namespace {

enum class Kind { number, parameter, switch_, negate, add, subtract, multiply, divide, abs, min, max };

struct Node {
    Kind kind = Kind::number;
    double value = 0.0;      // number: its value in SI; parameter: factor from its spec unit to SI
    int ref = 0;             // parameter or switch number
    int lhs = -1, rhs = -1;  // operands (indices of earlier nodes); abs and negate use lhs
    Dimension dimension = Dimension::none;
    // Where it is written in the text (bytes [begin, end)), for messages that
    // name an operand. A parenthesised operand's span includes its parentheses.
    std::size_t begin = 0, end = 0;
    bool parenthesised = false;
};

}  // namespace

struct Expr::Tree {
    std::string text;
    std::vector<Node> nodes;                // operands before the nodes that use them; the root is last
    std::vector<int> parameters, switches;  // sorted, unique
    Dimension dimension() const { return nodes.back().dimension; }
};

namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string span_text(const std::string& text, const Node& n) { return text.substr(n.begin, n.end - n.begin); }

// A number as written, possibly signed: "2", "-2", "+0.5 s".
bool is_literal(const std::vector<Node>& nodes, const Node& n) {
    if (n.parenthesised) return false;  // "give (2) a unit (e.g. (2) s)" would not parse
    return n.kind == Kind::number || (n.kind == Kind::negate && is_literal(nodes, nodes[n.lhs]));
}

// What to tell about a bare operand that needs the dimension `d`.
std::string bare_hint(const std::string& text, const std::vector<Node>& nodes, const Node& bare, Dimension d) {
    const std::string written = span_text(text, bare);
    const std::string unit = suggested_unit(d);
    if (is_literal(nodes, bare)) return "give " + written + " a unit (e.g. " + written + " " + unit + ")";
    // Atoms and parenthesised operands multiply as they are; anything else needs parentheses.
    const bool atom = bare.parenthesised || bare.kind == Kind::parameter || bare.kind == Kind::switch_ ||
                      bare.kind == Kind::abs || bare.kind == Kind::min || bare.kind == Kind::max;
    return written + " has no unit; multiply it by one (e.g. " + (atom ? written : "(" + written + ")") + " * 1 " +
           unit + ")";
}

// ---------------------------------------------------------------------------
// Lexer

enum class Tok { number, word, percent, plus, minus, star, slash, lparen, rparen, comma, end };

struct Token {
    Tok type = Tok::end;
    std::size_t begin = 0, end = 0;  // bytes of the text
    double number = 0.0;             // Tok::number
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
// Words are ASCII letters, digits and '_', and any UTF-8 byte (so °C and mΩ
// arrive whole and are refused as units by name, not as odd characters).
bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) { return is_word_start(c) || is_digit(c); }

std::vector<Token> lex(const std::string& text) {
    auto fail = [&](const std::string& what) { throw ExpressionError("in " + quoted(text) + ": " + what); };
    std::vector<Token> tokens;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (true) {
        while (i < n && is_space(text[i])) ++i;
        Token t;
        t.begin = i;
        if (i == n) {
            t.end = n;
            tokens.push_back(t);
            return tokens;
        }
        const char c = text[i];
        if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(text[i + 1]))) {
            // digits [. digits] | . digits, then an exponent only when digits follow
            // the e (so "2em" is 2 followed by the unit "em", refused by name).
            std::size_t j = i;
            while (j < n && is_digit(text[j])) ++j;
            if (j < n && text[j] == '.') {
                ++j;
                while (j < n && is_digit(text[j])) ++j;
            }
            if (j < n && (text[j] == 'e' || text[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < n && (text[k] == '+' || text[k] == '-')) ++k;
                if (k < n && is_digit(text[k])) {
                    while (k < n && is_digit(text[k])) ++k;
                    j = k;
                }
            }
            // from_chars: locale-independent, unlike strtod and streams.
            const auto result = std::from_chars(text.data() + i, text.data() + j, t.number);
            if (result.ec != std::errc() || result.ptr != text.data() + j || !std::isfinite(t.number))
                fail("number " + quoted(text.substr(i, j - i)) + " is out of range");
            t.type = Tok::number;
            i = j;
        } else if (is_word_start(c)) {
            while (i < n && is_word_char(text[i])) ++i;
            t.type = Tok::word;
        } else {
            switch (c) {
                case '%':
                    t.type = Tok::percent;
                    break;
                case '+':
                    t.type = Tok::plus;
                    break;
                case '-':
                    t.type = Tok::minus;
                    break;
                case '*':
                    t.type = Tok::star;
                    break;
                case '/':
                    t.type = Tok::slash;
                    break;
                case '(':
                    t.type = Tok::lparen;
                    break;
                case ')':
                    t.type = Tok::rparen;
                    break;
                case ',':
                    t.type = Tok::comma;
                    break;
                default:
                    fail("unexpected character " + quoted(std::string(1, c)) + " at column " + std::to_string(i + 1) +
                         "; expected a number, pN, sN, abs, min, max, an operator (+ - * /) or a parenthesis");
            }
            ++i;
        }
        t.end = i;
        tokens.push_back(t);
    }
}

// ---------------------------------------------------------------------------
// Parser
//
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := ('-' | '+') unary | primary
//   primary := number [unit] | pN | sN | abs '(' sum ')' | (min | max) '(' sum ',' sum ')' | '(' sum ')'

constexpr int kMaxNesting = 100;  // parentheses, signs and calls; keeps the parser's recursion bounded
constexpr int kMaxReference = 999;

class Parser {
public:
    Parser(const std::string& text, const Symbols& symbols, Expr::Tree& tree)
        : text_(text), symbols_(symbols), tree_(tree), tokens_(lex(text)) {}

    void parse() {
        if (peek().type == Tok::end)
            throw ExpressionError(
                "empty expression: expected a number (e.g. 0.2 s), a parameter (p70), a switch "
                "(s31), abs, min, max or '('");
        parse_sum();
        const Token& t = peek();
        if (t.type == Tok::rparen)
            fail("unbalanced ')' at column " + std::to_string(t.begin + 1) + ": there is no '(' to close");
        if (t.type != Tok::end)
            fail("expected an operator (+ - * /) or the end after " + quoted(trimmed(0, t.begin)) + ", got " +
                 describe(t));
    }

private:
    // --- grammar

    int parse_sum() {
        int lhs = parse_product();
        while (peek().type == Tok::plus || peek().type == Tok::minus) {
            const Kind kind = next().type == Tok::plus ? Kind::add : Kind::subtract;
            const int rhs = parse_product();
            lhs = binary(kind, lhs, rhs);
        }
        return lhs;
    }

    int parse_product() {
        int lhs = parse_unary();
        while (peek().type == Tok::star || peek().type == Tok::slash) {
            const Kind kind = next().type == Tok::star ? Kind::multiply : Kind::divide;
            const int rhs = parse_unary();
            lhs = binary(kind, lhs, rhs);
        }
        return lhs;
    }

    int parse_unary() {
        const Token& t = peek();
        if (t.type != Tok::minus && t.type != Tok::plus) return parse_primary();
        next();
        const Nesting guard(this);
        const int operand = parse_unary();
        if (t.type == Tok::plus) {  // no node: +x is x, written from the sign on
            tree_.nodes[operand].begin = t.begin;
            return operand;
        }
        Node n;
        n.kind = Kind::negate;
        n.lhs = operand;
        n.dimension = tree_.nodes[operand].dimension;
        n.begin = t.begin;
        n.end = tree_.nodes[operand].end;
        return push(n);
    }

    int parse_primary() {
        const Token t = next();
        switch (t.type) {
            case Tok::number:
                return parse_number(t);
            case Tok::word: {
                const std::string word = token_text(t);
                int ref = 0;
                if (reference(word, 'p', &ref)) return reject_unit_after(parse_parameter(t, ref, word));
                if (reference(word, 's', &ref)) return reject_unit_after(parse_switch(t, ref, word));
                if (word == "abs" || word == "min" || word == "max") return reject_unit_after(parse_call(t, word));
                fail("unknown name " + quoted(word) +
                     "; expected pN for a parameter (p70), sN for a switch (s31), or abs, min, max");
            }
            case Tok::lparen: {
                const Nesting guard(this);
                const int inner = parse_sum();
                expect_close(t);
                Node& n = tree_.nodes[inner];
                n.begin = t.begin;
                n.end = tokens_[pos_ - 1].end;
                n.parenthesised = true;
                return reject_unit_after(inner);
            }
            default:
                fail("expected a number, a parameter (pN), a switch (sN), abs, min, max or '(' " +
                     (t.type == Tok::end ? std::string("at the end") : "at column " + std::to_string(t.begin + 1)) +
                     ", got " + describe(t));
        }
        return -1;  // not reached: fail() throws
    }

    // A number and the unit that may follow it, with or without a space.
    int parse_number(const Token& t) {
        Node n;
        n.kind = Kind::number;
        n.value = t.number;
        n.begin = t.begin;
        n.end = t.end;
        if (unit_follows()) {
            const Token u = next();
            const std::string name = token_text(u);
            const UnitRow* row = find_unit(name, true);
            if (!row)
                throw ExpressionError("unknown unit " + quoted(name) + " in " + quoted(text_) + " (" +
                                      expression_unit_list() + ")");
            n.value = t.number * row->factor_to_si;
            n.dimension = row->dimension;
            n.end = u.end;
        }
        return push(n);
    }

    int parse_parameter(const Token& t, int number, const std::string& word) {
        std::optional<std::string> unit;
        if (number >= 1 && number <= kMaxReference && symbols_.parameter_unit) unit = symbols_.parameter_unit(number);
        if (!unit) fail("no parameter #" + reference_number(number, word));
        Node n;
        n.kind = Kind::parameter;
        n.ref = number;
        if (!unit_to_si(*unit, &n.dimension, &n.value))
            fail("parameter #" + std::to_string(number) + " has the unit " + quoted(*unit) +
                 ", which expressions do not know");
        n.begin = t.begin;
        n.end = t.end;
        insert_sorted(tree_.parameters, number);
        return push(n);
    }

    int parse_switch(const Token& t, int number, const std::string& word) {
        const bool exists =
            number >= 1 && number <= kMaxReference && symbols_.switch_exists && symbols_.switch_exists(number);
        if (!exists) fail("no switch #" + reference_number(number, word));
        Node n;
        n.kind = Kind::switch_;
        n.ref = number;
        n.begin = t.begin;
        n.end = t.end;
        insert_sorted(tree_.switches, number);
        return push(n);
    }

    // abs(x), min(a, b), max(a, b).
    int parse_call(const Token& name_token, const std::string& name) {
        const Token open = next();
        if (open.type != Tok::lparen) fail("expected '(' after " + name + ", got " + describe(open));
        const Nesting guard(this);
        Node n;
        n.kind = name == "abs" ? Kind::abs : name == "min" ? Kind::min : Kind::max;
        n.lhs = parse_sum();
        if (n.kind != Kind::abs) {
            const Token comma = next();
            if (comma.type != Tok::comma)
                fail(name + " takes two arguments: expected ',' after " + quoted(span(n.lhs)) + ", got " +
                     describe(comma));
            n.rhs = parse_sum();
        }
        if (peek().type == Tok::comma)
            fail(name + " takes " + (n.kind == Kind::abs ? "one argument" : "two arguments") +
                 ": expected ')', got ','");
        expect_close(open);
        n.begin = name_token.begin;
        n.end = tokens_[pos_ - 1].end;
        const Dimension a = tree_.nodes[n.lhs].dimension;
        n.dimension = a;
        if (n.kind != Kind::abs) {
            const Dimension b = tree_.nodes[n.rhs].dimension;
            if (a != b)
                fail(name + " needs equal dimensions, got " + phrase(a) + " and " + phrase(b) +
                     mismatch_hint(n.lhs, n.rhs));
        }
        return push(n);
    }

    // Builds a binary node after checking the dimension rules.
    int binary(Kind kind, int lhs, int rhs) {
        const Dimension a = tree_.nodes[lhs].dimension, b = tree_.nodes[rhs].dimension;
        Node n;
        n.kind = kind;
        n.lhs = lhs;
        n.rhs = rhs;
        n.begin = tree_.nodes[lhs].begin;
        n.end = tree_.nodes[rhs].end;
        switch (kind) {
            case Kind::add:
            case Kind::subtract:
                if (a != b)
                    fail((kind == Kind::add ? "cannot add " + phrase(a) + " and " + phrase(b)
                                            : "cannot subtract " + phrase(b) + " from " + phrase(a)) +
                         mismatch_hint(lhs, rhs));
                n.dimension = a;
                break;
            case Kind::multiply:
                // One factor may scale a quantity; a product of two quantities
                // (V * A) has no dimension here.
                if (a != Dimension::none && b != Dimension::none)
                    fail("cannot multiply " + phrase(a) + " by " + phrase(b) + "; at most one factor may have a unit");
                n.dimension = a != Dimension::none ? a : b;
                break;
            case Kind::divide:
                if (b == Dimension::none)
                    n.dimension = a;  // a quantity scaled down
                else if (a == b)
                    n.dimension = Dimension::none;  // a ratio
                else
                    fail("cannot divide " + phrase(a) + " by " + phrase(b) +
                         "; divide by a bare number or by the same dimension");
                break;
            default:
                break;
        }
        return push(n);
    }

    // "; give 2 a unit (e.g. 2 s)" when one of two operands that must match is bare.
    std::string mismatch_hint(int lhs, int rhs) const {
        const Node& a = tree_.nodes[lhs];
        const Node& b = tree_.nodes[rhs];
        if (a.dimension == Dimension::none) return "; " + bare_hint(text_, tree_.nodes, a, b.dimension);
        if (b.dimension == Dimension::none) return "; " + bare_hint(text_, tree_.nodes, b, a.dimension);
        return "";
    }

    // Units follow numbers only: p70 has its spec unit already, and (1 + 2) s
    // would hide a multiplication.
    int reject_unit_after(int index) {
        if (!unit_follows() || !find_unit(token_text(peek()), false)) return index;
        const Node& n = tree_.nodes[index];
        const std::string unit = token_text(peek());
        if (n.kind == Kind::parameter)
            fail("a unit cannot follow the parameter " + span(index) + ": its spec unit " +
                 quoted(*symbols_.parameter_unit(n.ref)) + " makes it " + phrase(n.dimension) + "; got " +
                 quoted(unit));
        if (n.kind == Kind::switch_)
            fail("a unit cannot follow the switch " + span(index) + " (it is 1 or 0); got " + quoted(unit));
        fail("a unit can only follow a number; got " + quoted(unit) + " after " + quoted(span(index)) + " (write " +
             span(index) + " * 1 " + unit + ")");
        return index;
    }

    // --- helpers

    // A word that is a unit after a number: not a reference (2 p5) and not a
    // function call (2 min(...)), which are then refused as missing operators.
    bool unit_follows() const {
        const Token& t = peek();
        if (t.type == Tok::percent) return true;
        if (t.type != Tok::word) return false;
        const std::string word = token_text(t);
        int ignored = 0;
        if (reference(word, 'p', &ignored) || reference(word, 's', &ignored)) return false;
        return tokens_[pos_ + 1].type != Tok::lparen;  // a word is never the last token: the end token is
    }

    // "p70" -> 70 (capped, so p99999999999 does not overflow).
    static bool reference(const std::string& word, char letter, int* number) {
        if (word.size() < 2 || word[0] != letter) return false;
        int n = 0;
        for (std::size_t i = 1; i < word.size(); ++i) {
            if (!is_digit(word[i])) return false;
            n = std::min(n * 10 + (word[i] - '0'), 100 * kMaxReference);
        }
        *number = n;
        return true;
    }

    static std::string reference_number(int number, const std::string& word) {
        return number <= kMaxReference ? std::to_string(number) : word.substr(1);
    }

    static void insert_sorted(std::vector<int>& v, int x) {
        const auto it = std::lower_bound(v.begin(), v.end(), x);
        if (it == v.end() || *it != x) v.insert(it, x);
    }

    void expect_close(const Token& open) {
        const Token t = next();
        if (t.type != Tok::rparen)
            fail("expected ')' to close the '(' at column " + std::to_string(open.begin + 1) + ", got " + describe(t));
    }

    int push(const Node& n) {
        tree_.nodes.push_back(n);
        return static_cast<int>(tree_.nodes.size()) - 1;
    }

    const Token& peek() const { return tokens_[pos_]; }
    const Token& next() {
        const Token& t = tokens_[pos_];
        if (t.type != Tok::end) ++pos_;  // the end token stays
        return t;
    }

    std::string token_text(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
    std::string describe(const Token& t) const { return t.type == Tok::end ? "the end" : quoted(token_text(t)); }
    std::string span(int index) const { return span_text(text_, tree_.nodes[index]); }
    std::string trimmed(std::size_t begin, std::size_t end) const {
        while (end > begin && is_space(text_[end - 1])) --end;
        while (begin < end && is_space(text_[begin])) ++begin;
        return text_.substr(begin, end - begin);
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw ExpressionError("in " + quoted(text_) + ": " + what);
    }

    // Counts nesting for the recursion limit.
    struct Nesting {
        explicit Nesting(Parser* p) : parser(p) {
            if (++parser->depth_ > kMaxNesting)
                parser->fail("nested more than " + std::to_string(kMaxNesting) + " levels deep");
        }
        ~Nesting() { --parser->depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;
        Parser* parser;
    };

    const std::string& text_;
    const Symbols& symbols_;
    Expr::Tree& tree_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

// Shortest text that reads back as the same double ("0.2", "1e-06").
std::string shortest(double value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

}  // namespace

// ---------------------------------------------------------------------------
// Expr

Expr::Expr(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)) {}

Expr::Expr() {
    // One shared tree for every default (zero) expression.
    static const std::shared_ptr<const Tree> zero = constant(0.0, Dimension::none).tree_;
    tree_ = zero;
}

Expr Expr::constant(double value_si, Dimension d) {
    auto tree = std::make_shared<Tree>();
    tree->text = shortest(value_si);
    if (!std::isfinite(value_si)) throw ExpressionError("constant " + tree->text + " is not finite");
    if (d != Dimension::none) tree->text += std::string(" ") + si_unit(d);
    Node n;
    n.kind = Kind::number;
    n.value = value_si;
    n.dimension = d;
    n.end = tree->text.size();
    tree->nodes.push_back(n);  // a negative one reads back as a negation, which evaluates the same
    return Expr(std::move(tree));
}

Expr Expr::parse(const std::string& text, const Symbols& symbols) {
    auto tree = std::make_shared<Tree>();
    tree->text = text;
    Parser(tree->text, symbols, *tree).parse();
    return Expr(std::move(tree));
}

Dimension Expr::dimension() const { return tree_->dimension(); }
bool Expr::is_constant() const { return tree_->parameters.empty() && tree_->switches.empty(); }
bool Expr::references_parameters() const { return !tree_->parameters.empty(); }
std::vector<int> Expr::parameters() const { return tree_->parameters; }
std::vector<int> Expr::switches() const { return tree_->switches; }
const std::string& Expr::text() const { return tree_->text; }

double Expr::evaluate(const Values& values) const {
    const Tree& t = *tree_;
    auto fail = [&](const std::string& what) { throw ExpressionError("in " + quoted(t.text) + ": " + what); };
    std::vector<double> result(t.nodes.size());
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const Node& n = t.nodes[i];
        const double a = n.lhs >= 0 ? result[n.lhs] : 0.0;
        const double b = n.rhs >= 0 ? result[n.rhs] : 0.0;
        double v = 0.0;
        switch (n.kind) {
            case Kind::number:
                v = n.value;
                break;
            case Kind::parameter: {
                if (!values.parameter) fail("no value for parameter #" + std::to_string(n.ref));
                const double in_spec_unit = values.parameter(n.ref);
                if (!std::isfinite(in_spec_unit))
                    fail("parameter #" + std::to_string(n.ref) + " is " + shortest(in_spec_unit));
                v = in_spec_unit * n.value;
                break;
            }
            case Kind::switch_:
                if (!values.switch_on) fail("no value for switch #" + std::to_string(n.ref));
                v = values.switch_on(n.ref) ? 1.0 : 0.0;
                break;
            case Kind::negate:
                v = -a;
                break;
            case Kind::add:
                v = a + b;
                break;
            case Kind::subtract:
                v = a - b;
                break;
            case Kind::multiply:
                v = a * b;
                break;
            case Kind::divide:
                if (b == 0.0) fail("division by zero (" + quoted(span_text(t.text, t.nodes[n.rhs])) + " is 0)");
                v = a / b;
                break;
            case Kind::abs:
                v = std::fabs(a);
                break;
            case Kind::min:
                v = std::min(a, b);
                break;
            case Kind::max:
                v = std::max(a, b);
                break;
        }
        // Checked at every node: min(1e308 * 10, 1) would otherwise hide the overflow.
        if (!std::isfinite(v))
            fail("the value of " + quoted(span_text(t.text, n)) + " is not finite (" + shortest(v) + ")");
        result[i] = v;
    }
    return result.back();
}

// ---------------------------------------------------------------------------
// Fields of a known dimension

void check_dimension(const Expr& e, Dimension expected, bool bare_allowed) {
    const Dimension got = e.dimension();
    if (got == expected || (got == Dimension::none && bare_allowed)) return;
    std::string what = "in " + quoted(e.text()) + ": expected " + phrase(expected) + ", got " + phrase(got);
    if (got == Dimension::none) {
        const Expr::Tree& t = *e.tree_;
        what += "; " + bare_hint(t.text, t.nodes, t.nodes.back(), expected);
    }
    throw ExpressionError(what);
}

double evaluate_as(const Expr& e, Dimension expected, bool bare_allowed, double bare_factor, const Values& values) {
    check_dimension(e, expected, bare_allowed);
    double v = e.evaluate(values);
    if (e.dimension() == Dimension::none && expected != Dimension::none) {
        v *= bare_factor;  // a bare number is in the field's own unit
        if (!std::isfinite(v)) throw ExpressionError("in " + quoted(e.text()) + ": the value is not finite");
    }
    return v;
}

}  // namespace bmshil::rig::scenario
