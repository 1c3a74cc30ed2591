#pragma once

// Which dead commands `dlq replay` moves: all of them, or those whose
// message_id is one of the --id values (every copy of that id: an
// interrupted earlier replay may have left two).

#include <string>
#include <string_view>
#include <vector>

namespace rai::tool {

class replay_selection {
 public:
  static replay_selection everything() { return replay_selection(true, {}); }
  static replay_selection ids(std::vector<std::string> ids) {
    return replay_selection(false, std::move(ids));
  }

  // Whether to replay a message with this id; remembers which ids were seen.
  bool choose(std::string_view message_id);
  // The requested ids no message had, in the order given.
  std::vector<std::string> missing() const;

 private:
  replay_selection(bool all, std::vector<std::string> ids);
  bool all_;
  std::vector<std::string> ids_;
  std::vector<bool> seen_;
};

}  // namespace rai::tool
