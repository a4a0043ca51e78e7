#ifndef HV_SCOPE_H_
#define HV_SCOPE_H_

/*
 * hscope.h (C++) - scope guards.
 *
 *   FILE* fp = fopen(...);
 *   defer(fclose(fp));           // runs when the enclosing block ends
 *
 *   ScopeFree<char> f(buf);      // free(buf) at scope exit
 *   ScopeDelete<Foo> d(foo);     // delete foo
 *   ScopeLock<std::mutex> l(m);  // m.lock() now, m.unlock() at scope exit
 */

#include <functional>
#include <utility>

#include "hdef.h"

typedef std::function<void()> Function;

/* Runs a callable when destroyed, like Go's defer. */
class Defer {
public:
    Defer(Function&& fn) : _fn(std::move(fn)) {}
    Defer(Defer&& other) : _fn(std::move(other._fn)) { other._fn = nullptr; }
    ~Defer() {
        if (_fn) _fn();
    }

    Defer(const Defer&) = delete;
    Defer& operator=(const Defer&) = delete;

private:
    Function _fn;
};

/* `code` may be one or more statements; a trailing ';' is optional. */
#define defer(code) Defer STRINGCAT(hvh_defer_, __LINE__)([&]() { code; });

/* Calls fn(args...) when destroyed; the arguments are bound (copied) now. */
class ScopeCleanup {
public:
    template<typename Fn, typename... Args>
    ScopeCleanup(Fn&& fn, Args&&... args)
        : _cleanup(std::bind(std::forward<Fn>(fn), std::forward<Args>(args)...)) {}

    ~ScopeCleanup() {
        if (_cleanup) _cleanup();
    }

    ScopeCleanup(const ScopeCleanup&) = delete;
    ScopeCleanup& operator=(const ScopeCleanup&) = delete;

private:
    Function _cleanup;
};

/* free() the pointer at scope exit. */
template<typename T>
class ScopeFree {
public:
    ScopeFree(T* p) : _p(p) {}
    ~ScopeFree() { SAFE_FREE(_p); }

private:
    T* _p;
};

/* delete the pointer at scope exit. */
template<typename T>
class ScopeDelete {
public:
    ScopeDelete(T* p) : _p(p) {}
    ~ScopeDelete() { SAFE_DELETE(_p); }

private:
    T* _p;
};

/* delete[] the pointer at scope exit. */
template<typename T>
class ScopeDeleteArray {
public:
    ScopeDeleteArray(T* p) : _p(p) {}
    ~ScopeDeleteArray() { SAFE_DELETE_ARRAY(_p); }

private:
    T* _p;
};

/* p->release() at scope exit. */
template<typename T>
class ScopeRelease {
public:
    ScopeRelease(T* p) : _p(p) {}
    ~ScopeRelease() { SAFE_RELEASE(_p); }

private:
    T* _p;
};

/* lock() on construction, unlock() at scope exit. */
template<typename T>
class ScopeLock {
public:
    ScopeLock(T& mutex) : _mutex(mutex) { _mutex.lock(); }
    ~ScopeLock() { _mutex.unlock(); }

private:
    T& _mutex;
};

#endif /* HV_SCOPE_H_ */
