// The one table of app-file settings. Each row gives a key's type, default and
// documentation, and the function that checks a value and stores it. Parsing,
// validation, the "did you mean" list and docs/app-file.md all come from it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <toml++/toml.h>

#include "base/result.h"
#include "spec/app_spec.h"

namespace tend::spec {

// Whether facts of this host are checked while reading the file: users and
// groups exist, programs and directories exist, secret files are readable.
// Environments other than the one being run are checked without them, so a
// production user or secret file need not exist where `tend check` runs.
enum class HostChecks { Yes, No };

// What a setting's apply function may need besides the value.
struct SettingContext {
    std::string directory;  // the app file's directory, for relative paths
    HostChecks host = HostChecks::Yes;
};

enum class Section {
    Top,  // top level of the file
    Process,  // [process.NAME]; Defaults rows also apply here
    Defaults,  // [defaults] and [process.NAME]
    Job,  // [job.NAME]; rows of the other sections marked `jobs` also apply here
    Deploy,  // [deploy]
};

struct Setting {
    std::string_view key;
    Section section;
    std::string_view type;
    std::string_view default_text;
    std::string_view doc;
    // Checks the value and stores it; the error text says why (no location: the caller adds it).
    Result<void> (*apply_process)(ProcessSpec&, const toml::node&, const SettingContext&);
    Result<void> (*apply_app)(AppSpec&, const toml::node&);
    Result<void> (*apply_job)(JobSpec&, const toml::node&, const SettingContext&) = nullptr;
    bool jobs = false;  // a Process or Defaults row that [job.NAME] accepts too (applied to JobSpec::process)
    Result<void> (*apply_deploy)(DeploySpec&, const toml::node&, const SettingContext&) = nullptr;
};

std::span<const Setting> settings();

// Keys valid in a section (for "did you mean").
std::vector<std::string> keys_for(Section section);
const Setting* find_setting(Section section, std::string_view key);

// The settings reference in Markdown, as checked in at docs/app-file.md.
std::string settings_reference();

}  // namespace tend::spec
