#include "tools/replay_headers.hpp"

namespace rai::tool {

bool dropped_on_replay(std::string_view header) noexcept {
  return header == "x-attempt" || header == "x-last-status" || header == "x-last-error" ||
         header == "x-dead-reason" || header == replayed_at_header;
}

}  // namespace rai::tool
