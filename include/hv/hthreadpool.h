#ifndef HV_THREAD_POOL_H_
#define HV_THREAD_POOL_H_

/*
 * hthreadpool.h (C++) - HThreadPool, an elastic pool of worker threads.
 *
 *   HThreadPool pool(1, 4);                 // 1..4 threads
 *   std::future<int> f = pool.commit(add, 1, 2);
 *   f.get();                                // 3
 *
 * The pool starts min_thread_num threads (on start() or on the first
 * commit), adds one whenever a task is queued and no thread is idle (up to
 * max_thread_num), and retires threads that stayed idle for max_idle_time
 * ms while more than min_thread_num are alive.  stop() (also run by the
 * destructor) lets running tasks finish, joins every thread and keeps
 * queued tasks for a later start().
 */

#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <utility>

/* std::thread::hardware_concurrency(), or 1 when it is unknown (0). */
inline int hvh_thread_pool_default_max_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : (int)n;
}

#define DEFAULT_THREAD_POOL_MIN_THREAD_NUM  1
#define DEFAULT_THREAD_POOL_MAX_THREAD_NUM  hvh_thread_pool_default_max_threads()
#define DEFAULT_THREAD_POOL_MAX_IDLE_TIME   60000 /* ms */

class HThreadPool {
public:
    using Task = std::function<void()>;

    HThreadPool(int min_threads = DEFAULT_THREAD_POOL_MIN_THREAD_NUM,
                int max_threads = DEFAULT_THREAD_POOL_MAX_THREAD_NUM,
                int max_idle_ms = DEFAULT_THREAD_POOL_MAX_IDLE_TIME)
        : min_thread_num(min_threads)
        , max_thread_num(max_threads)
        , max_idle_time(max_idle_ms)
        , status(STOP)
        , cur_thread_num(0)
        , idle_thread_num(0) {}

    virtual ~HThreadPool() {
        stop();
    }

    HThreadPool(const HThreadPool&) = delete;
    HThreadPool& operator=(const HThreadPool&) = delete;

    void setMinThreadNum(int min_threads) {
        min_thread_num = min_threads;
    }

    void setMaxThreadNum(int max_threads) {
        max_thread_num = max_threads;
    }

    void setMaxIdleTime(int ms) {
        max_idle_time = ms;
    }

    int currentThreadNum() {
        return cur_thread_num;
    }

    int idleThreadNum() {
        return idle_thread_num;
    }

    size_t taskNum() {
        std::lock_guard<std::mutex> guard(task_mutex);
        return tasks.size();
    }

    bool isStarted() {
        return status != STOP;
    }

    bool isStopped() {
        return status == STOP;
    }

    /* Starts max(start_threads, min_thread_num) threads, at most
     * max_thread_num.  Returns -1 if the pool is already started. */
    int start(int start_threads = 0) {
        {
            std::lock_guard<std::mutex> guard(task_mutex);
            if (status != STOP) return -1;
            status = RUNNING;
        }
        int n = start_threads < min_thread_num ? min_thread_num : start_threads;
        if (n > max_thread_num) n = max_thread_num;
        for (int i = 0; i < n; ++i) {
            createThread();
        }
        return 0;
    }

    /* Waits for running tasks, joins all threads.  Queued tasks stay
     * queued.  Returns -1 if the pool is not started.  Must not be called
     * from one of the pool's own tasks. */
    int stop() {
        {
            std::lock_guard<std::mutex> guard(task_mutex);
            if (status == STOP) return -1;
            status = STOP;
        }
        task_cond.notify_all();
        std::list<ThreadData> all;
        {
            std::lock_guard<std::mutex> guard(thread_mutex);
            all.swap(threads);
        }
        joinAll(all);
        cur_thread_num = 0;
        idle_thread_num = 0;
        return 0;
    }

    /* Queued tasks wait until resume(); running tasks go on. */
    int pause() {
        std::lock_guard<std::mutex> guard(task_mutex);
        if (status == RUNNING) status = PAUSE;
        return 0;
    }

    int resume() {
        {
            std::lock_guard<std::mutex> guard(task_mutex);
            if (status == PAUSE) status = RUNNING;
        }
        task_cond.notify_all();
        return 0;
    }

