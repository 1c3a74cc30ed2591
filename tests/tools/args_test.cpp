#include "tools/args.hpp"

#include <gtest/gtest.h>

#include <array>

namespace rai::tool {
namespace {

const arg_spec spec{{"--key", "--id", "--count"}, {"--json"}};

TEST(Args, ValuesSwitchesAndRepeats) {
  const std::array<std::string_view, 7> argv = {"--key", "k1", "--id=a",  "--json",
                                                "--id",  "b",  "--key=k2"};
  const auto a = parsed_args::parse(argv, spec);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->has("--json"));
  EXPECT_FALSE(a->has("--count"));
  EXPECT_EQ(a->last("--key"), "k2");
  EXPECT_EQ(a->all("--id"), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(a->help());
}

TEST(Args, EmptyValueWithEquals) {
  const std::array<std::string_view, 1> argv = {"--id="};
  const auto a = parsed_args::parse(argv, spec);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->last("--id"), "");
}

TEST(Args, Help) {
  const std::array<std::string_view, 2> argv = {"--key", "-h"};
  // "-h" is taken as --key's value: a value always follows its flag.
  const auto a = parsed_args::parse(argv, spec);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->help());
  const std::array<std::string_view, 1> help = {"--help"};
  EXPECT_TRUE(parsed_args::parse(help, spec)->help());
}

TEST(Args, UsageErrors) {
  const std::array<std::string_view, 1> unknown = {"--nope"};
  const auto u = parsed_args::parse(unknown, spec);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, exit_usage);
  EXPECT_NE(u.error().message.find("--nope"), std::string::npos);

  const std::array<std::string_view, 1> missing = {"--key"};
  EXPECT_FALSE(parsed_args::parse(missing, spec));
  const std::array<std::string_view, 1> switch_value = {"--json=1"};
  EXPECT_FALSE(parsed_args::parse(switch_value, spec));
  const std::array<std::string_view, 1> positional = {"extra"};
  EXPECT_FALSE(parsed_args::parse(positional, spec));
  EXPECT_TRUE(parsed_args::parse(positional, spec, /*positionals_allowed=*/true));
}

TEST(Args, Numbers) {
  EXPECT_EQ(*parse_number("--count", "42", 1, 100), 42u);
  EXPECT_FALSE(parse_number("--count", "0", 1, 100));
  EXPECT_FALSE(parse_number("--count", "101", 1, 100));
  EXPECT_FALSE(parse_number("--count", "4x", 1, 100));
  EXPECT_FALSE(parse_number("--count", "", 1, 100));
  EXPECT_FALSE(parse_number("--count", "-1", 0, 100));
  const std::array<std::string_view, 0> none{};
  EXPECT_EQ(*number_flag(*parsed_args::parse(none, spec), "--count", 7, 1, 10), 7u);
}

}  // namespace
}  // namespace rai::tool
