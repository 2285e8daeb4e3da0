// A release's `shared` paths: each is a symlink in the release to the copy
// kept across releases in shared/.
//
// Both sides are reached only through os::Beneath, so no symlink in the
// repository (`a -> /victim` with shared = ["a/data"]) and none planted in
// shared/ can make a deploy create, remove or copy anything outside the
// release or shared/. Only the last component in shared/ may be a symlink
// (an operator pointing `shared/uploads` at another disk): tend links to it
// and never writes through it.
//
// What a path becomes, by what the repository (R) and shared/ (S) hold:
//   S holds it (file, directory or symlink)  R's copy gives way; the link points to S's
//   S lacks it, R has a file                 the file is copied to S once (the seed), then linked
//   S lacks it, R has a directory or nothing an empty directory is made in S, then linked
//   R has a symlink, or a file where S has a directory (or the reverse): the deploy fails
#pragma once

#include <string>

#include "base/result.h"
#include "os/beneath.h"

namespace tend::deploy {

// Whether a file only the repository has is copied into shared/ (not for a --plan).
enum class Seed { Yes, No };

// Links `path` in `release` to the same path in `shared`. Returns a note for
// the deploy log when something was made in shared/ ("seeded from the
// repository"), else empty. Fails with the reason, naming the component.
Result<std::string> link_shared_path(
    const os::Beneath& release, const os::Beneath& shared, const std::string& path, Seed seed);

}  // namespace tend::deploy
