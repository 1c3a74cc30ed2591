// amqps:// against the real TLS-only node of scripts/start-rabbitmq-tls
// (rai-tls, localhost:5691, verify_peer + fail_if_no_peer_cert, certificates
// in $RAI_TEST_STATE/tls): the session and the publisher publish with the
// right CA and client certificate and get confirms; an unrelated CA, a host
// name the certificate does not carry and a missing client certificate are
// each refused with an error naming the cause. And check_tls_files over the
// same certificates. CTest starts the node first (fixture amqp_tls_node);
// run by hand, the suite starts it itself when the port does not answer.

#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "amqp/publisher.hpp"
#include "amqp/session.hpp"
#include "amqp/tls.hpp"
#include "broker.hpp"

namespace rai::amqp {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int k_port = 5691;

fs::path state_dir() {
  const char* env = std::getenv("RAI_TEST_STATE");
  return fs::path(env != nullptr && env[0] != '\0' ? env : "/tmp/rai-test-services") / "tls";
}

std::string cert(const char* name) {
  return (state_dir() / name).string();
}

std::string url_for(const std::string& host) {
  return "amqps://guest:guest@" + host + ':' + std::to_string(k_port) + '/';
}

bool port_answers() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(k_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

tls_settings right_files() {
  return {cert("ca.pem"), cert("client.pem"), cert("client.key")};
}

class TlsBrokerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (port_answers() && fs::exists(state_dir() / "client.key")) return;
    const fs::path script = fs::path(RAI_SOURCE_DIR) / "scripts" / "start-rabbitmq-tls";
    ASSERT_EQ(std::system(script.c_str()), 0) << script;
  }

  static result<session> open(const std::string& host, const tls_settings& tls) {
    return session::open({{url_for(host)}, 5s, "rai-tls-test", tls});
  }

  static std::string refusal(const std::string& host, const tls_settings& tls) {
    auto s = open(host, tls);
    if (s) return "connected";
    return s.error().text;
  }
};

TEST_F(TlsBrokerTest, SessionPublishesWithTheRightCaAndClientCertificate) {
  auto opened = open("localhost", right_files());
  ASSERT_TRUE(opened) << opened.error().text;
  session s = std::move(*opened);
  const std::string queue = test::unique("rai-tls-test-");
  ASSERT_TRUE(s.declare_bound_queue(queue, "amq.direct", queue, 0));
  ASSERT_TRUE(s.enable_confirms());
  message m;
  m.exchange = "amq.direct";
  m.routing_key = queue;
  m.message_id = queue;
  m.body = "{\"over\":\"tls\"}";
  publish_status status = publish_status::unavailable;
  ASSERT_TRUE(s.publish(std::move(m), [&](publish_status st) { status = st; }));
  const auto confirmed = s.await_confirms();
  ASSERT_TRUE(confirmed) << confirmed.error().text;
  EXPECT_EQ(status, publish_status::confirmed);
  auto got = s.get(queue);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->body(), "{\"over\":\"tls\"}");
  EXPECT_TRUE(s.ack(**got));
}

TEST_F(TlsBrokerTest, PublisherConnectsAndGetsConfirms) {
  amqp_settings settings;
  settings.urls = {url_for("localhost")};
  settings.tls = right_files();
  settings.connection_name = "rai-tls-test-publisher";
  publisher p(settings);
  p.start();
  ASSERT_TRUE(test::wait_until([&] { return p.connected(); }, 10s));
  message m;
  m.exchange = settings.events_exchange;  // declared by the publisher; unrouted is confirmed
  m.routing_key = "rai.tls.test";
  m.message_id = test::unique("rai-tls-publisher-");
  m.body = "{}";
  std::promise<publish_status> done;
  p.publish(std::move(m), [&](publish_status st) { done.set_value(st); });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), publish_status::confirmed);
  p.stop();
}

TEST_F(TlsBrokerTest, AnUnrelatedCaIsRefusedNamingTheVerifyFailure) {
  tls_settings tls = right_files();
  tls.ca_file = cert("other-ca.pem");
  const std::string why = refusal("localhost", tls);
  // The node sends its chain up to its own CA, which nothing here trusts.
  EXPECT_NE(why.find("TLS handshake with localhost:5691: certificate verify failed: self-signed "
                     "certificate in certificate chain (is amqp.tls_ca_file the CA that signed "
                     "the broker's certificate?)"),
            std::string::npos)
      << why;
  EXPECT_EQ(why.find("guest:guest"), std::string::npos) << why;
}

TEST_F(TlsBrokerTest, WithoutACaFileTheSystemStoreDoesNotTrustTheBroker) {
  tls_settings tls = right_files();
  tls.ca_file.clear();
  const std::string why = refusal("localhost", tls);
  EXPECT_NE(why.find("certificate verify failed: self-signed certificate in certificate chain (no "
                     "CA of the system store signed it: set amqp.tls_ca_file"),
            std::string::npos)
      << why;
}

