#ifndef HV_HVRS_RELOAD_H_
#define HV_HVRS_RELOAD_H_

/*
 * hv-rs: what runs after a configuration reload (hmain's SIGNAL_RELOAD), on the reload
 * thread. A C++ HttpService serving a running server registers its publish here, so fields
 * the reload assigned directly reach the server. C++ only.
 */

#include <functional>
#include <map>
#include <mutex>

namespace hv {
namespace detail {

struct ReloadListeners {
    std::mutex mutex;
    std::map<const void*, std::function<void()>> listeners;
};

/* One registry per program; never destroyed, so a static destructor may still unregister. */
inline ReloadListeners& reloadListeners() {
    static ReloadListeners* registry = new ReloadListeners;
    return *registry;
}

inline void addReloadListener(const void* key, const std::function<void()>& fn) {
    ReloadListeners& r = reloadListeners();
    std::lock_guard<std::mutex> guard(r.mutex);
    r.listeners[key] = fn;
}

/* Returns once no listener of `key` runs, so its owner may be destroyed. */
inline void removeReloadListener(const void* key) {
    ReloadListeners& r = reloadListeners();
    std::lock_guard<std::mutex> guard(r.mutex);
    r.listeners.erase(key);
}

inline void runReloadListeners() {
    ReloadListeners& r = reloadListeners();
    std::lock_guard<std::mutex> guard(r.mutex);
    for (auto& l : r.listeners) l.second();
}

} // namespace detail
} // namespace hv

#endif // HV_HVRS_RELOAD_H_
