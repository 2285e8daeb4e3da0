#include "os/library.h"

#include <dlfcn.h>
#include <fmt/format.h>

namespace tend::os {

Result<Library> Library::open(const std::string& name)
{
    void* handle = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* reason = ::dlerror();
        return Error(fmt::format("cannot load {}: {}", name, reason != nullptr ? reason : "unknown error"));
    }
    return Library(handle);
}

Result<void*> Library::symbol(const char* name) const
{
    ::dlerror();
    void* address = ::dlsym(m_handle, name);
    if (address == nullptr)
        return Error(fmt::format("symbol {} not found", name));
    return address;
}

}  // namespace tend::os
