#ifndef HV_CHANNEL_HPP_
#define HV_CHANNEL_HPP_

#include <string>
#include <functional>
#include <memory>
#include <atomic>

#include "hloop.h"
#include "hsocket.h"
#include "hlog.h"

#include "Buffer.h"
#include "EventLoop.h"

namespace hv {

/*
 * One connection. Every method is safe from any thread and after the connection closed
 * (writes then return -1). Reading is always on: messages arrive through onMessage.
 */
class Channel {
public:
    enum Status {
        OPENED,
        CONNECTING,
        CONNECTED,
        DISCONNECTED,
        CLOSED
    };

    /* Wraps a connection of the C ABI, taking a reference to it. */
    Channel(hio_t* io = NULL) : io_(io ? hv_channel_clone(io) : NULL), ctx_(NULL) {}

    virtual ~Channel() {
        hv_channel_free(io_);
    }

    hio_t* io() { return const_cast<hio_t*>(io_); }
    int fd() { return hv_channel_fd(io_); }
    uint32_t id() { return hv_channel_id(io_); }
    int error() { return hv_channel_error(io_); }

    /* raw context: the caller owns what it stores */
    void* context() { return ctx_; }
    void setContext(void* ctx) { ctx_ = ctx; }
    template<class T> T* newContext() {
        ctx_ = new T;
        return (T*)ctx_;
    }
    template<class T> T* getContext() { return (T*)ctx_; }
    template<class T> void deleteContext() {
        if (ctx_) {
            delete (T*)ctx_;
            ctx_ = NULL;
        }
    }

    /* shared context: released with the channel */
    std::shared_ptr<void> contextPtr() { return contextPtr_; }
    void setContextPtr(const std::shared_ptr<void>& ctx) { contextPtr_ = ctx; }
    void setContextPtr(std::shared_ptr<void>&& ctx) { contextPtr_ = std::move(ctx); }
    template<class T> std::shared_ptr<T> newContextPtr() {
        contextPtr_ = std::make_shared<T>();
        return std::static_pointer_cast<T>(contextPtr_);
    }
    template<class T> std::shared_ptr<T> getContextPtr() {
        return std::static_pointer_cast<T>(contextPtr_);
    }
    void deleteContextPtr() { contextPtr_.reset(); }

    bool isOpened() { return io_ != NULL && hv_channel_is_opened(io_); }
    bool isClosed() { return !isOpened(); }

    /* Reading never stops in hv-rs; these report whether the channel is open. */
    int startRead() { return isOpened() ? 0 : -1; }
    int stopRead() { return isOpened() ? 0 : -1; }
    int readOnce() { return startRead(); }
    int readString() { return startRead(); }
    int readLine() { return startRead(); }
    int readBytes(int len) { return len > 0 ? startRead() : -1; }

    /* Thread-safe; returns size (all bytes accepted) or -1 when closed or over the limit. */
    int write(const void* data, int size) {
        // The library refuses a closed channel itself: no second call to ask first.
        if (size < 0) return -1;
        return hv_channel_write(io_, data, (size_t)size);
    }

    int write(Buffer* buf) { return write(buf->data(), (int)buf->size()); }

    int write(const std::string& str) { return write(str.data(), (int)str.size()); }

    void setReadBuf(void* buf, size_t len) { (void)buf; (void)len; }
    void setMaxReadBufsize(uint32_t size) { (void)size; }
    void setMaxWriteBufsize(uint32_t size) { hv_channel_set_max_write_bufsize(io_, size); }
    size_t writeBufsize() { return hv_channel_write_bufsize(io_); }
    bool isWriteComplete() { return writeBufsize() == 0; }

    /* Thread-safe; queued output is flushed first. -1 if already closed. */
    int close(bool async = false) {
        (void)async;
        if (isClosed()) return -1;
        hv_channel_close(io_);
        return 0;
    }

protected:
    const hv_channel*       io_;
    void*                   ctx_;
    std::shared_ptr<void>   contextPtr_;

private:
    Channel(const Channel&);
    Channel& operator=(const Channel&);
};

typedef std::shared_ptr<Channel> ChannelPtr;

namespace detail {

inline void runHeartbeat(void* userdata) noexcept {
    guarded("a heartbeat callback", [userdata] { (*static_cast<std::function<void()>*>(userdata))(); });
}

inline void deleteHeartbeat(void* userdata) noexcept {
    delete static_cast<std::function<void()>*>(userdata);
}

} // namespace detail

class SocketChannel : public Channel {
public:
    SocketChannel(hio_t* io) : Channel(io) {}
    virtual ~SocketChannel() {}

    /* TLS is configured on the server or client (withTLS); these report it. */
    int enableSSL() { return -1; }
    bool isSSL() { return false; }

