#ifndef HV_HTTP_SERVER_H_
#define HV_HTTP_SERVER_H_

#include <string>
#include <functional>
#include <utility>
#include <vector>

#include "hexport.h"
#include "herr.h"
#include "hssl.h"
#include "hlog.h"
#include "hvrs.h"
#include "HttpService.h"

/*
 * libhv's server description. Fill the fields (or use hv::HttpServer's setters), then
 * http_server_run. Worker loops accept on the listening sockets and serve HTTP/1.1 and HTTP/2
 * (h2c by prior knowledge; h2 by ALPN on https_port), each connection on one loop.
 */
typedef struct http_server_s {
    char    host[64];
    int     port;       // http_port
    int     https_port;
    int     http_version;
    int     worker_processes;
    int     worker_threads;
    uint32_t worker_connections;    // per worker loop
    hv::HttpService*    service;
    void*   ws;         // WebSocket is not provided by hv-rs
    void*   userdata;
    int     listenfd[2];    // hv-rs listens itself: -1
    void*   privdata;   // the library's server (hv_http_server*)
    std::function<void()> onWorkerStart;
    std::function<void()> onWorkerStop;
    hssl_ctx_t  ssl_ctx;    // unused: certificates come from newSslCtx's options
    unsigned    alloced_ssl_ctx: 1;

    http_server_s() {
        strcpy(host, "0.0.0.0");
        port = 0;
        https_port = 0;
        http_version = 1;
        worker_processes = 0;
        worker_threads = 0;
        worker_connections = 1024;
        service = NULL;
        ws = NULL;
        userdata = NULL;
        listenfd[0] = listenfd[1] = -1;
        privdata = NULL;
        ssl_ctx = NULL;
        alloced_ssl_ctx = 0;
    }
} http_server_t;

namespace hv {
namespace detail {

/* TLS options kept by newSslCtx (copied: the caller's strings may not outlive it). */
struct ServerTls {
    std::string crt_file, key_file, ca_file, ca_path;
    short verify_peer;
    ServerTls() : verify_peer(0) {}
    hv_tls_options toC() const {
        hv_tls_options o;
        memset(&o, 0, sizeof(o));
        o.crt_file = crt_file.c_str();
        o.key_file = key_file.c_str();
        o.ca_file = ca_file.empty() ? NULL : ca_file.c_str();
        o.ca_path = ca_path.empty() ? NULL : ca_path.c_str();
        o.verify_peer = verify_peer;
        return o;
    }
};

inline int logLastError(const char* what, int ret) {
    char msg[256];
    hv_last_error(msg, sizeof(msg));
    hloge("%s: %s", what, msg);
    return ret;
}

/* What a running http_server_t owns (behind privdata). */
struct ServerState {
    hv_http_server*     server;
    hv::HttpService     default_service;
    ServerTls           tls;
    bool                has_tls;
    // What denyPath, allowHost and trustProxy added so far (comma-separated knob values).
    std::string         deny_paths, allow_hosts, trusted_proxies;
    // Certificates by SNI host name (addSniCert), installed after the default one.
    std::vector<std::pair<std::string, ServerTls> > sni;
    // The service whose changes reach this server while it runs.
    std::weak_ptr<ServiceLinkState> link;
    ServerState() : server(hv_http_server_new()), has_tls(false) {}
    ~ServerState() {
        unlink();
        hv_http_server_free(server);
    }
    void unlink() {
        unlinkServer(link, server);
        link.reset();
    }
};

inline ServerState* serverState(http_server_t* s) {
    if (s->privdata == NULL) s->privdata = new ServerState;
    return static_cast<ServerState*>(s->privdata);
}

inline void runWorkerHook(void* userdata, const hv_loop*) noexcept {
    guarded("onWorkerStart", [userdata] {
        http_server_t* s = static_cast<http_server_t*>(userdata);
        if (s->onWorkerStart) s->onWorkerStart();
    });
}

inline void runWorkerStopHook(void* userdata, const hv_loop*) noexcept {
    guarded("onWorkerStop", [userdata] {
        http_server_t* s = static_cast<http_server_t*>(userdata);
        if (s->onWorkerStop) s->onWorkerStop();
    });
}

} // namespace detail
} // namespace hv

