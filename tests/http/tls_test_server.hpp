#pragma once

// Test-only helpers for the outbound HTTP client: a throwaway PKI generated at
// test time with the OpenSSL C API (nothing is checked in), and a small Beast
// server, plain or TLS, on a loopback port 0, that records what it receives
// and answers with scripted raw bytes.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/net.hpp"

namespace rai::gateway::http_test {

// ---------------------------------------------------------------------------
// Throwaway PKI

struct key_pair_files {
  std::string cert;
  std::string key;
};

struct test_pki {
  std::filesystem::path dir;
  std::string ca_file;         // the test CA certificate (PEM)
  key_pair_files localhost;    // SAN DNS:localhost, IP:127.0.0.1, signed by the CA
  key_pair_files other_name;   // SAN DNS:other.invalid only, signed by the CA
  std::string unrelated_file;  // a file that is not PEM at all

  // Generated once per process, removed at exit.
  static const test_pki& get() {
    static const std::unique_ptr<test_pki, void (*)(test_pki*)> pki(make(), [](test_pki* p) {
      std::error_code ec;
      std::filesystem::remove_all(p->dir, ec);
      delete p;
    });
    return *pki;
  }

 private:
  struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
  };
  using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
  using x509_ptr = std::unique_ptr<X509, x509_free>;

  static void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
  }

  static void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "extension");
    check(X509_add_ext(cert, ext, -1) == 1, "add extension");
    X509_EXTENSION_free(ext);
  }

  // issuer == nullptr: self-signed CA.
  static x509_ptr make_cert(EVP_PKEY* key, const char* cn, long serial, X509* issuer,
                            EVP_PKEY* issuer_key, const char* san) {
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509* x = cert.get();
    check(X509_set_version(x, 2) == 1, "version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr, "notAfter");
    check(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn), -1, -1, 0) == 1,
          "subject");
    check(X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) == 1, "issuer");
    check(X509_set_pubkey(x, key) == 1, "pubkey");
    X509* signer = issuer ? issuer : x;
    add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (issuer == nullptr) {
      add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
      add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
      add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
      add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE");
      add_ext(x, signer, NID_key_usage, "critical,digitalSignature");
      add_ext(x, signer, NID_ext_key_usage, "serverAuth");
      add_ext(x, signer, NID_subject_alt_name, san);
    }
    check(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "sign");
    return cert;
  }

  static void write_cert(const std::string& path, X509* cert) {
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "open cert file");
    const bool ok = PEM_write_X509(f, cert) == 1;
    std::fclose(f);
    check(ok, "write cert");
  }

  static void write_key(const std::string& path, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "open key file");
    const bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    check(ok, "write key");
  }

  static test_pki* make() {
    auto pki = std::make_unique<test_pki>();
    std::random_device rd;
    pki->dir = std::filesystem::temp_directory_path() /
               ("rai-http-client-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(pki->dir);
    auto file = [&](const char* name) { return (pki->dir / name).string(); };

    pkey_ptr ca_key(EVP_EC_gen("P-256"));
    pkey_ptr leaf_key(EVP_EC_gen("P-256"));
    pkey_ptr other_key(EVP_EC_gen("P-256"));
    check(ca_key && leaf_key && other_key, "EVP_EC_gen");

    x509_ptr ca = make_cert(ca_key.get(), "rai test CA", 1, nullptr, nullptr, nullptr);
    x509_ptr leaf = make_cert(leaf_key.get(), "localhost", 2, ca.get(), ca_key.get(),
                              "DNS:localhost,IP:127.0.0.1");
    x509_ptr other =
        make_cert(other_key.get(), "other.invalid", 3, ca.get(), ca_key.get(), "DNS:other.invalid");

    pki->ca_file = file("ca.pem");
    write_cert(pki->ca_file, ca.get());
    pki->localhost = {file("localhost.pem"), file("localhost.key")};
    write_cert(pki->localhost.cert, leaf.get());
    write_key(pki->localhost.key, leaf_key.get());
    pki->other_name = {file("other.pem"), file("other.key")};
    write_cert(pki->other_name.cert, other.get());
    write_key(pki->other_name.key, other_key.get());
    pki->unrelated_file = file("not-a-cert.pem");
    FILE* f = std::fopen(pki->unrelated_file.c_str(), "w");
    check(f != nullptr, "open junk file");
    std::fputs("this is not a certificate\n", f);
    std::fclose(f);
    return pki.release();
  }
};

