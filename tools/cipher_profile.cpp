#include "tools/cipher_profile.hpp"

#include <cctype>

#include "crypto/cipher_names.hpp"
#include "handlers/names.hpp"
#include "tools/config_flags.hpp"

namespace rai::tool {
namespace {

using handlers::envelope_encoding;
using handlers::envelope_layout;

outcome<void> apply_config(const parsed_args& a, const std::optional<gateway::gateway_config>& cfg,
                           cipher_profile& p) {
  const auto source = a.last("--source");
  const auto target = a.last("--target");
  if (!cfg) {
    if (target) return usage_error("--target KIND needs --config FILE");
    return {};  // --source alone only names the source in a URL (send)
  }
  if (source && target) return usage_error("give --source or --target, not both");
  if (source) {
    auto s = find_source(*cfg, *source);
    if (!s) return s.error();
    p.mode = (*s)->mode;
    p.keys = (*s)->keys;
    p.layout = (*s)->layout;
    p.encoding = (*s)->encoding;
    p.iv_header = (*s)->iv_header;
    return {};
  }
  if (target) {
    auto t = find_target(*cfg, *target);
    if (!t) return t.error();
    p.mode = (*t)->mode;
    p.keys.clear();
    if ((*t)->key) p.keys.push_back(*(*t)->key);
    p.layout = (*t)->layout;
    p.encoding = (*t)->encoding;
    p.iv_header = (*t)->iv_header;
    return {};
  }
  return usage_error("--config FILE needs --source NAME or --target KIND to pick the settings");
}

outcome<void> apply_flags(const parsed_args& a, cipher_use use, cipher_profile& p) {
  const bool sending = use == cipher_use::sending;
  if (a.has("--key")) {
    p.keys.clear();
    for (const auto& text : a.all("--key")) {
      auto key = crypto::parse_key(text);
      if (!key) {
        return usage_error(
            "--key is not a valid AES-256 key: give 32 characters, hex:<64 hex digits> or "
            "base64:<base64 of 32 bytes>");
      }
      p.keys.push_back(*key);
    }
  }
  if (const auto v = a.last("--mode")) {
    const auto m = crypto::cipher_mode_from_loose_name(*v);
    if (!m) return usage_error("--mode must be aes-256-gcm or aes-256-cbc, not '" + *v + "'");
    p.mode = *m;
  }
  if (const auto v = a.last("--layout")) {
    const auto l = handlers::layout_from_name(*v, handlers::name_use::receiving);
    if (!l) return usage_error("--layout must be json, compact, raw, header-iv or auto");
    if (sending && *l == envelope_layout::auto_detect) {
      return usage_error("--layout auto only makes sense when decrypting");
    }
    p.layout = *l;
  }
  if (const auto v = a.last("--encoding")) {
    const auto e = handlers::encoding_from_name(*v, handlers::name_use::receiving);
    if (!e) return usage_error("--encoding must be base64, hex or auto");
    if (sending && *e == envelope_encoding::auto_detect) {
      return usage_error("--encoding auto only makes sense when decrypting");
    }
    p.encoding = *e;
  }
  if (const auto v = a.last("--iv-header")) {
    if (v->empty()) return usage_error("--iv-header must not be empty");
    p.iv_header.clear();
    for (const char c : *v) {
      p.iv_header += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return {};
}

}  // namespace

outcome<cipher_profile> cipher_profile_from(const parsed_args& a,
                                            const std::optional<gateway::gateway_config>& cfg,
                                            cipher_use use) {
  const bool sending = use == cipher_use::sending;
  cipher_profile p;
  p.layout = sending ? envelope_layout::json : envelope_layout::auto_detect;
  p.encoding = sending ? envelope_encoding::base64 : envelope_encoding::auto_detect;
  if (auto r = apply_config(a, cfg, p); !r) return r.error();
  // A receiving-side "auto" from a source's config means "what a sender would
  // send by default" when this tool is the sender.
  if (sending && p.layout == envelope_layout::auto_detect) p.layout = envelope_layout::json;
  if (sending && p.encoding == envelope_encoding::auto_detect) {
    p.encoding = envelope_encoding::base64;
  }
  if (auto r = apply_flags(a, use, p); !r) return r.error();
  return p;
}

outcome<cipher_profile> keyed_profile_from(const parsed_args& a, cipher_use use) {
  const auto cfg = config_from_flags(a);
  if (!cfg) return cfg.error();
  auto profile = cipher_profile_from(a, *cfg, use);
  if (!profile) return profile.error();
  if (profile->keys.empty()) {
    return usage_error(
        "a key is needed: --key KEY, or --config with a source or target that has one");
  }
  return profile;
}

}  // namespace rai::tool