    /* Blocks until the queue is empty and no task is running (or the pool
     * is stopped). */
    int wait() {
        while (status != STOP) {
            {
                std::lock_guard<std::mutex> guard(task_mutex);
                if (tasks.empty() && idle_thread_num == cur_thread_num) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return 0;
    }

    /*
     * Queues fn(args...) (arguments are bound by value, as std::bind
     * does) and returns a future for its result; a stopped pool is
     * started first.
     *   commit(fn, args...)
     *   commit(std::bind(&Class::method, &obj))
     */
    template<class Fn, class... Args>
    auto commit(Fn&& fn, Args&&... args) -> std::future<decltype(fn(args...))> {
        typedef decltype(fn(args...)) RetType;
        if (status == STOP) start();
        std::shared_ptr<std::packaged_task<RetType()> > job =
            std::make_shared<std::packaged_task<RetType()> >(
                std::bind(std::forward<Fn>(fn), std::forward<Args>(args)...));
        std::future<RetType> result = job->get_future();
        size_t pending = 0;
        {
            std::lock_guard<std::mutex> guard(task_mutex);
            tasks.push(Task([job]() { (*job)(); }));
            pending = tasks.size();
        }
        int idle = idle_thread_num;
        if ((idle < 0 || (size_t)idle < pending) && cur_thread_num < max_thread_num) {
            createThread();
        }
        task_cond.notify_one();
        return result;
    }

protected:
    /* Adds one worker thread unless max_thread_num are running. */
    bool createThread() {
        std::lock_guard<std::mutex> guard(thread_mutex);
        if (cur_thread_num >= max_thread_num) return false;
        ++cur_thread_num;
        ++idle_thread_num;
        ThreadData data;
        data.status = RUNNING;
        data.start_time = time(NULL);
        data.stop_time = 0;
        /* thread_mutex is held, so the worker cannot look for its entry
         * before it is in the list. */
        try {
            data.thread = std::make_shared<std::thread>([this]() { workerLoop(); });
        } catch (...) {
            --cur_thread_num;
            --idle_thread_num;
            return false;
        }
        data.id = data.thread->get_id();
        threads.push_back(data);
        return true;
    }

    /* Kept for subclasses: registers an already running thread. */
    void addThread(std::thread* thread) {
        std::lock_guard<std::mutex> guard(thread_mutex);
        ++cur_thread_num;
        ++idle_thread_num;
        ThreadData data;
        data.thread = std::shared_ptr<std::thread>(thread);
        data.id = thread->get_id();
        data.status = RUNNING;
        data.start_time = time(NULL);
        data.stop_time = 0;
        threads.push_back(data);
    }

    /* Called by a retiring worker: marks its entry finished and joins
     * the workers that retired before it. */
    void delThread(std::thread::id id) {
        std::list<ThreadData> finished;
        {
            std::lock_guard<std::mutex> guard(thread_mutex);
            --cur_thread_num;
            --idle_thread_num;
            std::list<ThreadData>::iterator it = threads.begin();
            while (it != threads.end()) {
                if (it->id == id) {
                    it->status = STOP;
                    it->stop_time = time(NULL);
                    ++it;
                } else if (it->status == STOP) {
                    std::list<ThreadData>::iterator next = it;
                    ++next;
                    finished.splice(finished.end(), threads, it);
                    it = next;
                } else {
                    ++it;
                }
            }
        }
        joinAll(finished);
    }

public:
    int min_thread_num;
    int max_thread_num;
    int max_idle_time;

protected:
    enum Status {
        STOP,
        RUNNING,
        PAUSE,
    };

    struct ThreadData {
        std::shared_ptr<std::thread> thread;
        std::thread::id id;
        Status          status;
        time_t          start_time;
        time_t          stop_time;
    };

    std::atomic<Status>     status;
    std::atomic<int>        cur_thread_num;
    std::atomic<int>        idle_thread_num;
    std::list<ThreadData>   threads;
    std::mutex              thread_mutex;
    std::queue<Task>        tasks;
    std::mutex              task_mutex;
    std::condition_variable task_cond;

private:
    static void joinAll(std::list<ThreadData>& list) {
        for (std::list<ThreadData>::iterator it = list.begin(); it != list.end(); ++it) {
            if (!it->thread || !it->thread->joinable()) continue;
            if (it->thread->get_id() == std::this_thread::get_id()) {
                it->thread->detach();
            } else {
                it->thread->join();
            }
        }
        list.clear();
    }

    /* delThread() for the calling worker, but only while more than
     * min_thread_num threads are alive.  Retirements are serialised, so
     * two idle workers cannot both retire the last spare thread. */
    bool retireSelf() {
        std::lock_guard<std::mutex> serial(retire_mutex);
        if (cur_thread_num <= min_thread_num) return false;
        delThread(std::this_thread::get_id());
        return true;
    }

    std::mutex retire_mutex;

    void workerLoop() {
        for (;;) {
            Task task;
            {
                std::unique_lock<std::mutex> lock(task_mutex);
                std::function<bool()> has_work = [this]() {
                    return status == STOP || (status == RUNNING && !tasks.empty());
                };
                bool ready = true;
                if (max_idle_time > 0) {
                    ready = task_cond.wait_for(lock, std::chrono::milliseconds(max_idle_time), has_work);
                } else {
                    task_cond.wait(lock, has_work);   /* no idle limit */
                }
                if (status == STOP) return;
                if (!ready) {
                    /* idle for max_idle_time: retire if above the minimum */
                    lock.unlock();
                    if (retireSelf()) return;
                    continue;
                }
                task = std::move(tasks.front());
                tasks.pop();
                --idle_thread_num;
            }
            if (task) task();
            ++idle_thread_num;
        }
    }
};

#endif /* HV_THREAD_POOL_H_ */
