#pragma once

// A minimal JSON writer for the bench results files (no parsing, no DOM).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rai::bench {

class json_writer {
 public:
  json_writer();

  // `key` is ignored (and must be empty) inside arrays.
  json_writer& begin_object(std::string_view key = {});
  json_writer& end_object();
  json_writer& begin_array(std::string_view key);
  json_writer& end_array();

  json_writer& str(std::string_view key, std::string_view value);
  json_writer& num(std::string_view key, double value);  // non-finite → null
  json_writer& uint(std::string_view key, std::uint64_t value);
  json_writer& boolean(std::string_view key, bool value);

  const std::string& text() const noexcept { return out_; }

 private:
  void key(std::string_view k);
  json_writer& open(std::string_view k, char bracket, bool array);
  json_writer& close(char bracket);
  std::string out_;
  std::vector<bool> first_;     // per open container: nothing written yet
  std::vector<bool> in_array_;  // per open container
};

void append_json_string(std::string& out, std::string_view s);

// Writes `text` plus a newline to `path` (atomically: a temporary file then
// rename). Throws std::runtime_error naming the path.
void write_text_file(const std::string& path, std::string_view text);

}  // namespace rai::bench