    /* Timeouts (ms; <= 0 removes): each expiry closes the connection with ETIMEDOUT. */
    void setConnectTimeout(int timeout_ms) { (void)timeout_ms; }
    void setCloseTimeout(int timeout_ms) { hv_channel_set_close_timeout(io_, timeout_ms); }
    void setReadTimeout(int timeout_ms) { hv_channel_set_read_timeout(io_, timeout_ms); }
    void setWriteTimeout(int timeout_ms) { hv_channel_set_write_timeout(io_, timeout_ms); }
    void setKeepaliveTimeout(int timeout_ms) { hv_channel_set_keepalive_timeout(io_, timeout_ms); }

    /* fn runs every interval_ms on the loop thread until the connection closes. */
    void setHeartbeat(int interval_ms, std::function<void()> fn) {
        if (interval_ms <= 0 || !fn) {
            hv_channel_set_heartbeat(io_, 0, NULL, NULL, NULL);
            return;
        }
        hv_channel_set_heartbeat(io_, interval_ms, detail::runHeartbeat,
                                 new std::function<void()>(fn), detail::deleteHeartbeat);
    }

    /* The setting is copied (libhv keeps the caller's pointer). */
    void setUnpack(unpack_setting_t* setting) {
        if (setting == NULL) {
            hv_channel_set_unpack(io_, NULL);
            return;
        }
        hv_unpack_setting s = hv_unpack_setting_from(setting);
        if (hv_channel_set_unpack(io_, &s) != HV_OK) {
            hloge("setUnpack: invalid unpack setting");
        }
    }

    bool isConnected() { return io_ != NULL && hv_channel_is_connected(io_); }

    std::string localaddr() { return addr(hv_channel_localaddr); }
    std::string peeraddr() { return addr(hv_channel_peeraddr); }

private:
    std::string addr(size_t (*get)(const hv_channel*, char*, size_t)) {
        char buf[SOCKADDR_STRLEN] = {0};
        get(io_, buf, sizeof(buf));
        return buf;
    }
};

typedef std::shared_ptr<SocketChannel> SocketChannelPtr;

namespace detail {

template<class TSocketChannel>
inline void deleteChannelHolder(void* userdata) noexcept {
    delete static_cast<std::shared_ptr<TSocketChannel>*>(userdata);
}

template<class TSocketChannel>
inline void copyChannelHolder(void* ctx, void* userdata) noexcept {
    if (userdata) {
        *static_cast<std::shared_ptr<TSocketChannel>*>(ctx) = *static_cast<std::shared_ptr<TSocketChannel>*>(userdata);
    }
}

/*
 * The C++ object of a connection, made on its first use and released after its last callback.
 * Returned by value, copied while the library keeps the holder alive, so any thread may use it
 * (the loop thread may free the holder at any moment). NULL for a connection whose callbacks
 * are over and that never had one.
 */
template<class TSocketChannel>
inline std::shared_ptr<TSocketChannel> channelHolder(const hv_channel* ch) {
    typedef std::shared_ptr<TSocketChannel> Ptr;
    // Inside the connection's own callback the holder stays attached until the callback returns.
    if (void* held = hv_channel_callback_userdata(ch)) return *static_cast<Ptr*>(held);
    Ptr result;
    hv_channel_visit_userdata(ch, copyChannelHolder<TSocketChannel>, &result);
    if (result) return result;
    Ptr made = std::make_shared<TSocketChannel>(const_cast<hio_t*>(ch));
    // `made` is our copy: once handed over, the holder belongs to the loop, which may free it.
    if (hv_channel_set_userdata(ch, new Ptr(made), deleteChannelHolder<TSocketChannel>) == HV_OK) {
        return made;
    }
    // Another thread attached one first, or the connection is over (then there is none).
    hv_channel_visit_userdata(ch, copyChannelHolder<TSocketChannel>, &result);
    return result;
}

/* Hands a connection's bytes to onMessage / onWriteComplete as a Buffer view. */
template<class TSocketChannel>
inline void deliverData(const char* what,
                        const std::function<void(const std::shared_ptr<TSocketChannel>&, Buffer*)>& fn,
                        const hv_channel* ch, const uint8_t* data, size_t len) noexcept {
    guarded(what, [&] {
        if (!fn) return;
        Buffer buf((void*)data, len);
        // Borrowed, not copied, when attached already: it outlives this callback.
        if (void* held = hv_channel_callback_userdata(ch)) {
            fn(*static_cast<const std::shared_ptr<TSocketChannel>*>(held), &buf);
            return;
        }
        std::shared_ptr<TSocketChannel> channel = channelHolder<TSocketChannel>(ch);
        if (channel) fn(channel, &buf);
    });
}

} // namespace detail

} // namespace hv

#endif // HV_CHANNEL_HPP_
