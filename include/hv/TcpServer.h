#ifndef HV_TCP_SERVER_HPP_
#define HV_TCP_SERVER_HPP_

#include <string>
#include <vector>

#include "hsocket.h"
#include "hssl.h"
#include "hlog.h"
#include "herr.h"

#include "EventLoopThreadPool.h"
#include "Channel.h"

namespace hv {

/*
 * A TCP server whose acceptor runs on the given loop (or a new one that the caller runs). The
 * library accepts, balances connections over the worker loops and calls back on each
 * connection's loop thread: onConnection (connected), onMessage / onWriteComplete, then
 * onConnection (disconnected) exactly once.
 */
template<class TSocketChannel = SocketChannel>
class TcpServerEventLoopTmpl {
public:
    typedef std::shared_ptr<TSocketChannel> TSocketChannelPtr;

    TcpServerEventLoopTmpl(EventLoopPtr loop = NULL) {
        acceptor_loop = loop ? loop : std::make_shared<EventLoop>();
        init(hv_tcp_server_new(acceptor_loop->cLoop()));
    }

    virtual ~TcpServerEventLoopTmpl() {
        hv_tcp_server_free(server_);
        HV_FREE(tls_setting);
        HV_FREE(unpack_setting);
    }

    /* Worker loop idx (the first for an invalid idx; the acceptor's without workers). */
    EventLoopPtr loop(int idx = -1) {
        const hv_loop* l = hv_tcp_server_loop(server_, idx < 0 ? 0 : idx);
        if (l == NULL) l = hv_tcp_server_loop(server_, 0);
        if (l == NULL) return EventLoop::fromC(hv_tcp_server_acceptor_loop(server_));
        EventLoopPtr ptr = EventLoop::fromC(l);
        hv_loop_free(l);
        return ptr;
    }

    /* @retval >= 0 listenfd, < 0 a negative errno */
    int createsocket(int port, const char* host = "0.0.0.0") {
        int fd = -1;
        hv_tcp_server_createsocket(server_, port, host, &fd);
        this->host = host ? host : "0.0.0.0";
        this->port = port;
        listenfd = fd;
        return fd;
    }

    /* Thread-safe: stops listening; existing connections stay open. */
    void closesocket() {
        hv_tcp_server_closesocket(server_);
        listenfd = -1;
    }

    void setMaxConnectionNum(uint32_t num) { max_connections = num; }
    /* hv-rs: connections beyond `num` open from one client address are closed at accept
     * (0 = no cap); HV_TCP_PER_IP_CONNECTIONS wins when the server starts. */
    void setMaxConnectionsPerIp(uint32_t num) { hv_tcp_server_set_max_connections_per_ip(server_, num); }
    /* hv-rs: every connection starts with a PROXY v1/v2 header naming the client
     * (HV_TCP_PROXY_PROTOCOL wins when the server starts). */
    void setProxyProtocol(bool on) { hv_tcp_server_set_proxy_protocol(server_, on); }
    /* hv-rs: one knob by name, as the README's table lists the tcp_ ones
     * (setOption("tcp_handshake_timeout_ms", "5000")); applies from the next start, and its
     * HV_ environment variable wins. @retval 0 ok, -1 unknown name or bad value (logged) */
    int setOption(const char* name, const char* value) {
        if (hv_tcp_server_set_option(server_, name, value) == HV_OK) return 0;
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        hloge("setOption: %s", msg);
        return -1;
    }
    void setLoadBalance(load_balance_e lb) { load_balance = lb; }
    void setThreadNum(int num) { thread_num_ = num; }

    int startAccept() {
        if (!applySettings()) {
            closesocket();
            return ERR_NEW_SSL_CTX;
        }
        return hv_tcp_server_start(server_, true) == HV_OK ? 0 : -1;
    }

    int stopAccept() {
        closesocket();
        return 0;
    }

    /* A TLS or unpack setting that cannot be used closes the listener instead, as in libhv. */
    void start(bool wait_threads_started = true) {
        if (!applySettings()) {
            closesocket();
            return;
        }
        if (hv_tcp_server_start(server_, wait_threads_started) != HV_OK) {
            hloge("TcpServer start failed");
            return;
        }
        listenfd = hv_tcp_server_listenfd(server_);
    }

    /* Closes the listener and every connection; a stopped server cannot start again. */
    void stop(bool wait_threads_stopped = true) {
        hv_tcp_server_stop(server_, wait_threads_stopped);
        listenfd = -1;
    }

    /* The real listening port (useful after createsocket(0)). */
    int listenPort() { return hv_tcp_server_port(server_); }

