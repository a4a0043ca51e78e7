/*
 * The bench's TCP limit: a minimal echo server on one epoll loop, level-triggered, with
 * non-blocking sockets. Each readable connection is read into one buffer and written straight
 * back; what the socket does not take at once stays queued and goes out when it is writable
 * again (reading pauses meanwhile).
 *
 *   epoll_echo <port>
 *
 * Serves until it is killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

/* A connection and what it still has to write back. */
struct conn {
    int fd;
    size_t off, len;
    char buf[BUF_SIZE];
};

static void watch(int ep, int op, struct conn* c, unsigned events) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = c;
    if (epoll_ctl(ep, op, c->fd, &ev) != 0) perror("epoll_ctl");
}

static void drop(struct conn* c) {
    close(c->fd);
    free(c);
}

/* Writes what is queued; 0 when all of it went, 1 when the socket is full, -1 on error. */
static int flush(struct conn* c) {
    while (c->off < c->len) {
        ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
        if (n < 0) return errno == EAGAIN ? 1 : -1;
        c->off += (size_t)n;
    }
    c->off = c->len = 0;
    return 0;
}

static void on_event(int ep, struct conn* c, unsigned events) {
    if (events & EPOLLOUT) {
        int r = flush(c);
        if (r < 0) { drop(c); return; }
        if (r == 0) watch(ep, EPOLL_CTL_MOD, c, EPOLLIN);
        return;
    }
    ssize_t n = read(c->fd, c->buf, BUF_SIZE);
    if (n == 0 || (n < 0 && errno != EAGAIN)) { drop(c); return; }
    if (n < 0) return;
    c->off = 0;
    c->len = (size_t)n;
    int r = flush(c);
    if (r < 0) drop(c);
    else if (r == 1) watch(ep, EPOLL_CTL_MOD, c, EPOLLOUT);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("Usage: %s port\n", argv[0]);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) != 0 || listen(lfd, 4096) != 0) {
        perror("listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* the listener */
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    printf("listening on port %s\n", argv[1]);
    fflush(stdout);

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            struct conn* c = events[i].data.ptr;
            if (c != NULL) {
                on_event(ep, c, events[i].events);
                continue;
            }
            int fd;
            while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                c = malloc(sizeof(*c));
                if (c == NULL) { close(fd); continue; }
                c->fd = fd;
                c->off = c->len = 0;
                watch(ep, EPOLL_CTL_ADD, c, EPOLLIN);
            }
        }
    }
}
