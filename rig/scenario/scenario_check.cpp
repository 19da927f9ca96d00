#include "scenario_check.h"

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "probes.h"
#include "scenario_runner.h"  // values_of

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

std::vector<std::string> check_settings(const Scenario& s, const RegisterMap& map, const oracle::ParameterSet& in_force) {
    std::vector<std::string> errors;
    const auto where = [&](int line) { return s.file + ":" + std::to_string(line) + ": "; };
    oracle::ParameterSet next = in_force;
    const Values values = values_of(in_force);
    bool any = false;
    for (const WriteRegister& w : s.settings) {
        const Register* r = nullptr;
        try {
            r = &map.by_name(w.name);
        } catch (const std::out_of_range&) {
            continue;  // check_scenario names it
        }
        if ((r->parameter == 0 && r->switch_number == 0) || w.expect_refusal) continue;
        double v = 0.0;
        try {
            v = in_register_unit(r->name, r->unit, w.value, w.value.evaluate(values));
        } catch (const std::exception& e) {
            errors.push_back(where(w.line) + "setting " + w.name + ": " + e.what());
            continue;
        }
        const oracle::Origin origin{s.file, w.line};
        if (r->parameter != 0) next.set(r->parameter, v, origin);
        if (r->switch_number != 0) next.set_switch(r->switch_number, v != 0.0, origin);
        any = true;
    }
    if (any)
        for (const auto& v : oracle::check_rules(next))
            errors.push_back(s.file + ": its settings with the parameters in force break a rule of the manual: " +
                             v.message(next.spec()));
    // Write steps of a constant value: inside their parameter's range.
    const std::function<void(const std::vector<Step>&)> walk = [&](const std::vector<Step>& steps) {
        for (const Step& step : steps) {
            if (const auto* rep = std::get_if<Repeat>(&step.action)) walk(rep->steps);
            const auto* w = std::get_if<WriteRegister>(&step.action);
            if (!w || w->expect_refusal || !w->value.is_constant()) continue;
            const Register* r = nullptr;
            try {
                r = &map.by_name(w->name);
            } catch (const std::out_of_range&) {
                continue;
            }
            if (r->parameter == 0 || !in_force.spec().parameters().count(r->parameter)) continue;
            double v = 0.0;
            try {
                v = in_register_unit(r->name, r->unit, w->value, w->value.evaluate(values));
            } catch (const std::exception& e) {
                errors.push_back(where(step.line) + "write " + w->name + ": " + e.what());
                continue;
            }
            const oracle::Parameter& p = in_force.spec().parameter(r->parameter);
            if (v < p.min_value || v > p.max_value) {
                char text[200];
                std::snprintf(text, sizeof text, "write %s = %g %s: outside #%d's range %g..%g %s (spec/parameters.csv); "
                              "add 'refused: yes' if the refusal is what the scenario shows",
                              w->name.c_str(), v, p.unit.c_str(), p.number, p.min_value, p.max_value, p.unit.c_str());
                errors.push_back(where(step.line) + text);
            }
        }
    };
    walk(s.steps);
    return errors;
}

}  // namespace bmshil::rig::scenario