    int withTLS(hssl_ctx_opt_t* opt = NULL) {
        tls = true;
        if (opt) {
            opt->endpoint = HSSL_SERVER;
            if (tls_setting == NULL) {
                HV_ALLOC_SIZEOF(tls_setting);
            }
            *tls_setting = *opt;
        }
        return 0;
    }

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

    /* The connection with this id, or NULL. */
    TSocketChannelPtr getChannelById(uint32_t id) {
        const hv_channel* ch = hv_tcp_server_channel(server_, id);
        if (ch == NULL) return NULL;
        TSocketChannelPtr result = detail::channelHolder<TSocketChannel>(ch);
        hv_channel_free(ch);
        return result;
    }

    size_t connectionNum() { return hv_tcp_server_connection_num(server_); }

    /*
     * fn runs on the calling thread for each connection open when the walk began, with no
     * library lock held: it may call any method (getChannelById, connectionNum, broadcast...),
     * while workers keep opening and closing connections. The channel stays usable during fn.
     */
    int foreachChannel(std::function<void(const TSocketChannelPtr& channel)> fn) {
        return (int)hv_tcp_server_foreach_channel(server_, visitChannel, &fn);
    }

    /* Thread-safe; returns the number of connections written to. */
    int broadcast(const void* data, int size) {
        if (size < 0) return -1;
        return (int)hv_tcp_server_broadcast(server_, data, (size_t)size);
    }

    int broadcast(const std::string& str) { return broadcast(str.data(), (int)str.size()); }

    /* hv-rs: serves opt's certificate to clients asking for hostname by SNI ("*.example.com"
     * covers one label); the others get withTLS's. The files are read at start, or now once
     * started. @retval 0 ok, -1 bad argument or file (logged) */
    int addSniCert(const char* hostname, hssl_ctx_opt_t* opt) {
        if (hostname == NULL || opt == NULL || opt->crt_file == NULL || opt->key_file == NULL) return -1;
        SniCert cert;
        cert.host = hostname;
        cert.crt_file = opt->crt_file;
        cert.key_file = opt->key_file;
        if (tls_applied_ && !applySni(cert)) return -1;
        sni_certs_.push_back(cert);
        return 0;
    }

    /* hv-rs: reads every certificate and key file again for the connections accepted from
     * now on; open ones keep going. On a bad file the old ones stay.
     * @retval 0 ok, -1 error (logged) */
    int reloadCertificates() {
        if (hv_tcp_server_reload_tls(server_) == HV_OK) return 0;
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        hloge("reloadCertificates: %s", msg);
        return -1;
    }

public:
    std::string             host;
    int                     port;
    int                     listenfd;
    bool                    tls;
    hssl_ctx_opt_t*         tls_setting;
    unpack_setting_t*       unpack_setting;
    // Callbacks: assign before start().
    std::function<void(const TSocketChannelPtr&)>           onConnection;
    std::function<void(const TSocketChannelPtr&, Buffer*)>  onMessage;
    // Runs on the connection's loop thread when queued bytes reach the socket (set before start).
    std::function<void(const TSocketChannelPtr&, Buffer*)>  onWriteComplete;

    uint32_t                max_connections;
    load_balance_e          load_balance;

protected:
    struct OwnThread {};
    /* With no loop, the library gives the acceptor a thread of its own. */
    TcpServerEventLoopTmpl(EventLoopPtr loop, OwnThread) : acceptor_loop(loop) {
        init(hv_tcp_server_new(loop ? loop->cLoop() : NULL));
    }

    EventLoopPtr            acceptor_loop;

private:
    struct SniCert {
        std::string host, crt_file, key_file;
    };

    bool applySni(const SniCert& cert) {
        hv_tls_options o;
        memset(&o, 0, sizeof(o));
        o.crt_file = cert.crt_file.c_str();
        o.key_file = cert.key_file.c_str();
        if (hv_tcp_server_add_sni_cert(server_, cert.host.c_str(), &o) == HV_OK) return true;
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        hloge("TcpServer: SNI certificate for %s: %s", cert.host.c_str(), msg);
        return false;
    }

    void init(hv_tcp_server* server) {
        server_ = server;
        tls_applied_ = false;
        port = 0;
        listenfd = -1;
        tls = false;
        tls_setting = NULL;
        unpack_setting = NULL;
        max_connections = 0xFFFFFFFF;
        load_balance = LB_RoundRobin;
        thread_num_ = (int)std::thread::hardware_concurrency();
    }

