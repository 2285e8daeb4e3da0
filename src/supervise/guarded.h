// Internal to supervise/: a loop callback that runs only if the object it
// belongs to (which holds a shared_ptr<Owner*> to itself) still exists when
// the loop gets to it.
#pragma once

#include <memory>
#include <utility>

namespace tend::supervise {

template <typename Owner, typename Function>
auto guarded(const std::shared_ptr<Owner*>& self, Function function)
{
    return [weak = std::weak_ptr<Owner*>(self), function](auto&&... args) {
        if (auto alive = weak.lock())
            function(**alive, std::forward<decltype(args)>(args)...);
    };
}

}  // namespace tend::supervise
