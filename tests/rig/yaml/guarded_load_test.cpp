// YAML input as the rig reads it: a key given twice, aliases that expand past
// the limit, a file too large and a syntax error are each an error naming the
// file and line, before anything is walked.
#include <gtest/gtest.h>

#include <string>

#include "yaml/guarded_load.h"


namespace bmshil::rig::yaml {
namespace {

std::string error_of(const std::string& text, const Limits& limits = {}) {
    try {
        load(text, "f.yaml", limits);
    } catch (const YamlInputError& e) {
        return e.what();
    }
    return "";
}

TEST(GuardedLoad, AKeyGivenTwiceNamesBothLines) {
    EXPECT_EQ(error_of("name: a\nsteps: []\nname: b\n"),
              "f.yaml:3: key 'name' given twice in one map (first at line 1); which one was meant?");
    // In a nested map too; the same key in two maps is fine.
    EXPECT_NE(error_of("steps:\n  - {wait: 1 s, wait: 2 s}\n").find("f.yaml:2: key 'wait' given twice"), std::string::npos);
    EXPECT_EQ(error_of("a: {x: 1}\nb: {x: 2}\n"), "");
}

TEST(GuardedLoad, AliasesThatExpandPastTheLimitAreRefusedWithoutExpanding) {
    // Ten levels of ten aliases each: 10^10 nodes from under 600 bytes.
    std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
        bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k) bomb += (k ? ", *l" : "*l") + std::to_string(i - 1);
        bomb += "]\n";
    }
    EXPECT_LT(bomb.size(), 600u);
    const std::string e = error_of(bomb);
    EXPECT_NE(e.find("expands to more than 100000 nodes"), std::string::npos) << e;
    EXPECT_EQ(e.rfind("f.yaml:", 0), 0u) << e;
    // A few aliases are fine.
    EXPECT_EQ(error_of("base: &b {wait: 1 s}\nsteps: [*b, *b]\n"), "");
    Limits tight;
    tight.max_nodes = 20;
    EXPECT_NE(error_of("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a]\n", tight).find("more than 20 nodes"),
              std::string::npos);
}

TEST(GuardedLoad, SizeAndSyntax) {
    Limits small;
    small.max_bytes = 10;
    EXPECT_EQ(error_of("name: a long name\n", small), "f.yaml: 18 bytes, more than the 10 an input file may have");
    EXPECT_EQ(error_of("name: [a\n").rfind("f.yaml:", 0), 0u);
    EXPECT_NE(error_of("name: [a\n").find("YAML syntax"), std::string::npos);
    EXPECT_EQ(load("n: 3\n", "f.yaml")["n"].as<int>(), 3);
}

}  // namespace
}  // namespace bmshil::rig::yaml
