#include "redis/errc.hpp"

#include <string>

namespace rai::redis {
namespace {

class redis_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rai.redis"; }
  std::string message(int ev) const override {
    switch (static_cast<redis_errc>(ev)) {
      case redis_errc::bad_url:
        return "invalid Redis URL";
      case redis_errc::connect_timeout:
        return "connect timed out";
      case redis_errc::timeout:
        return "reply timed out";
      case redis_errc::connection_closed:
        return "connection closed";
      case redis_errc::protocol_error:
        return "protocol error";
      case redis_errc::auth_failed:
        return "authentication refused";
      case redis_errc::select_failed:
        return "SELECT refused";
      case redis_errc::too_many_pending:
        return "too many commands pending";
    }
    return "unknown redis error";
  }
};

}  // namespace

const boost::system::error_category& redis_category() noexcept {
  static const redis_category_impl category;
  return category;
}

}  // namespace rai::redis
