#include "handlers/names.hpp"

namespace rai::handlers {
namespace {

// "auto" first: sending uses the rest.
constexpr std::array<name_entry<envelope_layout>, 5> layouts{{
    {"auto", envelope_layout::auto_detect},
    {"json", envelope_layout::json},
    {"compact", envelope_layout::compact},
    {"raw", envelope_layout::raw},
    {"header-iv", envelope_layout::header_iv},
}};
constexpr std::array<name_entry<envelope_encoding>, 3> encodings{{
    {"auto", envelope_encoding::auto_detect},
    {"base64", envelope_encoding::base64},
    {"hex", envelope_encoding::hex},
}};

template <class T, std::size_t N>
std::span<const name_entry<T>> for_use(const std::array<name_entry<T>, N>& all, name_use use) {
  return std::span<const name_entry<T>>(all).subspan(use == name_use::sending ? 1 : 0);
}

}  // namespace

std::span<const name_entry<envelope_layout>> layout_names(name_use use) noexcept {
  return for_use(layouts, use);
}

std::span<const name_entry<envelope_encoding>> encoding_names(name_use use) noexcept {
  return for_use(encodings, use);
}

std::string_view layout_name(envelope_layout l) noexcept {
  return names::name_of(std::span<const name_entry<envelope_layout>>(layouts), l);
}

std::string_view encoding_name(envelope_encoding e) noexcept {
  return names::name_of(std::span<const name_entry<envelope_encoding>>(encodings), e);
}

std::optional<envelope_layout> layout_from_name(std::string_view text, name_use use) noexcept {
  return names::value_of(layout_names(use), text);
}

std::optional<envelope_encoding> encoding_from_name(std::string_view text, name_use use) noexcept {
  return names::value_of(encoding_names(use), text);
}

}  // namespace rai::handlers
