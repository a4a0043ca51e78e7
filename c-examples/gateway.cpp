/*
 * The first user's service, rebuilt unchanged against hv-rs: an HTTP + HTTPS API whose POST
 * handler forwards each message over a TcpClient (reconnecting, "\n"-delimited frames) to a TCP
 * backend and answers asynchronously when the backend's reply comes back. The backend here is
 * a TcpServer in the same process that upper-cases what it receives. Requests in flight when
 * the backend connection drops are answered 503 at once.
 *
 *   gateway <http_port> <https_port> cert.pem key.pem [backend_port]
 *
 * It runs until stdin ends. A line on stdin is a command (the soak, scripts/soak.sh, sends them):
 * "reload" reloads the certificate files, "restart-backend" stops the backend and starts it
 * again on its port, so the TcpClient reconnects, "heap" tells the bytes malloc holds in use
 * (glibc's mallinfo2; the soak tells a leak from pages the allocator keeps). Each is answered with
 * one line on stdout.
 *
 *   curl http://127.0.0.1:8080/ping
 *   curl -d 'hello' http://127.0.0.1:8080/forward
 *   curl -k -d 'hello' https://127.0.0.1:8443/forward
 */
#include <map>
#include <malloc.h>
#include <memory>
#include <mutex>

#include "HttpServer.h"
#include "TcpServer.h"
#include "TcpClient.h"

using namespace hv;

// Requests waiting for the backend, by id. Replies may come on the client's loop thread.
class Pending {
public:
    uint64_t add(const HttpResponseWriterPtr& writer) {
        std::lock_guard<std::mutex> lock(mutex_);
        uint64_t id = ++next_;
        writers_[id] = writer;
        return id;
    }

    std::map<uint64_t, HttpResponseWriterPtr> takeAll() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::map<uint64_t, HttpResponseWriterPtr> all;
        all.swap(writers_);
        return all;
    }

    HttpResponseWriterPtr take(uint64_t id) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = writers_.find(id);
        if (it == writers_.end()) return NULL;
        HttpResponseWriterPtr writer = it->second;
        writers_.erase(it);
        return writer;
    }

private:
    std::mutex mutex_;
    uint64_t next_ = 0;
    std::map<uint64_t, HttpResponseWriterPtr> writers_;
};

static unpack_setting_t lineFraming() {
    unpack_setting_t setting;
    setting.mode = UNPACK_BY_DELIMITER;
    memset(setting.delimiter, 0, sizeof(setting.delimiter));
    setting.package_max_length = DEFAULT_PACKAGE_MAX_LENGTH;
    setting.delimiter[0] = '\n';
    setting.delimiter_bytes = 1;
    return setting;
}

static void answer(const HttpResponseWriterPtr& writer, http_status status, const std::string& body) {
    writer->response->status_code = status;
    writer->response->content_type = TEXT_PLAIN;
    writer->End(body);
}

static TcpServer* startBackend(int port, unpack_setting_t* framing) {
    TcpServer* backend = new TcpServer;
    if (backend->createsocket(port, "127.0.0.1") < 0) {
        delete backend;
        return NULL;
    }
    backend->setThreadNum(1);
    backend->setUnpack(framing);
    backend->onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        std::string line((char*)buf->data(), buf->size());
        for (auto& c : line) c = (char)toupper((unsigned char)c);
        channel->write(line);
    };
    backend->start();
    return backend;
}

// What malloc has handed out and not had back; 0 where glibc has no mallinfo2 (before 2.33).
static unsigned long long heapInUse() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 m = mallinfo2();
    return (unsigned long long)(m.uordblks + m.hblkhd);
#else
    return 0;
#endif
}

int main(int argc, char** argv) {
    if (argc < 5) {
        printf("Usage: %s http_port https_port cert.pem key.pem [backend_port]\n", argv[0]);
        return -10;
    }
    int http_port = atoi(argv[1]);
    int https_port = atoi(argv[2]);
    int backend_port = argc > 5 ? atoi(argv[5]) : 0;
    hlog_set_level(LOG_LEVEL_WARN);
    unpack_setting_t framing = lineFraming();

    // The TCP backend: "<id> <text>\n" -> "<id> <TEXT>\n".
    std::unique_ptr<TcpServer> backend(startBackend(backend_port, &framing));
    if (!backend) return -20;
    backend_port = backend->listenPort();

    // The gateway's connection to it.
    Pending pending;
    TcpClient upstream;
    upstream.createsocket(backend_port, "127.0.0.1");
    reconn_setting_t reconn;
    reconn_setting_init(&reconn);
    reconn.min_delay = 100;
    reconn.max_delay = 1000;
    upstream.setReconnect(&reconn);
    upstream.setUnpack(&framing);
    upstream.onConnection = [&pending](const SocketChannelPtr& channel) {
        if (channel->isConnected()) return;
        std::map<uint64_t, HttpResponseWriterPtr> lost = pending.takeAll();
        for (auto& it : lost) answer(it.second, HTTP_STATUS_SERVICE_UNAVAILABLE, "backend unavailable");
    };
    upstream.onMessage = [&pending](const SocketChannelPtr&, Buffer* buf) {
        std::string line((char*)buf->data(), buf->size());
        size_t space = line.find(' ');
        if (space == std::string::npos) return;
        HttpResponseWriterPtr writer = pending.take(strtoull(line.c_str(), NULL, 10));
        if (writer) answer(writer, HTTP_STATUS_OK, line.substr(space + 1, line.size() - space - 2));
    };
    upstream.start();

    HttpService router;
    router.GET("/ping", [](HttpRequest*, HttpResponse* resp) {
        return resp->String("pong");
    });
    router.POST("/forward", [&pending, &upstream](const HttpRequestPtr& req, const HttpResponseWriterPtr& writer) {
        if (req->body.find('\n') != std::string::npos) {
            answer(writer, HTTP_STATUS_BAD_REQUEST, "one line per message");
            return;
        }
        uint64_t id = pending.add(writer);
        if (upstream.send(hv::to_string(id) + " " + req->body + "\n") < 0) {
            HttpResponseWriterPtr mine = pending.take(id);
            if (mine) answer(mine, HTTP_STATUS_SERVICE_UNAVAILABLE, "backend unavailable");
        }
    });

    HttpServer server(&router);
    server.setPort(http_port, https_port);
    server.setThreadNum(2);
    hssl_ctx_opt_t ssl;
    memset(&ssl, 0, sizeof(ssl));
    ssl.crt_file = argv[3];
    ssl.key_file = argv[4];
    ssl.endpoint = HSSL_SERVER;
    if (server.newSslCtx(&ssl) != 0) return -30;
    if (server.start() != 0) return -40;
    printf("gateway ready http=%d https=%d backend=%d\n", http_port, https_port, backend_port);
    fflush(stdout);

    char command[64];
    while (fgets(command, sizeof(command), stdin)) {
        if (strcmp(command, "reload\n") == 0) {
            printf("reload %s\n", server.reloadCertificates() == 0 ? "ok" : "failed");
        } else if (strcmp(command, "restart-backend\n") == 0) {
            backend.reset();
            backend.reset(startBackend(backend_port, &framing));
            printf("restart-backend %s\n", backend ? "ok" : "failed");
        } else if (strcmp(command, "heap\n") == 0) {
            printf("heap ok %llu\n", heapInUse());
        }
        fflush(stdout);
    }
    server.stop();
    upstream.stop();
    backend.reset();
    printf("gateway stopped\n");
    return 0;
}
