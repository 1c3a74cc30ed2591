#include "bench/json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "handlers/json_text.hpp"

namespace rai::bench {

json_writer::json_writer() = default;

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  handlers::append_json_escaped(out, s);
  out += '"';
}

void json_writer::key(std::string_view k) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    if (!in_array_.back()) {
      append_json_string(out_, k);
      out_ += ':';
    }
  }
}

json_writer& json_writer::open(std::string_view k, char bracket, bool array) {
  key(k);
  out_ += bracket;
  first_.push_back(true);
  in_array_.push_back(array);
  return *this;
}

json_writer& json_writer::close(char bracket) {
  out_ += bracket;
  first_.pop_back();
  in_array_.pop_back();
  return *this;
}

json_writer& json_writer::begin_object(std::string_view k) {
  return open(k, '{', false);
}

json_writer& json_writer::end_object() {
  return close('}');
}

json_writer& json_writer::begin_array(std::string_view k) {
  return open(k, '[', true);
}

json_writer& json_writer::end_array() {
  return close(']');
}

json_writer& json_writer::str(std::string_view k, std::string_view value) {
  key(k);
  append_json_string(out_, value);
  return *this;
}

json_writer& json_writer::num(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    out_ += "null";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", value);
    out_ += buf;
  }
  return *this;
}

json_writer& json_writer::uint(std::string_view k, std::uint64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

json_writer& json_writer::boolean(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

void write_text_file(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text << '\n';
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

}  // namespace rai::bench
