#ifndef HV_OBJECT_POOL_H_
#define HV_OBJECT_POOL_H_

/*
 * hobjectpool.h (C++) - HObjectPool, a bounded, thread-safe pool of
 * reusable objects held by std::shared_ptr, and HPoolObject, which borrows
 * one for the duration of a scope.
 *
 *   HObjectPool<Conn> pool(1, 4, 1000);  // 1 object now, at most 4, wait up to 1 s
 *   {
 *       HPoolObject<Conn> conn(pool);    // Borrow()
 *       if (conn) conn->query();
 *   }                                    // Return()
 *
 * Borrow() hands out an idle object, creates one (TFactory::create()) while
 * fewer than max_num exist, or else waits up to timeout ms (not at all when
 * timeout <= 0) for one to be returned; it gives NULL when none came.
 */

#include <stddef.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>

#define DEFAULT_OBJECT_POOL_INIT_NUM    0
#define DEFAULT_OBJECT_POOL_MAX_NUM     4
#define DEFAULT_OBJECT_POOL_TIMEOUT     3000 // ms

template<class T>
class HObjectFactory {
public:
    static T* create() {
        return new T;
    }
};

template<class T, class TFactory = HObjectFactory<T>>
class HObjectPool {
public:
    HObjectPool(int init_num = DEFAULT_OBJECT_POOL_INIT_NUM,
                int max_num = DEFAULT_OBJECT_POOL_MAX_NUM,
                int timeout = DEFAULT_OBJECT_POOL_TIMEOUT)
        : _object_num(0), _max_num(max_num), _timeout(timeout) {
        for (int i = 0; i < init_num; ++i) {
            T* p = TFactory::create();
            if (p) {
                idle_.push_back(std::shared_ptr<T>(p));
                ++_object_num;
            }
        }
    }

    HObjectPool(const HObjectPool&) = delete;
    HObjectPool& operator=(const HObjectPool&) = delete;

    /* Objects the pool accounts for: idle plus borrowed. */
    int ObjectNum() {
        std::lock_guard<std::mutex> lock(mutex_);
        return _object_num;
    }
    int IdleNum() {
        std::lock_guard<std::mutex> lock(mutex_);
        return (int)idle_.size();
    }
    int BorrowNum() {
        std::lock_guard<std::mutex> lock(mutex_);
        return _object_num - (int)idle_.size();
    }

    /* An idle object, or NULL; never creates or waits. */
    std::shared_ptr<T> TryBorrow() {
        std::lock_guard<std::mutex> lock(mutex_);
        return takeIdle();
    }

    std::shared_ptr<T> Borrow() {
        std::unique_lock<std::mutex> lock(mutex_);
        std::shared_ptr<T> obj = takeIdle();
        if (obj) return obj;
        if (_object_num < _max_num) {
            ++_object_num;
            lock.unlock(); // a slow factory must not block Return()
            T* p = TFactory::create();
            lock.lock();
            if (!p) {
                --_object_num;
                return std::shared_ptr<T>();
            }
            return std::shared_ptr<T>(p);
        }
        if (_timeout <= 0) return std::shared_ptr<T>();
        cond_.wait_for(lock, std::chrono::milliseconds(_timeout),
                       [this] { return !idle_.empty(); });
        return takeIdle();
    }

    /* Gives a borrowed object back (NULL is ignored). */
    void Return(std::shared_ptr<T>& pObj) {
        if (!pObj) return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            idle_.push_back(pObj);
        }
        cond_.notify_one();
    }

    /* Adopts an object made elsewhere as idle; false when the pool is full. */
    bool Add(std::shared_ptr<T>& pObj) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (_object_num >= _max_num) return false;
            idle_.push_back(pObj);
            ++_object_num;
        }
        cond_.notify_one();
        return true;
    }

    /* Drops an idle object from the pool; false when it is not idle here. */
    bool Remove(std::shared_ptr<T>& pObj) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (typename std::list<std::shared_ptr<T>>::iterator it = idle_.begin();
             it != idle_.end(); ++it) {
            if (*it == pObj) {
                idle_.erase(it);
                --_object_num;
                return true;
            }
        }
        return false;
    }

    /* Drops every idle object and forgets the borrowed ones (count back to 0). */
    void Clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        idle_.clear();
        _object_num = 0;
    }

    int _object_num;
    int _max_num;
    int _timeout;

private:
    std::shared_ptr<T> takeIdle() {
        std::shared_ptr<T> obj;
        if (!idle_.empty()) {
            obj = idle_.front();
            idle_.pop_front();
        }
        return obj;
    }

    std::list<std::shared_ptr<T>> idle_;
    std::mutex mutex_;
    std::condition_variable cond_;
};

/* Borrows an object from a pool on construction and returns it on destruction. */
template<class T, class TFactory = HObjectFactory<T>>
class HPoolObject {
public:
    typedef HObjectPool<T, TFactory> PoolType;

    HPoolObject(PoolType& pool) : pool_(pool), sptr_(pool.Borrow()) {}

    ~HPoolObject() {
        if (sptr_) pool_.Return(sptr_);
    }

    HPoolObject(const HPoolObject&) = delete;
    HPoolObject& operator=(const HPoolObject&) = delete;

    T* get() { return sptr_.get(); }
    operator bool() { return sptr_.get() != NULL; }
    T* operator->() { return sptr_.get(); }
    T operator*() { return *sptr_.get(); }

private:
    PoolType& pool_;
    std::shared_ptr<T> sptr_;
};

#endif // HV_OBJECT_POOL_H_
