/*
 * requests::uploadLargeFile and requests::downloadFile against an HttpServer of the same
 * program, the way libhv users move big files:
 *
 *   requests_files <port> <dir>      dir holds big.bin
 *
 * Prints
 *   upload status=<code> body=<what /upload counted> calls=<progress calls> last=<sent>/<total>
 *   download size=<bytes> last=<received>/<total>
 *   missing size=<bytes> partial=<0|1>
 */
#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "HttpServer.h"
#include "requests.h"

using namespace hv;

/* FNV-1a, so the test can check every byte arrived. */
static unsigned long long fnv1a(const std::string& s) {
    unsigned long long h = 14695981039346656037ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

int main(int argc, char** argv) {
    if (argc < 3) return 1;
    int port = atoi(argv[1]);
    std::string dir = argv[2];
    HttpService router;
    router.Static("/files/", dir.c_str());
    router.POST("/upload", [](HttpRequest* req, HttpResponse* resp) {
        return resp->String(std::to_string(req->body.size()) + ":" + std::to_string(fnv1a(req->body)));
    });
    HttpServer server(&router);
    server.setPort(port);
    if (server.start() != 0) return 2;
    std::string base = "http://127.0.0.1:" + std::to_string(port);

    int calls = 0;
    size_t last_sent = 0, last_total = 0;
    auto resp = requests::uploadLargeFile((base + "/upload").c_str(), (dir + "/big.bin").c_str(),
                                          [&](size_t sent, size_t total) {
                                              ++calls;
                                              last_sent = sent;
                                              last_total = total;
                                          });
    printf("upload status=%d body=%s calls=%d last=%zu/%zu\n", resp ? resp->status_code : -1,
           resp ? resp->body.c_str() : "", calls, last_sent, last_total);

    size_t received = 0, total = 0;
    size_t size = requests::downloadFile((base + "/files/big.bin").c_str(), (dir + "/copy.bin").c_str(),
                                         [&](size_t r, size_t t) {
                                             received = r;
                                             total = t;
                                         });
    printf("download size=%zu last=%zu/%zu\n", size, received, total);

    size = requests::downloadFile((base + "/files/missing.bin").c_str(), (dir + "/missing.bin").c_str());
    FILE* partial = fopen((dir + "/missing.bin.download").c_str(), "rb");
    printf("missing size=%zu partial=%d\n", size, partial ? 1 : 0);
    if (partial) fclose(partial);
    fflush(stdout);
    server.stop();
    return 0;
}