/* Starts the server; with wait, blocks until http_server_stop (from another thread).
 * @retval 0 ok, < 0 error (a listen or TLS failure) */
inline int http_server_run(http_server_t* server, int wait = 1) {
    hv::detail::ServerState* st = hv::detail::serverState(server);
    if (server->worker_processes > 0) {
        hlogw("http_server_run: worker_processes is not supported by hv-rs; using %d worker threads",
              server->worker_processes);
        if (server->worker_threads < server->worker_processes) server->worker_threads = server->worker_processes;
    }
    hv::HttpService* service = server->service ? server->service : &st->default_service;
    st->unlink();
    st->link = service->linkServer(st->server);
    hv_http_service* svc = service->toC();
    hv_http_server_set_service(st->server, svc);
    hv_http_service_free(svc);
    hv_http_server_set_host(st->server, server->host);
    if (hv_http_server_set_ports(st->server, server->port > 0 ? server->port : 0,
                                 server->https_port > 0 ? server->https_port : 0) != HV_OK) {
        return -1;
    }
    hv_http_server_set_thread_num(st->server, server->worker_threads > 0 ? server->worker_threads : 1);
    hv_http_server_set_worker_connections(st->server, server->worker_connections);
    hv_http_server_set_keepalive_timeout(st->server, service->keepalive_timeout);
    if (server->onWorkerStart || server->onWorkerStop) {
        hv_http_server_set_worker_hooks(st->server, hv::detail::runWorkerHook, hv::detail::runWorkerStopHook, server, NULL);
    }
    if (server->https_port > 0) {
        if (!st->has_tls) {
            hloge("http_server_run: https_port needs a certificate (newSslCtx)");
            return ERR_NEW_SSL_CTX;
        }
        hv_tls_options o = st->tls.toC();
        if (hv_http_server_set_tls(st->server, &o) != HV_OK) {
            return hv::detail::logLastError("http_server_run", ERR_NEW_SSL_CTX);
        }
        for (size_t i = 0; i < st->sni.size(); ++i) {
            hv_tls_options so = st->sni[i].second.toC();
            if (hv_http_server_add_sni_cert(st->server, st->sni[i].first.c_str(), &so) != HV_OK) {
                return hv::detail::logLastError("http_server_run", ERR_NEW_SSL_CTX);
            }
        }
    }
    if (hv_http_server_start(st->server) != HV_OK) {
        st->unlink();
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        hloge("http_server_run: %s", msg);
        return -1;
    }
    if (server->port == 0 && server->https_port == 0) server->port = hv_http_server_port(st->server, false);
    if (wait) hv_http_server_wait(st->server);
    return 0;
}

/* Stops the loops (closing every connection) and waits for them. */
inline int http_server_stop(http_server_t* server) {
    if (server->privdata == NULL) return 0;
    hv::detail::ServerState* st = static_cast<hv::detail::ServerState*>(server->privdata);
    st->unlink();
    hv_http_server_stop(st->server);
    return 0;
}

namespace hv {

class HttpServer : public http_server_t {
public:
    HttpServer(HttpService* service = NULL) {
        this->service = service;
    }

    ~HttpServer() {
        stop();
        delete static_cast<detail::ServerState*>(privdata);
    }

    void registerHttpService(HttpService* service) { this->service = service; }

    /* Worker loop idx, or the calling thread's loop. */
    std::shared_ptr<hv::EventLoop> loop(int idx = -1) {
        (void)idx;
        const hv_loop* current = hv_loop_current();
        return current ? EventLoop::fromC(current) : NULL;
    }

    void setHost(const char* host = "0.0.0.0") {
        if (host) {
            strncpy(this->host, host, sizeof(this->host) - 1);
            this->host[sizeof(this->host) - 1] = '\0';
        }
    }

    /* Like libhv, each value >= 0 is assigned: setPort(8080) also sets https_port to 0. */
    void setPort(int port = 0, int ssl_port = 0) {
        if (port >= 0) this->port = port;
        if (ssl_port >= 0) this->https_port = ssl_port;
    }

    void setListenFD(int fd = -1, int ssl_fd = -1) {
        if (fd >= 0) listenfd[0] = fd;
        if (ssl_fd >= 0) listenfd[1] = ssl_fd;
    }

