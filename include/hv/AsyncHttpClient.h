#ifndef HV_ASYNC_HTTP_CLIENT_H_
#define HV_ASYNC_HTTP_CLIENT_H_

/*
 * AsyncHttpClient.h (C++) - an HTTP client whose response callbacks run on one event loop.
 *
 *   hv::AsyncHttpClient cli;                // its own loop thread
 *   cli.send(req, [](const HttpResponsePtr& resp) { ... });   // resp NULL on failure
 *
 * hv-rs sends through the library's HTTP client (requests.h) and hands each answer to the
 * loop, so callbacks run on the loop's thread, in the order the answers arrive. With a loop
 * given, the program runs that loop; destroying the client does not stop it. Callbacks of
 * answers that arrive after the loop stopped do not run.
 */

#include <stdint.h>

#include <list>
#include <memory>

#include "htime.h"
#include "EventLoop.h"
#include "EventLoopThread.h"
#include "HttpMessage.h"
#include "HttpClient.h"
#include "HttpParser.h"

namespace hv {

/* A FIFO of idle connections (libhv keeps one per peer address). */
template<typename Conn>
class ConnPool {
public:
    int size() { return (int)conns_.size(); }

    bool get(Conn& conn) {
        if (conns_.empty()) return false;
        conn = conns_.front();
        conns_.pop_front();
        return true;
    }

    bool add(const Conn& conn) {
        conns_.push_back(conn);
        return true;
    }

    bool remove(const Conn& conn) {
        for (typename std::list<Conn>::iterator it = conns_.begin(); it != conns_.end(); ++it) {
            if (*it == conn) {
                conns_.erase(it);
                return true;
            }
        }
        return false;
    }

private:
    std::list<Conn> conns_;
};

struct HttpClientTask {
    HttpRequestPtr          req;
    HttpResponseCallback    cb;
    uint64_t                start_time; /* gethrtime_us() when sent */
};
typedef std::shared_ptr<HttpClientTask> HttpClientTaskPtr;

class AsyncHttpClient {
public:
    AsyncHttpClient(EventLoopPtr loop = NULL) {
        if (loop) {
            loop_ = loop;
        } else {
            thread_.reset(new EventLoopThread());
            thread_->start(true);
            loop_ = thread_->loop();
        }
    }

    ~AsyncHttpClient() {
        if (thread_) thread_->stop(true);
    }

    AsyncHttpClient(const AsyncHttpClient&) = delete;
    AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

    /* Thread-safe. 0, or an error code (the callback then does not run). */
    int send(const HttpRequestPtr& req, HttpResponseCallback resp_cb) {
        HttpClientTaskPtr task = std::make_shared<HttpClientTask>();
        task->req = req;
        task->cb = std::move(resp_cb);
        task->start_time = gethrtime_us();
        return send(task);
    }

    int send(const HttpClientTaskPtr& task) {
        if (!task || !task->req) return HV_ERR_NULL_PARAMETER;
        EventLoopPtr loop = loop_;
        HttpClientTaskPtr t = task;
        return http_client_send_async(task->req, [loop, t](const HttpResponsePtr& resp) {
            loop->queueInLoop([t, resp]() {
                if (t->cb) t->cb(resp);
            });
        });
    }

private:
    EventLoopPtr loop_;
    std::unique_ptr<EventLoopThread> thread_;
};

} // namespace hv

#endif // HV_ASYNC_HTTP_CLIENT_H_
