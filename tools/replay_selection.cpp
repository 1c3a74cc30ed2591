#include "tools/replay_selection.hpp"

namespace rai::tool {

replay_selection::replay_selection(bool all, std::vector<std::string> ids)
    : all_(all), ids_(std::move(ids)), seen_(ids_.size(), false) {}

bool replay_selection::choose(std::string_view message_id) {
  if (all_) return true;
  bool chosen = false;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == message_id) {
      seen_[i] = true;
      chosen = true;
    }
  }
  return chosen;
}

std::vector<std::string> replay_selection::missing() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (!seen_[i]) out.push_back(ids_[i]);
  }
  return out;
}

}  // namespace rai::tool
