#include <spdlog/spdlog.h>

#include <exception>

#include "spool/detail/state.hpp"

namespace rai::spool::detail {

void forward_wakeup::poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.notify_one();
}

void forward_wakeup::push(const result& r) {
  {
    std::lock_guard lock(mu_);
    results_.push_back(r);
  }
  cv_.notify_one();
}

void forward_wakeup::wait(clock::time_point until, std::vector<result>& out) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return poked_ || !results_.empty(); });
  poked_ = false;
  if (out.empty()) {
    out.swap(results_);
  } else {
    out.insert(out.end(), results_.begin(), results_.end());
    results_.clear();
  }
}

void run_spool_completion(const spool::completion& done, spool_status status,
                          spool_counters& counters) noexcept {
  counters.results[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  if (!done) return;
  try {
    done(status);
  } catch (const std::exception& e) {
    spdlog::error("spool: a completion threw: {}", e.what());
  } catch (...) {
    spdlog::error("spool: a completion threw");
  }
}

}  // namespace rai::spool::detail