// ---------------------------------------------------------------------------
// Scripted server

struct recorded_request {
  std::size_t connection = 0;  // index of the TCP connection it arrived on
  http_request message;
};

// What the server does with one complete request.
struct reply {
  std::string raw;     // bytes written back verbatim (may be empty)
  bool close = false;  // close the TCP connection after writing `raw`
  bool hang = false;   // write nothing, keep the connection open
};

inline std::string raw_response(unsigned status, std::string_view body,
                                std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Scripted\r\n";
  out += extra_headers;
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

class test_server {
 public:
  using script = std::function<reply(const recorded_request&)>;

  // Plain HTTP.
  explicit test_server(script s) : script_(std::move(s)) { start(); }

  // HTTPS with the given certificate chain and key.
  test_server(const key_pair_files& identity, script s) : script_(std::move(s)) {
    tls_.emplace(net::ssl::context::tls_server);
    tls_->use_certificate_chain_file(identity.cert);
    tls_->use_private_key_file(identity.key, net::ssl::context::pem);
    start();
  }

  ~test_server() {
    ioc_.stop();
    thread_.join();
  }

  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port() const { return port_; }

  // Everything the server observed so far.
  struct observed {
    std::vector<recorded_request> requests;
    std::size_t connections = 0;            // TCP connections accepted
    std::size_t closed_by_server = 0;       // connections the script closed
    std::size_t handshake_failures = 0;     // TLS handshakes that did not complete
    std::vector<std::string> server_names;  // SNI of each completed handshake
    std::string unparsed;  // bytes left in the buffer when a request failed to parse
  };

  observed seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  // Waits (bounded) until `pred` holds on what the server observed.
  bool wait_until(const std::function<bool(const observed&)>& pred,
                  std::chrono::milliseconds limit = std::chrono::seconds(3)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return pred(seen_); });
  }

 private:
  void start() {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  template <class F>
  void update(F&& f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    changed_.notify_all();
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      std::size_t index = 0;
      update([&] { index = seen_.connections++; });
      net::co_spawn(ioc_, session(std::move(socket), index), net::detached);
    }
  }

  net::awaitable<void> session(tcp::socket socket, std::size_t index) {
    if (!tls_) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, index);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls_);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_nothrow);
    if (ec) {
      update([&] { ++seen_.handshake_failures; });
      co_return;
    }
    beast::get_lowest_layer(stream).expires_never();
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    update([&] { seen_.server_names.push_back(sni ? sni : ""); });
    co_await serve(stream, index);
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream, std::size_t index) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (ec) {
        if (buffer.size() > 0)
          update([&] { seen_.unparsed += beast::buffers_to_string(buffer.data()); });
        co_return;
      }
      recorded_request request{index, parser.release()};
      const reply r = script_(request);
      update([&] { seen_.requests.push_back(std::move(request)); });
      if (r.hang) continue;
      if (!r.raw.empty()) {
        auto [wec, wn] = co_await net::async_write(stream, net::buffer(r.raw), use_nothrow);
        if (wec) co_return;
      }
      if (r.close) {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream).socket();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        update([&] { ++seen_.closed_by_server; });
        co_return;
      }
    }
  }

  script script_;
  std::optional<net::ssl::context> tls_;  // before ioc_: outlives every stream
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  observed seen_;
};

// A listener that accepts TCP connections and never reads or writes: a TLS
// client waiting for the ServerHello hangs on it.
class silent_server {
 public:
  silent_server() {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~silent_server() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) co_return;
      held_.push_back(std::move(socket));
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::vector<tcp::socket> held_;
  std::thread thread_;
};

}  // namespace rai::gateway::http_test