    bool applySettings() {
        // onWriteComplete costs an event per write: registered only when set, as libhv does.
        hv_tcp_server_set_callbacks(server_, onConnectionTrampoline, onMessageTrampoline,
                                    onWriteComplete ? onWriteCompleteTrampoline : NULL, this, NULL);
        hv_tcp_server_set_thread_num(server_, thread_num_);
        hv_tcp_server_set_load_balance(server_, (int)load_balance);
        hv_tcp_server_set_max_connections(server_, max_connections);
        if (unpack_setting) {
            hv_unpack_setting s = hv_unpack_setting_from(unpack_setting);
            if (hv_tcp_server_set_unpack(server_, &s) != HV_OK) {
                hloge("TcpServer: invalid unpack setting");
                return false;
            }
        } else {
            hv_tcp_server_set_unpack(server_, NULL);
        }
        if (tls) {
            if (tls_setting == NULL) {
                hloge("TcpServer: withTLS needs certificate options in hv-rs");
                return false;
            }
            hv_tls_options o = hv_tls_options_from(tls_setting);
            if (hv_tcp_server_set_tls(server_, &o) != HV_OK) {
                char msg[256];
                hv_last_error(msg, sizeof(msg));
                hloge("TcpServer: TLS setup failed: %s", msg);
                return false;
            }
            for (size_t i = 0; i < sni_certs_.size(); ++i) {
                if (!applySni(sni_certs_[i])) return false;
            }
            tls_applied_ = true;
        }
        return true;
    }

    static TcpServerEventLoopTmpl* self(void* userdata) {
        return static_cast<TcpServerEventLoopTmpl*>(userdata);
    }

    static void onConnectionTrampoline(void* userdata, const hv_channel* ch) noexcept {
        detail::guarded("onConnection", [userdata, ch] {
            TSocketChannelPtr channel = detail::channelHolder<TSocketChannel>(ch);
            if (channel && self(userdata)->onConnection) self(userdata)->onConnection(channel);
        });
    }

    static void onMessageTrampoline(void* userdata, const hv_channel* ch, const uint8_t* data, size_t len) noexcept {
        detail::deliverData<TSocketChannel>("onMessage", self(userdata)->onMessage, ch, data, len);
    }

    static void onWriteCompleteTrampoline(void* userdata, const hv_channel* ch, const uint8_t* data, size_t len) noexcept {
        detail::deliverData<TSocketChannel>("onWriteComplete", self(userdata)->onWriteComplete, ch, data, len);
    }

    static void visitChannel(void* userdata, const hv_channel* ch) noexcept {
        detail::guarded("foreachChannel", [userdata, ch] {
            TSocketChannelPtr channel = detail::channelHolder<TSocketChannel>(ch);
            if (channel) (*static_cast<std::function<void(const TSocketChannelPtr&)>*>(userdata))(channel);
        });
    }

    TcpServerEventLoopTmpl(const TcpServerEventLoopTmpl&);
    TcpServerEventLoopTmpl& operator=(const TcpServerEventLoopTmpl&);

    hv_tcp_server*  server_;
    int             thread_num_;
    // Certificates by SNI host name, installed after withTLS's once TLS is set up.
    std::vector<SniCert> sni_certs_;
    bool            tls_applied_;
};

/* A TcpServer with an acceptor thread of its own (or running the given loop on one). */
template<class TSocketChannel = SocketChannel>
class TcpServerTmpl : public TcpServerEventLoopTmpl<TSocketChannel> {
    typedef TcpServerEventLoopTmpl<TSocketChannel> Base;
public:
    TcpServerTmpl(EventLoopPtr loop = NULL)
        : Base(loop, typename Base::OwnThread()) {}

    virtual ~TcpServerTmpl() {
        stop(true);
    }

    /* Like libhv, a given acceptor loop that nobody runs gets a thread here. */
    void start(bool wait_threads_started = true) {
        if (this->acceptor_loop && !this->acceptor_loop->isRunning() && !loop_thread_) {
            loop_thread_ = std::make_shared<EventLoopThread>(this->acceptor_loop);
            loop_thread_->start(wait_threads_started);
        }
        Base::start(wait_threads_started);
    }

    void stop(bool wait_threads_stopped = true) {
        Base::stop(wait_threads_stopped);
        if (loop_thread_) loop_thread_->stop(wait_threads_stopped);
    }

private:
    EventLoopThreadPtr loop_thread_;
};

typedef TcpServerTmpl<SocketChannel> TcpServer;

} // namespace hv

#endif // HV_TCP_SERVER_HPP_
