#include "guarded_load.h"

#include <yaml-cpp/eventhandler.h>

#include <map>
#include <sstream>
#include <vector>

namespace bmshil::rig::yaml {
namespace {

std::string at(const std::string& file, const YAML::Mark& mark) {
    return file + (mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : std::string());
}

// Counts the nodes the document has once every alias is expanded, without
// expanding anything: an anchored node's size is remembered, an alias adds it.
class ExpandedSize : public YAML::EventHandler {
public:
    ExpandedSize(std::size_t limit, std::string file) : limit_(limit), file_(std::move(file)) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        const auto it = sizes_.find(anchor);
        leaf(mark, 0, it == sizes_.end() ? 1 : it->second);
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
        leaf(mark, anchor, 1);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open_.push_back({anchor, 1, mark});
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open_.push_back({anchor, 1, mark});
    }
    void OnMapEnd() override { close(); }

private:
    struct Open {
        YAML::anchor_t anchor;
        std::size_t size;
        YAML::Mark mark;
    };
    void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::size_t size) {
        if (anchor) sizes_[anchor] = size;
        add(mark, size);
    }
    void close() {
        const Open o = open_.back();
        open_.pop_back();
        if (o.anchor) sizes_[o.anchor] = o.size;
        add(o.mark, o.size);
    }
    void add(const YAML::Mark& mark, std::size_t size) {
        std::size_t& into = open_.empty() ? total_ : open_.back().size;
        into = into > limit_ || size > limit_ ? limit_ + 1 : into + size;
        if (into > limit_ || total_ > limit_)
            throw YamlInputError(at(file_, mark) + ": the YAML expands to more than " + std::to_string(limit_) +
                                 " nodes (aliases of aliases?); a scenario or parameter file never needs that many");
    }

    std::size_t limit_;
    std::string file_;
    std::size_t total_ = 0;
    std::vector<Open> open_;
    std::map<YAML::anchor_t, std::size_t> sizes_;
};

// Every map with each key once. Walks the tree as parsed: aliases were bounded above.
void check_keys(const YAML::Node& node, const std::string& file) {
    if (node.IsMap()) {
        std::map<std::string, YAML::Mark> seen;
        for (const auto& kv : node) {
            if (kv.first.IsScalar()) {
                const std::string key = kv.first.Scalar();
                const auto [it, fresh] = seen.emplace(key, kv.first.Mark());
                if (!fresh)
                    throw YamlInputError(at(file, kv.first.Mark()) + ": key '" + key + "' given twice in one map (first at line " +
                                         std::to_string(it->second.line + 1) + "); which one was meant?");
            }
            check_keys(kv.second, file);
        }
    } else if (node.IsSequence()) {
        for (const auto& item : node) check_keys(item, file);
    }
}

}  // namespace

YAML::Node load(const std::string& text, const std::string& file, const Limits& limits) {
    if (text.size() > limits.max_bytes)
        throw YamlInputError(file + ": " + std::to_string(text.size()) + " bytes, more than the " +
                             std::to_string(limits.max_bytes) + " an input file may have");
    try {
        std::istringstream events(text);
        YAML::Parser parser(events);
        ExpandedSize size(limits.max_nodes, file);
        while (parser.HandleNextDocument(size)) {
        }
        YAML::Node root = YAML::Load(text);
        check_keys(root, file);
        return root;
    } catch (const YAML::ParserException& e) {
        throw YamlInputError(file + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
    }
}

}  // namespace bmshil::rig::yaml
