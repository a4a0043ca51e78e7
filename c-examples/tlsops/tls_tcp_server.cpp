/*
 * A TLS echo server with certificates by SNI, reloaded in place.
 *
 *   tls_tcp_server <port> <crt> <key> [--sni host crt key]...
 *
 * Echoes every message back. Commands on stdin: "reload" (re-read every certificate file)
 * -> "reload ok" / "reload failed"; "quit".
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "TcpServer.h"

using namespace hv;

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s port crt key [--sni host crt key]...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    TcpServer srv;
    if (srv.createsocket(atoi(argv[1])) < 0) {
        printf("createsocket failed\n");
        return 1;
    }
    srv.onMessage = [](const SocketChannelPtr& channel, Buffer* buf) {
        channel->write(buf);
    };
    hssl_ctx_opt_t opt;
    memset(&opt, 0, sizeof(opt));
    opt.crt_file = argv[2];
    opt.key_file = argv[3];
    srv.withTLS(&opt);
    for (int i = 4; i + 3 < argc; i += 4) {
        if (strcmp(argv[i], "--sni") != 0) break;
        hssl_ctx_opt_t sni;
        memset(&sni, 0, sizeof(sni));
        sni.crt_file = argv[i + 2];
        sni.key_file = argv[i + 3];
        if (srv.addSniCert(argv[i + 1], &sni) != 0) return 1;
    }
    srv.setThreadNum(1);
    srv.start();
    printf("listening\n");

    std::string line;
    while (std::getline(std::cin, line)) {
        if (line == "reload") {
            printf(srv.reloadCertificates() == 0 ? "reload ok\n" : "reload failed\n");
        } else if (line == "quit") {
            break;
        }
    }
    srv.stop();
    return 0;
}
