/*
 * A downloader written the way libhv's examples/wget.cpp is: HEAD first, then either one GET
 * whose http_cb writes the body to the file as it arrives, or (--use_range) 1 MiB Range GETs.
 *
 *   wget [--use_range] url filepath
 *
 * Prints "saved N bytes" and the process's peak resident memory ("peak rss N kB").
 */
#include <stdio.h>
#include <string.h>

#include "HttpClient.h"
#include "hfile.h"

using namespace hv;

static long peak_rss_kb() {
    FILE* f = fopen("/proc/self/status", "r");
    if (f == NULL) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
    }
    fclose(f);
    return kb;
}

static int download(const char* url, const char* filepath, bool use_range) {
    HttpClient cli;
    HttpRequest req;
    HttpResponse resp;

    req.method = HTTP_HEAD;
    req.url = url;
    int ret = cli.send(&req, &resp);
    if (ret != 0) {
        fprintf(stderr, "HEAD failed: %d\n", ret);
        return ret;
    }
    if (resp.status_code == HTTP_STATUS_NOT_FOUND) return 404;
    size_t content_length = hv::from_string<size_t>(resp.GetHeader("Content-Length"));
    long range_bytes = 1 << 20;
    if (use_range) {
        use_range = resp.status_code == 200 && resp.GetHeader("Accept-Ranges") == "bytes" &&
                    content_length > (size_t)range_bytes;
    }

    std::string partial = std::string(filepath) + ".download";
    HFile file;
    if (file.open(partial.c_str(), "wb") != 0) return -1;

    req.method = HTTP_GET;
    req.timeout = 3600;
    if (!use_range) {
        size_t received = 0;
        req.http_cb = [&](HttpMessage* msg, http_parser_state state, const char* data, size_t size) {
            if (state == HP_HEADERS_COMPLETE) {
                content_length = hv::from_string<size_t>(msg->GetHeader("Content-Length"));
            } else if (state == HP_BODY && data && size) {
                file.write(data, size);
                received += size;
            }
        };
        ret = cli.send(&req, &resp);
        if (ret != 0 || received != content_length) {
            fprintf(stderr, "GET failed: %d (%zu of %zu bytes)\n", ret, received, content_length);
            return ret ? ret : -1;
        }
    } else {
        long from = 0;
        while (from < (long)content_length) {
            long to = from + range_bytes - 1;
            if (to >= (long)content_length) to = (long)content_length - 1;
            req.SetRange(from, to);
            ret = cli.send(&req, &resp);
            if (ret != 0 || resp.status_code != HTTP_STATUS_PARTIAL_CONTENT) {
                fprintf(stderr, "GET Range %ld-%ld failed: %d %d\n", from, to, ret, (int)resp.status_code);
                return ret ? ret : -1;
            }
            file.write(resp.body.data(), resp.body.size());
            from += (long)resp.body.size();
        }
    }
    file.close();
    printf("saved %zu bytes\n", content_length);
    return file.rename(filepath);
}

int main(int argc, char** argv) {
    int idx = 1;
    bool use_range = false;
    if (argc > idx && strcmp(argv[idx], "--use_range") == 0) {
        use_range = true;
        ++idx;
    }
    if (argc < idx + 2) {
        printf("Usage: %s [--use_range] url filepath\n", argv[0]);
        return -10;
    }
    int ret = download(argv[idx], argv[idx + 1], use_range);
    printf("peak rss %ld kB\n", peak_rss_kb());
    return ret;
}
