// Micro benchmarks of the decryption the inbound path runs per request:
// AES-256-GCM and AES-256-CBC over 1 KB and 64 KB ciphertexts (the crypto
// module's per-thread EVP_CIPHER_CTX, re-keyed on every call as in production).

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "bench/payloads.hpp"
#include "crypto/aes.hpp"
#include "crypto/key.hpp"

namespace {

using namespace rai;

crypto::aes_key bench_key() {
  auto k = crypto::parse_key("0123456789abcdef0123456789abcdef");
  if (!k) throw std::runtime_error("bad bench key");
  return *k;
}

std::string plaintext_of(std::size_t size) {
  return bench::event_payload(handlers::event_kind::message_posted, "micro-1", 1, size);
}

void gcm_decrypt(benchmark::State& state) {
  const auto key = bench_key();
  const std::array<std::uint8_t, 12> iv{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::string plain = plaintext_of(static_cast<std::size_t>(state.range(0)));
  std::string ct;
  std::string tag;
  if (!crypto::gcm_encrypt(key, iv, crypto::as_bytes(plain), ct, tag))
    throw std::runtime_error("gcm_encrypt failed");
  std::string out;
  out.reserve(plain.size() + 64);
  for (auto _ : state) {
    auto r = crypto::gcm_decrypt(key, iv, crypto::as_bytes(ct), crypto::as_bytes(tag), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

void cbc_decrypt(benchmark::State& state) {
  const auto key = bench_key();
  const std::array<std::uint8_t, 16> iv{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const std::string plain = plaintext_of(static_cast<std::size_t>(state.range(0)));
  std::string ct;
  if (!crypto::cbc_encrypt(key, iv, crypto::as_bytes(plain), ct))
    throw std::runtime_error("cbc_encrypt failed");
  std::string out;
  out.reserve(plain.size() + 64);
  for (auto _ : state) {
    auto r = crypto::cbc_decrypt(key, iv, crypto::as_bytes(ct), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

}  // namespace

BENCHMARK(gcm_decrypt)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(cbc_decrypt)->Arg(1024)->Arg(64 * 1024);
