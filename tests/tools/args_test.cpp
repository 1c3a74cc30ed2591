#include "tools/args.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <array>
#include <filesystem>
#include <fstream>

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

// Secrets need not be on the command line (ps, shell history): --NAME-file
// and --NAME-env give the same value to --NAME.
const arg_spec secret_spec{{"--key", "--api-key", "--amqp-url", "--id"}, {}};

class ArgsSecret : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rai-args-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& content, unsigned mode = 0600) {
    const auto p = dir_ / name;
    std::ofstream(p) << content;
    std::filesystem::permissions(p, static_cast<std::filesystem::perms>(mode));
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ArgsSecret, FileAndEnvFormsGiveTheValue) {
  const std::string keys = file("keys", "key-one\r\n\nkey-two\n");
  const std::string api = file("api", "the-api-key\n");
  ::setenv("RAI_ARGS_TEST_URL", "amqp://u:pw@h:5672/v", 1);
  const std::vector<std::string> argv_s = {"--key-file", keys, "--api-key-file=" + api,
                                           "--amqp-url-env", "RAI_ARGS_TEST_URL"};
  const std::vector<std::string_view> argv(argv_s.begin(), argv_s.end());
  const auto a = parsed_args::parse(argv, secret_spec);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->all("--key"), (std::vector<std::string>{"key-one", "key-two"}));
  EXPECT_EQ(a->last("--api-key"), "the-api-key");
  EXPECT_EQ(a->last("--amqp-url"), "amqp://u:pw@h:5672/v");
  EXPECT_TRUE(a->has("--key"));
  ::unsetenv("RAI_ARGS_TEST_URL");
}

TEST_F(ArgsSecret, Problems) {
  auto fails = [&](std::vector<std::string> argv_s, const std::string& says) {
    const std::vector<std::string_view> argv(argv_s.begin(), argv_s.end());
    const auto a = parsed_args::parse(argv, secret_spec);
    ASSERT_FALSE(a) << argv_s[0];
    EXPECT_EQ(a.error().code, exit_usage);
    EXPECT_NE(a.error().message.find(says), std::string::npos) << a.error().message;
    for (const auto& arg : argv_s)  // never the secret itself
      if (arg.starts_with("s3cret")) {
        EXPECT_EQ(a.error().message.find(arg), std::string::npos);
      }
  };
  fails({"--api-key-file", file("open", "s3cret\n", 0644)}, "refusing");
  fails({"--api-key-file", (dir_ / "missing").string()}, "cannot read");
  fails({"--api-key-file", file("empty", "\n")}, "is empty");
  fails({"--api-key-file", file("two", "s3cret-a\ns3cret-b\n")}, "more than one line");
  ::unsetenv("RAI_ARGS_TEST_UNSET");
  fails({"--api-key-env", "RAI_ARGS_TEST_UNSET"}, "RAI_ARGS_TEST_UNSET' is not set");
  fails({"--api-key", "s3cret", "--api-key-file", file("one", "s3cret-x\n")},
        "give one of --api-key, --api-key-file or --api-key-env");
  ::setenv("RAI_ARGS_TEST_KEY", "s3cret-k", 1);
  fails({"--key-env", "RAI_ARGS_TEST_KEY", "--key-file", file("k", "s3cret-y\n")},
        "give one of --key");
  ::unsetenv("RAI_ARGS_TEST_KEY");
  // Only declared secret flags have the other forms.
  fails({"--id-file", file("id", "x\n")}, "unknown option '--id-file'");
  fails({"--api-key-file"}, "needs a value");
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
