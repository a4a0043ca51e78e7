#ifndef HV_TCP_CLIENT_HPP_
#define HV_TCP_CLIENT_HPP_

#include "hsocket.h"
#include "hssl.h"
#include "hlog.h"

#include "EventLoopThread.h"
#include "Channel.h"

namespace hv {

/*
 * One outbound connection on the given loop (or a new one that the caller runs). Callbacks run
 * on that loop's thread; a failed connect calls onConnection with isConnected() false.
 */
template<class TSocketChannel = SocketChannel>
class TcpClientEventLoopTmpl {
public:
    typedef std::shared_ptr<TSocketChannel> TSocketChannelPtr;

    TcpClientEventLoopTmpl(EventLoopPtr loop = NULL) {
        loop_ = loop ? loop : std::make_shared<EventLoop>();
        init(hv_tcp_client_new(loop_->cLoop()));
    }

    virtual ~TcpClientEventLoopTmpl() {
        hv_tcp_client_free(client_);
        HV_FREE(tls_setting);
        HV_FREE(reconn_setting);
        HV_FREE(unpack_setting);
    }

    const EventLoopPtr& loop() { return loop_; }

    /* Thread-safe destruction on the client's own loop. */
    void deleteInLoop() {
        loop_->runInLoop([this]() {
            delete this;
        });
    }

    /* Resolves the peer (blocking) and makes the socket. @retval > 0 fd, < 0 error */
    int createsocket(int remote_port, const char* remote_host = "127.0.0.1") {
        int fd = -1;
        hv_tcp_client_createsocket(client_, remote_port, remote_host, &fd);
        this->remote_host = remote_host ? remote_host : "127.0.0.1";
        this->remote_port = remote_port;
        if (fd >= 0) sockaddr_set_ipport(&remote_addr, this->remote_host.c_str(), remote_port);
        return fd;
    }

    /* Call after createsocket. */
    int bind(int local_port, const char* local_host = "0.0.0.0") {
        return hv_tcp_client_bind(client_, local_port, local_host) == HV_OK ? 0 : -1;
    }

    /* Thread-safe: closes for good (reconnect is cleared first). */
    void closesocket() {
        HV_FREE(reconn_setting);
        hv_tcp_client_closesocket(client_);
    }

    int startConnect() {
        applySettings();
        return hv_tcp_client_start(client_, true) == HV_OK ? 0 : -1;
    }

    void start() { startConnect(); }

    bool isConnected() { return hv_tcp_client_is_connected(client_); }

    /* Thread-safe; -1 unless connected. */
    int send(const void* data, int size) {
        if (size < 0) return -1;
        return hv_tcp_client_send(client_, data, (size_t)size);
    }
    int send(Buffer* buf) { return send(buf->data(), (int)buf->size()); }
    int send(const std::string& str) { return send(str.data(), (int)str.size()); }

    int withTLS(hssl_ctx_opt_t* opt = NULL) {
        tls = true;
        if (opt) {
            opt->endpoint = HSSL_CLIENT;
            if (tls_setting == NULL) {
                HV_ALLOC_SIZEOF(tls_setting);
            }
            *tls_setting = *opt;
        }
        return 0;
    }

    void setConnectTimeout(int ms) { connect_timeout = ms; }

    /* Copied; NULL disables reconnect (and cancels a pending retry). Takes effect at once. */
    void setReconnect(reconn_setting_t* setting) {
        if (setting == NULL) {
            HV_FREE(reconn_setting);
            hv_tcp_client_set_reconnect(client_, NULL);
            return;
        }
        if (reconn_setting == NULL) {
            HV_ALLOC_SIZEOF(reconn_setting);
        }
        *reconn_setting = *setting;
        hv_reconn_setting s = hv_reconn_setting_from(reconn_setting);
        hv_tcp_client_set_reconnect(client_, &s);
    }

    bool isReconnect() { return reconn_setting && reconn_setting->cur_retry_cnt > 0; }

    void setUnpack(unpack_setting_t* setting) {
        if (setting) {
            if (unpack_setting == NULL) {
                HV_ALLOC_SIZEOF(unpack_setting);
            }
            *unpack_setting = *setting;
        } else {
            HV_FREE(unpack_setting);
        }
    }

public:
    TSocketChannelPtr       channel;

    std::string             remote_host;
    int                     remote_port;
    sockaddr_u              remote_addr;
    int                     connect_timeout;
    bool                    tls;
    hssl_ctx_opt_t*         tls_setting;
    reconn_setting_t*       reconn_setting;
    unpack_setting_t*       unpack_setting;
    // Callbacks: assign before start().
    std::function<void(const TSocketChannelPtr&)>           onConnection;
    std::function<void(const TSocketChannelPtr&, Buffer*)>  onMessage;
    // Runs on the loop thread when queued bytes reach the socket (set before start).
    std::function<void(const TSocketChannelPtr&, Buffer*)>  onWriteComplete;

protected:
    struct OwnThread {};
    /* With no loop, the library gives the client a loop thread of its own. */
    TcpClientEventLoopTmpl(EventLoopPtr loop, OwnThread) {
        init(hv_tcp_client_new(loop ? loop->cLoop() : NULL));
        loop_ = loop ? loop : EventLoop::fromC(hv_tcp_client_loop(client_));
    }