    void setProcessNum(int num) { worker_processes = num; }
    void setThreadNum(int num) { worker_threads = num; }
    void setMaxWorkerConnectionNum(uint32_t num) { worker_connections = num; }

    /* hv-rs: one hardening knob by name, as the README's table lists it
     * (setOption("head_timeout_ms", "5000")); applies from the next start, and its HV_
     * environment variable wins. worker_connections and keepalive_timeout are libhv's fields.
     * @retval 0 ok, -1 unknown name or bad value (logged) */
    int setOption(const char* name, const char* value) {
        if (hv_http_server_set_option(detail::serverState(this)->server, name, value) == HV_OK) return 0;
        char msg[256];
        hv_last_error(msg, sizeof(msg));
        hloge("setOption: %s", msg);
        return -1;
    }

    /* hv-rs: client policy (README "Hardening knobs"), each a setOption underneath.
     * @retval 0 ok, -1 bad value (logged) */

    /* Refuse paths matching the glob `pattern` ("*.php", "/.env*"), matched case-insensitively
     * on the decoded path with . and .. resolved, before any handler or static file; `action`
     * is a status ("403", "404") or "drop" (close without an answer), NULL for deny_action. */
    int denyPath(const char* pattern, const char* action = NULL) {
        if (!pattern) return -1;
        std::string rule = action ? std::string(pattern) + "=" + action : std::string(pattern);
        return appendOption("deny_paths", detail::serverState(this)->deny_paths, rule);
    }

    /* Serve only requests whose Host is one of the allowed names (globs: "*.example.com"). */
    int allowHost(const char* host) {
        return host ? appendOption("allow_hosts", detail::serverState(this)->allow_hosts, host) : -1;
    }

    /* Believe Forwarded / X-Forwarded-For from this address or CIDR ("10.0.0.0/8"). */
    int trustProxy(const char* cidr) {
        return cidr ? appendOption("trusted_proxies", detail::serverState(this)->trusted_proxies, cidr) : -1;
    }

    /* Open connections per client address, refused at accept (0 = off). */
    int setMaxConnectionsPerIp(uint32_t num) {
        return setOption("per_ip_connections", std::to_string(num).c_str());
    }

    /* Requests per second per client address, `burst` at once (0 = as many as the rate),
     * beyond them `action`: a status ("429", "503") or "drop". 0 turns it off. */
    int setRequestRatePerIp(uint32_t per_second, uint32_t burst = 0, const char* action = "429") {
        if (setOption("per_ip_rate_action", action ? action : "429") != 0) return -1;
        if (setOption("per_ip_burst", std::to_string(burst).c_str()) != 0) return -1;
        return setOption("per_ip_rate", std::to_string(per_second).c_str());
    }

    /* Expect a PROXY protocol v1/v2 header on every connection to port / https_port. */
    int setProxyProtocol(bool on_port, bool on_https_port) {
        if (setOption("proxy_protocol_http", on_port ? "on" : "off") != 0) return -1;
        return setOption("proxy_protocol_https", on_https_port ? "on" : "off");
    }

    /* hv-rs: called for every request from the next start that reached the client policy (not
     * those the HTTP/1 framing and limit checks refuse first), on the worker loop thread that
     * served it, once its response head is ready. entry.line is the default line (combined log
     * format, duration in seconds, TLS version); the pointers are valid during the call only.
     * An exception thrown by fn is caught and logged. NULL removes the callback. */
    typedef std::function<void(const hv_access_log_entry& entry)> AccessLogger;
    int onAccessLog(AccessLogger fn) {
        hv_http_server* srv = detail::serverState(this)->server;
        if (!fn) return hv_http_server_set_access_log_callback(srv, NULL, NULL, NULL) == HV_OK ? 0 : -1;
        AccessLogger* held = new AccessLogger(std::move(fn));
        return hv_http_server_set_access_log_callback(srv, accessLogTrampoline, held, deleteAccessLogger) == HV_OK ? 0 : -1;
    }

    size_t connectionNum() {
        return privdata ? hv_http_server_connection_num(detail::serverState(this)->server) : 0;
    }