TEST_F(TlsBrokerTest, AnIpAddressTheCertificateDoesNotCarryIsRefused) {
  const std::string why = refusal("127.0.0.1", right_files());
  EXPECT_NE(why.find("TLS handshake with 127.0.0.1:5691: certificate verify failed: IP address "
                     "mismatch (the broker's certificate does not name 127.0.0.1"),
            std::string::npos)
      << why;
}

TEST_F(TlsBrokerTest, AHostNameTheCertificateDoesNotCarryIsRefused) {
  // This machine's own name, when it resolves to a loopback address (where
  // the node listens); the certificate carries DNS:localhost only.
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof name - 1), 0);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &found) != 0 || found == nullptr) {
    GTEST_SKIP() << "host name " << name << " does not resolve";
  }
  const auto* in = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  const bool loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  ::freeaddrinfo(found);
  if (!loopback || std::string(name) == "localhost") {
    GTEST_SKIP() << "host name " << name << " is not another name for loopback";
  }
  const std::string why = refusal(name, right_files());
  EXPECT_NE(why.find("certificate verify failed: hostname mismatch (the broker's certificate does "
                     "not name " +
                     std::string(name)),
            std::string::npos)
      << why;
}

TEST_F(TlsBrokerTest, WithoutAClientCertificateTheBrokerRefusesAndTheErrorSaysSo) {
  tls_settings tls;
  tls.ca_file = cert("ca.pem");
  const std::string why = refusal("localhost", tls);
  EXPECT_NE(why.find("TLS handshake with localhost:5691: the broker requires a client certificate "
                     "(set amqp.tls_cert_file and tls_key_file)"),
            std::string::npos)
      << why;
}

TEST_F(TlsBrokerTest, PlainAmqpPortSpokenToWithTlsIsNamed) {
  // The default broker's plain listener answers a ClientHello with its AMQP
  // protocol header.
  const auto s =
      session::open({{"amqps://guest:guest@localhost:5672/"}, 5s, "rai-tls-test", right_files()});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().text.find("TLS handshake with localhost:5672: "), std::string::npos)
      << s.error().text;
}

// ---- check_tls_files ----------------------------------------------------------

class TlsFilesTest : public TlsBrokerTest {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / test::unique("rai-tls-files-");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const char* name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(TlsFilesTest, TheScriptsFilesLoad) {
  EXPECT_TRUE(check_tls_files(right_files()).empty());
  EXPECT_TRUE(check_tls_files({}).empty());
  EXPECT_TRUE(check_tls_files({cert("ca.pem"), "", ""}).empty());
}

TEST_F(TlsFilesTest, AMissingFileIsNamedWithItsSetting) {
  const std::string missing = (dir_ / "missing.pem").string();
  const auto problems = check_tls_files({missing, cert("client.pem"), cert("client.key")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "amqp.tls_ca_file: " + missing + ": cannot read it (No such file or directory)");
  const auto key = check_tls_files({"", cert("client.pem"), missing});
  ASSERT_EQ(key.size(), 1u);
  EXPECT_EQ(key[0],
            "amqp.tls_key_file: " + missing + ": cannot read it (No such file or directory)");
}

TEST_F(TlsFilesTest, AFileThatIsNotPemIsRefused) {
  const std::string text = write("ca.txt", "not a certificate\n");
  const auto problems = check_tls_files({text, text, cert("client.key")});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "amqp.tls_ca_file: " + text + ": holds no PEM certificate");
  EXPECT_NE(problems[1].find("amqp.tls_cert_file: " + text + ": not a PEM certificate"),
            std::string::npos)
      << problems[1];
  // A key is PEM, but not a certificate.
  const auto key_as_ca = check_tls_files({cert("client.key"), "", ""});
  ASSERT_EQ(key_as_ca.size(), 1u);
  EXPECT_NE(key_as_ca[0].find("amqp.tls_ca_file: "), std::string::npos) << key_as_ca[0];
  // A broken PEM block after a good certificate.
  std::ifstream in(cert("ca.pem"));
  const std::string ca((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string broken =
      write("broken.pem", ca + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  const auto bad = check_tls_files({broken, "", ""});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("not a PEM certificate file"), std::string::npos) << bad[0];
}

TEST_F(TlsFilesTest, AKeyThatDoesNotMatchTheCertificateIsRefused) {
  const auto problems = check_tls_files({"", cert("client.pem"), cert("server.key")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "amqp.tls_key_file: " + cert("server.key") +
                             ": the key does not match the certificate in amqp.tls_cert_file " +
                             cert("client.pem"));
}

TEST_F(TlsFilesTest, AConnectionWithABadFileFailsBeforeConnecting) {
  tls_settings tls = right_files();
  tls.key_file = cert("server.key");
  const std::string why = refusal("localhost", tls);
  EXPECT_NE(why.find("amqp.tls_key_file: "), std::string::npos) << why;
  EXPECT_NE(why.find("does not match"), std::string::npos) << why;
}

}  // namespace
}  // namespace rai::amqp
