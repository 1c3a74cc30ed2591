// server.tls_key_file is a secret file (config/secret_file.hpp): the TLS
// listener refuses one that others may read, and a key that does not belong
// to the certificate.

#include "gateway/tls_server_context.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/http/tls_test_server.hpp"

namespace rai::gateway {
namespace {

namespace fs = std::filesystem;

TEST(SecretFile, TlsPrivateKeyReadableByOthersIsRefused) {
  const auto& pki = http_test::test_pki::get();
  const auto dir = fs::temp_directory_path() / "rai-secret-file-tls-test";
  fs::create_directories(dir);
  const auto key = dir / "server.key";
  fs::copy_file(pki.localhost.key, key, fs::copy_options::overwrite_existing);
  std::string error;
  fs::permissions(key, static_cast<fs::perms>(0644));
  EXPECT_FALSE(make_tls_server_context(pki.localhost.cert, key.string(), error));
  EXPECT_NE(error.find("server.tls_key_file: refusing"), std::string::npos) << error;
  fs::permissions(key, static_cast<fs::perms>(0600));
  error.clear();
  EXPECT_TRUE(make_tls_server_context(pki.localhost.cert, key.string(), error)) << error;
  // A key that does not belong to the certificate is still caught.
  const auto other = dir / "other.key";
  fs::copy_file(pki.other_name.key, other, fs::copy_options::overwrite_existing);
  fs::permissions(other, static_cast<fs::perms>(0600));
  EXPECT_FALSE(make_tls_server_context(pki.localhost.cert, other.string(), error));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rai::gateway
