// Secret files (docs/configuration.md *_file settings, server.tls_key_file): refused when
// others may read them or their group write them. The TLS key's case is in
// tests/gateway/tls_server_context_test.cpp.

#include "config/secret_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace rai::gateway {
namespace {

namespace fs = std::filesystem;

TEST(SecretFile, ModeRule) {
  for (unsigned m : {0600u, 0400u, 0640u, 0440u, 0700u, 0200u})
    EXPECT_FALSE(unsafe_secret_mode(m)) << std::oct << m;
  for (unsigned m : {0644u, 0604u, 0602u, 0601u, 0660u, 0620u, 0666u, 0777u})
    EXPECT_TRUE(unsafe_secret_mode(m)) << std::oct << m;
  EXPECT_NE(unsafe_secret_mode(0644)->find("mode 0644"), std::string::npos);
}

TEST(SecretFile, ReadRefusesAnOpenFileAndReadsAPrivateOne) {
  const auto dir = fs::temp_directory_path() / "rai-secret-file-test";
  fs::create_directories(dir);
  const auto f = dir / "secret";
  std::ofstream(f) << "s3cret";
  std::string problem;
  fs::permissions(f, static_cast<fs::perms>(0644));
  EXPECT_FALSE(read_secret_file("x.y_file", f.string(), problem));
  EXPECT_NE(problem.find("x.y_file: refusing " + f.string()), std::string::npos) << problem;
  fs::permissions(f, static_cast<fs::perms>(0600));
  problem.clear();
  auto content = read_secret_file("x.y_file", f.string(), problem);
  ASSERT_TRUE(content) << problem;
  EXPECT_EQ(*content, "s3cret");
  EXPECT_FALSE(read_secret_file("x.y_file", (dir / "missing").string(), problem));
  EXPECT_NE(problem.find("cannot read"), std::string::npos) << problem;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rai::gateway
