/*
 * An HTTPS server an operator runs for a long time: certificates by SNI, certificates reloaded
 * in place, client certificates shown to handlers, and a graceful drain.
 *
 *   tls_ops_server <http_port> <https_port> <crt> <key> [--sni host crt key]... [--ca file]
 *
 * --ca turns on verify_peer: clients must present a certificate signed by that CA.
 * Routes: /ping answers a "pong" line; /whoami the client certificate's subject ("none" without one);
 * /slow is answered later, by the "release" command; /pid the process id.
 * Commands on stdin, one a line, each acknowledged on stdout:
 *   reload       re-read every certificate file      -> "reload ok" / "reload failed"
 *   stop-accept  close the listeners                 -> "accept stopped"
 *   drain <ms>   gracefulStop(ms) on another thread  -> "drain started", later "drained"
 *   release      answer every waiting /slow request  -> "released <n>"
 *   quit         stop and exit
 * Knobs (refuse_unknown_sni, reuse_port, ...) come from HV_ environment variables.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "HttpServer.h"

using namespace hv;

static std::mutex slow_mutex;
static std::vector<HttpResponseWriterPtr> slow_writers;

int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s http_port https_port crt key [--sni host crt key]... [--ca file]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    HttpService router;
    router.GET("/ping", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String("pong\n");
    });
    router.GET("/whoami", [](HttpRequest* req, HttpResponse* resp) {
        const std::string& subject = req->client_cert_subject();
        std::string answer = subject.empty() ? "none" : subject;
        answer += " der=" + std::to_string(req->client_cert_der().size());
        return resp->String(answer);
    });
    router.GET("/pid", [](HttpRequest* req, HttpResponse* resp) {
        (void)req;
        return resp->String(std::to_string(getpid()));
    });
    router.GET("/slow", [](const HttpRequestPtr& req, const HttpResponseWriterPtr& writer) {
        (void)req;
        std::lock_guard<std::mutex> lock(slow_mutex);
        slow_writers.push_back(writer);
        printf("slow waiting\n");
    });

    HttpServer server(&router);
    server.setPort(atoi(argv[1]), atoi(argv[2]));
    hssl_ctx_opt_t param;
    memset(&param, 0, sizeof(param));
    param.crt_file = argv[3];
    param.key_file = argv[4];
    for (int i = 5; i < argc; ++i) {
        if (strcmp(argv[i], "--sni") == 0 && i + 3 < argc) {
            hssl_ctx_opt_t sni;
            memset(&sni, 0, sizeof(sni));
            sni.crt_file = argv[i + 2];
            sni.key_file = argv[i + 3];
            if (server.addSniCert(argv[i + 1], &sni) != 0) return 1;
            i += 3;
        } else if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
            param.ca_file = argv[++i];
            param.verify_peer = 1;
        }
    }
    if (server.newSslCtx(&param) != 0) return 1;
    if (server.start() != 0) {
        printf("start failed\n");
        return 1;
    }
    printf("listening\n");

    std::thread drainer;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line == "reload") {
            printf(server.reloadCertificates() == 0 ? "reload ok\n" : "reload failed\n");
        } else if (line == "stop-accept") {
            server.stopAccept();
            printf("accept stopped\n");
        } else if (line.compare(0, 6, "drain ") == 0 && !drainer.joinable()) {
            int ms = atoi(line.c_str() + 6);
            drainer = std::thread([&server, ms] {
                server.gracefulStop(ms);
                printf("drained\n");
            });
            printf("drain started\n");
        } else if (line == "release") {
            std::vector<HttpResponseWriterPtr> writers;
            {
                std::lock_guard<std::mutex> lock(slow_mutex);
                writers.swap(slow_writers);
            }
            for (size_t i = 0; i < writers.size(); ++i) {
                writers[i]->End("slow done");
            }
            printf("released %zu\n", writers.size());
        } else if (line == "quit") {
            break;
        }
    }
    if (drainer.joinable()) drainer.join();
    server.stop();
    return 0;
}
