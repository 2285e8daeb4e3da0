// Reading app-file values: the checks every setting shares. Errors say why,
// without a location; the parser adds file:line:col.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "base/result.h"
#include "base/units.h"
#include "spec/settings.h"

namespace tend::spec {

// "expected a string, found an integer"
Error wrong_type(const toml::node& node, std::string_view expected);
Result<std::string> as_string(const toml::node& node);
Result<Duration> as_duration(const toml::node& node);
Result<std::vector<std::string>> as_string_list(const toml::node& node);
// A string split into argv like a shell splits words (nothing expanded), or an array taken as the argv.
Result<std::vector<std::string>> as_command(const toml::node& node);
// { KEY = "value" }: names follow the variable-name rule of names.h (no '=',
// not empty), values are strings without NUL bytes; anything else is refused.
Result<std::map<std::string, std::string>> as_env_table(const toml::node& node);
// A path from the app file, absolute (relative ones are taken from the file's directory).
std::string absolute(const SettingContext& context, std::string path);

}  // namespace tend::spec
