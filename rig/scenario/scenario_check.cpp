#include "scenario_check.h"

#include <map>
#include <set>
#include <stdexcept>

#include "probes.h"

namespace bmshil::rig::scenario {
namespace {

class Checker {
public:
    Checker(const Scenario& s, const RegisterMap& map, std::size_t cells) : s_(s), map_(map), cells_(cells) {
        marks_["start"] = {};
    }

    std::vector<std::string> run() {
        for (const WriteRegister& w : s_.settings) write(w, w.line);
        steps(s_.steps);
        return errors_;
    }

private:
    void fail(int line, const std::string& what) {
        errors_.push_back(s_.file + ":" + std::to_string(line) + ": " + what);
    }

    const Register* reg(int line, const std::string& name, const std::string& use) {
        try {
            return &map_.by_name(name);
        } catch (const std::out_of_range&) {
            fail(line, use + " names register '" + name + "', which the register map (" + map_.path() + ") does not have");
            return nullptr;
        }
    }

    void signal(int line, const std::string& name, const std::string& use) {
        if (name.rfind("at:", 0) == 0) {
            const auto colon = name.find(':', 3);
            const std::string mark = name.substr(3, colon == std::string::npos ? std::string::npos : colon - 3);
            const std::string recorded = colon == std::string::npos ? "" : name.substr(colon + 1);
            const auto it = marks_.find(mark);
            if (it == marks_.end())
                fail(line, use + " reads '" + name + "', but no mark '" + mark + "' comes before it");
            else if (!it->second.count(recorded))
                fail(line, use + " reads '" + name + "', but mark '" + mark + "' does not record " + recorded);
            return;
        }
        std::string why;
        if (!Probes::known(name, cells_, &why)) {
            fail(line, use + ": " + why);
            return;
        }
        if (name.rfind("reg:", 0) == 0) {
            const Register* r = reg(line, name.substr(4), use);
            if (r && !r->readable) fail(line, use + " reads register " + r->name + ", which is not readable");
        } else if (name.rfind("bit:", 0) == 0) {
            const std::string rest = name.substr(4);
            const auto dot = rest.find('.');
            const Register* r = reg(line, rest.substr(0, dot), use);
            const std::string bit = rest.substr(dot + 1);
            bool found = false;
            if (r)
                for (const RegisterBit& b : r->bits) found = found || b.name == bit;
            if (r && !found) fail(line, use + " reads bit '" + bit + "' of " + r->name + ", which the register map does not name");
        } else if (name.rfind("param_bit:", 0) == 0) {
            const std::string rest = name.substr(10);
            const auto dot = rest.rfind('.');
            const std::string word = dot == std::string::npos ? "" : rest.substr(0, dot);
            const std::string number = dot == std::string::npos ? rest : rest.substr(dot + 1);
            int n = 0;
            try {
                std::size_t used = 0;
                n = std::stoi(number, &used);
                if (used != number.size()) n = 0;
            } catch (const std::exception&) {
                n = 0;
            }
            if (n <= 0) {
                fail(line, use + " reads '" + name + "': expected param_bit:<parameter number> or param_bit:<word>.<number>");
                return;
            }
            int bits = 0;
            for (const Register& r : map_.all())
                if (word.empty() || r.name == word)
                    for (const RegisterBit& b : r.bits) bits += b.parameter == n;
            if (!word.empty() && !reg(line, word, use)) return;
            if (bits == 0)
                fail(line, use + " reads the bit of parameter #" + std::to_string(n) +
                               (word.empty() ? "" : " in " + word) + ", which the register map does not assign");
            else if (word.empty() && bits > 1)
                fail(line, use + " reads the bit of parameter #" + std::to_string(n) + ": the register map assigns " +
                               std::to_string(bits) + "; name the word (param_bit:<word>." + std::to_string(n) + ")");
        }
    }

    void condition(int line, const Condition& c) {
        const std::string use = "the condition '" + c.text + "'";
        signal(line, c.signal, use);
        if (!c.minus.empty()) signal(line, c.minus, use);
    }

    void write(const WriteRegister& w, int line) {
        const Register* r = reg(line, w.name, "a write");
        if (r && !r->writable) fail(line, "a write to register " + r->name + ", which is read-only in the register map");
    }

    void steps(const std::vector<Step>& steps) {
        for (const Step& step : steps) {
            std::visit(
                [&](const auto& a) {
                    using T = std::decay_t<decltype(a)>;
                    if constexpr (std::is_same_v<T, WaitUntil>) {
                        condition(step.line, a.condition);
                    } else if constexpr (std::is_same_v<T, Expect>) {
                        if (a.condition) condition(step.line, *a.condition);
                        if (!a.after.empty() && !marks_.count(a.after))
                            fail(step.line, "an expectation counts from mark '" + a.after + "', which no step before it sets");
                    } else if constexpr (std::is_same_v<T, Mark>) {
                        std::set<std::string> recorded;
                        for (const std::string& r : a.record) {
                            signal(step.line, r, "mark '" + a.name + "'");
                            recorded.insert(r);
                        }
                        marks_[a.name] = recorded;
                    } else if constexpr (std::is_same_v<T, WriteRegister>) {
                        write(a, step.line);
                    } else if constexpr (std::is_same_v<T, Repeat>) {
                        this->steps(a.steps);
                    }
                },
                step.action);
        }
    }

    const Scenario& s_;
    const RegisterMap& map_;
    std::size_t cells_;
    std::map<std::string, std::set<std::string>> marks_;  // name -> signals it records
    std::vector<std::string> errors_;
};

}  // namespace

std::vector<std::string> check_scenario(const Scenario& s, const RegisterMap& map, std::size_t cell_count) {
    return Checker(s, map, cell_count).run();
}

}  // namespace bmshil::rig::scenario