    /* hv-rs has no OpenSSL contexts: use newSslCtx with certificate files. */
    int setSslCtx(hssl_ctx_t ssl_ctx) {
        (void)ssl_ctx;
        hloge("setSslCtx is not supported by hv-rs; use newSslCtx(hssl_ctx_opt_t*)");
        return -1;
    }

    /* Keeps the certificate options for https_port; the files are read when the server runs. */
    int newSslCtx(hssl_ctx_opt_t* opt) {
        if (opt == NULL || opt->crt_file == NULL || opt->key_file == NULL) return -1;
        detail::ServerState* st = detail::serverState(this);
        st->tls.crt_file = opt->crt_file;
        st->tls.key_file = opt->key_file;
        st->tls.ca_file = opt->ca_file ? opt->ca_file : "";
        st->tls.ca_path = opt->ca_path ? opt->ca_path : "";
        st->tls.verify_peer = opt->verify_peer;
        st->has_tls = true;
        return 0;
    }

    /* hv-rs: serves opt's certificate to clients asking for hostname by SNI
     * ("*.example.com" covers one label); the others get newSslCtx's. The files are read
     * when the server runs, or now when it already does.
     * @retval 0 ok, -1 bad argument or file (logged) */
    int addSniCert(const char* hostname, hssl_ctx_opt_t* opt) {
        if (hostname == NULL || opt == NULL || opt->crt_file == NULL || opt->key_file == NULL) return -1;
        detail::ServerState* st = detail::serverState(this);
        detail::ServerTls t;
        t.crt_file = opt->crt_file;
        t.key_file = opt->key_file;
        if (hv_http_server_port(st->server, true) >= 0) {
            hv_tls_options o = t.toC();
            if (hv_http_server_add_sni_cert(st->server, hostname, &o) != HV_OK) {
                return detail::logLastError("addSniCert", -1);
            }
        }
        st->sni.push_back(std::make_pair(std::string(hostname), t));
        return 0;
    }

    /* hv-rs: reads every certificate and key file again and serves them from the next
     * handshake; open connections keep going. On a bad file the old ones stay.
     * @retval 0 ok, -1 error (logged) */
    int reloadCertificates() {
        if (hv_http_server_reload_tls(detail::serverState(this)->server) == HV_OK) return 0;
        return detail::logLastError("reloadCertificates", -1);
    }

    /* Closes the listening sockets; open connections keep being served. */
    int stopAccept() {
        if (privdata) hv_http_server_stop_accept(detail::serverState(this)->server);
        return 0;
    }

    /* Stops accepting, lets in-flight requests finish for up to timeout_ms (keep-alive
     * connections close after their response, HTTP/2 gets GOAWAY), then stops. Blocks. */
    int gracefulStop(int timeout_ms = 60000) {
        if (privdata == NULL) return 0;
        detail::ServerState* st = detail::serverState(this);
        st->unlink();
        hv_http_server_graceful_stop(st->server, timeout_ms);
        return 0;
    }

    /* ip_port: ":8080", "0.0.0.0:8080", "[::]:8080" or "8080". */
    int run(const char* ip_port = NULL, bool wait = true) {
        if (ip_port) {
            hv::NetAddr addr(ip_port);
            if (addr.ip.empty() && addr.port == 0) addr.port = atoi(ip_port);
            if (!addr.ip.empty()) setHost(addr.ip.c_str());
            if (addr.port != 0) setPort(addr.port);
        }
        return http_server_run(this, wait);
    }

    int start(const char* ip_port = NULL) { return run(ip_port, false); }

    int stop() { return http_server_stop(this); }

private:
    static void accessLogTrampoline(void* userdata, const hv_access_log_entry* entry) {
        try {
            (*static_cast<AccessLogger*>(userdata))(*entry);
        } catch (...) {
            hloge("access log callback threw");
        }
    }
    static void deleteAccessLogger(void* userdata) { delete static_cast<AccessLogger*>(userdata); }

    // Adds `item` to the comma-separated list knob `name`; the list keeps the value set.
    int appendOption(const char* name, std::string& list, const std::string& item) {
        std::string value = list.empty() ? item : list + "," + item;
        if (setOption(name, value.c_str()) != 0) return -1;
        list = value;
        return 0;
    }
};

} // namespace hv

using hv::HttpService;

#endif // HV_HTTP_SERVER_H_
