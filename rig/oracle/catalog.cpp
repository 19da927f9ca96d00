#include "catalog.h"

#include "csv_table.h"
#include "spec.h"

namespace bmshil::rig::oracle {

const char* to_string(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V: return "highest cell voltage";
        case Quantity::cell_min_V: return "lowest cell voltage";
        case Quantity::pack_V: return "total voltage (sum of cells)";
        case Quantity::terminal_V: return "pack terminal voltage (charger side)";
        case Quantity::cell_max_degC: return "hottest cell temperature";
        case Quantity::cell_min_degC: return "coldest cell temperature";
        case Quantity::ambient_degC: return "ambient temperature";
        case Quantity::power_degC: return "power (MOSFET) temperature";
        case Quantity::charge_current_A: return "charge current";
        case Quantity::discharge_current_A: return "discharge current (magnitude)";
        case Quantity::cell_spread_V: return "cell voltage difference";
    }
    return "?";
}

const char* key_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V: return "cell_max_V";
        case Quantity::cell_min_V: return "cell_min_V";
        case Quantity::pack_V: return "pack_V";
        case Quantity::terminal_V: return "terminal_V";
        case Quantity::cell_max_degC: return "cell_max_degC";
        case Quantity::cell_min_degC: return "cell_min_degC";
        case Quantity::ambient_degC: return "ambient_degC";
        case Quantity::power_degC: return "power_degC";
        case Quantity::charge_current_A: return "charge_current_A";
        case Quantity::discharge_current_A: return "discharge_current_A";
        case Quantity::cell_spread_V: return "cell_spread_V";
    }
    return "?";
}

const char* unit_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V:
        case Quantity::pack_V:
        case Quantity::terminal_V:
        case Quantity::cell_spread_V: return "V";
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return "A";
        default: return "degC";
    }
}

bool is_temperature(Quantity q) {
    return q == Quantity::cell_max_degC || q == Quantity::cell_min_degC || q == Quantity::ambient_degC ||
           q == Quantity::power_degC;
}

bool is_current(Quantity q) { return q == Quantity::charge_current_A || q == Quantity::discharge_current_A; }

const char* to_string(Reaction r) {
    switch (r) {
        case Reaction::alarm: return "alarm flag";
        case Reaction::open_charge: return "charge FET opens";
        case Reaction::open_discharge: return "discharge FET opens";
        case Reaction::open_both: return "both FETs open";
        case Reaction::protection_flag: return "protection flag";
        case Reaction::fault_flag: return "failure flag";
    }
    return "?";
}

const char* key_of(Reaction r) {
    switch (r) {
        case Reaction::alarm: return "alarm";
        case Reaction::open_charge: return "open_charge";
        case Reaction::open_discharge: return "open_discharge";
        case Reaction::open_both: return "open_both";
        case Reaction::protection_flag: return "protection_flag";
        case Reaction::fault_flag: return "fault_flag";
    }
    return "?";
}

bool opens_a_fet(Reaction r) {
    return r == Reaction::open_charge || r == Reaction::open_discharge || r == Reaction::open_both;
}

namespace {

const char* key_of(DelaySource d) {
    switch (d) {
        case DelaySource::voltage_confirmation: return "voltage_confirmation";
        case DelaySource::temperature_confirmation: return "temperature_confirmation";
        case DelaySource::parameter: return "parameter";
        case DelaySource::unspecified: return "unspecified";
    }
    return "?";
}

// A field's text to one of an enum's keys; the error lists them.
template <typename E, std::size_t N>
E parse_key(const std::string& text, const E (&values)[N], const std::string& where, const char* column) {
    std::string list;
    for (E v : values) {
        if (text == key_of(v)) return v;
        list += (list.empty() ? "" : ", ") + std::string(key_of(v));
    }
    throw SpecError(where + ": " + column + " '" + text + "' is not one of " + list);
}

int parse_number(const std::string& text, const std::string& where, const char* column, bool optional) {
    if (text.empty() && optional) return 0;
    try {
        std::size_t used = 0;
        const int n = std::stoi(text, &used);
        if (used == text.size() && n > 0) return n;
    } catch (const std::exception&) {
    }
    throw SpecError(where + ": " + column + " '" + text + "' is not a positive whole number");
}

}  // namespace

std::vector<Threshold> load_thresholds(const std::string& path) {
    static const Reaction reactions[] = {Reaction::alarm,     Reaction::open_charge,     Reaction::open_discharge,
                                         Reaction::open_both, Reaction::protection_flag, Reaction::fault_flag};
    static const DelaySource delays[] = {DelaySource::voltage_confirmation, DelaySource::temperature_confirmation,
                                         DelaySource::parameter, DelaySource::unspecified};
    std::vector<Threshold> out;
    // trip,recovery,switch,quantity,direction,reaction,delay,delay_parameter,name
    for (const CsvRow& row : read_csv(path, 9)) {
        const auto& f = row.fields;
        const std::string where = path + ":" + std::to_string(row.line);
        Threshold t;
        t.trip = parse_number(f[0], where, "trip", false);
        t.recovery = parse_number(f[1], where, "recovery", true);
        t.switch_number = parse_number(f[2], where, "switch", false);
        t.quantity = parse_key(f[3], kQuantities, where, "quantity");
        if (f[4] != "above" && f[4] != "below") throw SpecError(where + ": direction '" + f[4] + "' is not above or below");
        t.direction = f[4] == "above" ? +1 : -1;
        t.reaction = parse_key(f[5], reactions, where, "reaction");
        t.delay = parse_key(f[6], delays, where, "delay");
        t.delay_parameter = parse_number(f[7], where, "delay_parameter", true);
        const bool needs_parameter = t.delay == DelaySource::parameter || t.delay == DelaySource::unspecified;
        if (needs_parameter != (t.delay_parameter != 0))
            throw SpecError(where + ": delay_parameter is needed exactly when delay is parameter or unspecified");
        t.name = f[8];
        out.push_back(t);
    }
    if (out.empty()) throw SpecError(path + ": no thresholds");
    return out;
}

}  // namespace bmshil::rig::oracle