    hv_tcp_client*  client_;
    EventLoopPtr    loop_;

private:
    void init(hv_tcp_client* client) {
        client_ = client;
        remote_port = 0;
        memset(&remote_addr, 0, sizeof(remote_addr));
        connect_timeout = HIO_DEFAULT_CONNECT_TIMEOUT;
        tls = false;
        tls_setting = NULL;
        reconn_setting = NULL;
        unpack_setting = NULL;
    }

protected:
    void applySettings() {
        // onWriteComplete costs an event per write: registered only when set, as libhv does.
        hv_tcp_client_set_callbacks(client_, onConnectionTrampoline, onMessageTrampoline,
                                    onWriteComplete ? onWriteCompleteTrampoline : NULL, this, NULL);
        hv_tcp_client_set_connect_timeout(client_, connect_timeout);
        if (unpack_setting) {
            hv_unpack_setting s = hv_unpack_setting_from(unpack_setting);
            if (hv_tcp_client_set_unpack(client_, &s) != HV_OK) hloge("TcpClient: invalid unpack setting");
        } else {
            hv_tcp_client_set_unpack(client_, NULL);
        }
        if (tls) {
            hssl_ctx_opt_t none;
            memset(&none, 0, sizeof(none));
            hv_tls_options o = hv_tls_options_from(tls_setting ? tls_setting : &none);
            if (hv_tcp_client_set_tls(client_, &o) != HV_OK) {
                char msg[256];
                hv_last_error(msg, sizeof(msg));
                hloge("TcpClient: TLS setup failed: %s", msg);
            }
        } else {
            hv_tcp_client_set_tls(client_, NULL);
        }
    }

private:
    static TcpClientEventLoopTmpl* self(void* userdata) {
        return static_cast<TcpClientEventLoopTmpl*>(userdata);
    }

    static void onConnectionTrampoline(void* userdata, const hv_channel* ch) noexcept {
        detail::guarded("onConnection", [userdata, ch] {
            TcpClientEventLoopTmpl* cli = self(userdata);
            TSocketChannelPtr channel = detail::channelHolder<TSocketChannel>(ch);
            if (!channel) return;
            cli->channel = channel;
            hv_reconn_setting state;
            if (cli->reconn_setting && hv_tcp_client_get_reconnect(cli->client_, &state)) {
                cli->reconn_setting->cur_delay = state.cur_delay;
                cli->reconn_setting->cur_retry_cnt = state.cur_retry_cnt;
            }
            if (cli->onConnection) cli->onConnection(channel);
        });
    }

    static void onMessageTrampoline(void* userdata, const hv_channel* ch, const uint8_t* data, size_t len) noexcept {
        detail::deliverData<TSocketChannel>("onMessage", self(userdata)->onMessage, ch, data, len);
    }

    static void onWriteCompleteTrampoline(void* userdata, const hv_channel* ch, const uint8_t* data, size_t len) noexcept {
        detail::deliverData<TSocketChannel>("onWriteComplete", self(userdata)->onWriteComplete, ch, data, len);
    }

    TcpClientEventLoopTmpl(const TcpClientEventLoopTmpl&);
    TcpClientEventLoopTmpl& operator=(const TcpClientEventLoopTmpl&);
};

/* A TcpClient with a loop thread of its own (or running the given loop on one). */
template<class TSocketChannel = SocketChannel>
class TcpClientTmpl : public TcpClientEventLoopTmpl<TSocketChannel> {
    typedef TcpClientEventLoopTmpl<TSocketChannel> Base;
public:
    TcpClientTmpl(EventLoopPtr loop = NULL)
        : Base(loop, typename Base::OwnThread()), external_(loop != NULL) {}

    virtual ~TcpClientTmpl() {
        stop(true);
    }

    /* Returns once the loop runs, before the connection exists. */
    void start(bool wait_threads_started = true) {
        if (external_ && !this->loop_->isRunning() && !loop_thread_) {
            loop_thread_ = std::make_shared<EventLoopThread>(this->loop_);
            loop_thread_->start(wait_threads_started);
        }
        this->applySettings();
        hv_tcp_client_start(this->client_, wait_threads_started);
    }

    /* closesocket, then stops the client's own loop thread. */
    void stop(bool wait_threads_stopped = true) {
        HV_FREE(this->reconn_setting);
        hv_tcp_client_stop(this->client_, wait_threads_stopped);
        if (loop_thread_) loop_thread_->stop(wait_threads_stopped);
    }

private:
    bool                external_;
    EventLoopThreadPtr  loop_thread_;
};

typedef TcpClientTmpl<SocketChannel> TcpClient;

} // namespace hv

#endif // HV_TCP_CLIENT_HPP_
