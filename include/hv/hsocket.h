#ifndef HV_SOCKET_H_
#define HV_SOCKET_H_

/*
 * hsocket.h - BSD socket helpers: address parsing/printing, blocking
 * Bind/Listen/Connect shortcuts and socket option setters.
 * Header-only: every function is static inline.
 *
 * Functions returning a descriptor give a negative errno value on failure
 * (or a negative getaddrinfo code when the host cannot be resolved).
 */

#include "hexport.h"
#include "hplatform.h"

#include <poll.h>

#ifdef ENABLE_UDS
#include <sys/un.h>
#endif

#define LOCALHOST   "127.0.0.1"
#define ANYADDR     "0.0.0.0"

BEGIN_EXTERN_C

static inline int socket_errno(void) {
    return errno;
}

/* Message for an errno value; the sign of err is ignored. */
static inline const char* socket_strerror(int err) {
    return strerror(err < 0 ? -err : err);
}

typedef int hsocket_t;

#ifndef SOCKET
#define SOCKET int
#endif

#ifndef INVALID_SOCKET
#define INVALID_SOCKET -1
#endif

/* Clear O_NONBLOCK. */
static inline int blocking(int sockfd) {
    int flags = fcntl(sockfd, F_GETFL);
    if (flags < 0) return flags;
    return fcntl(sockfd, F_SETFL, flags & ~O_NONBLOCK);
}

/* Set O_NONBLOCK. */
static inline int nonblocking(int sockfd) {
    int flags = fcntl(sockfd, F_GETFL);
    if (flags < 0) return flags;
    return fcntl(sockfd, F_SETFL, flags | O_NONBLOCK);
}

#ifndef closesocket
static inline int closesocket(int sockfd) {
    return close(sockfd);
}
#endif

#ifndef SAFE_CLOSESOCKET
#define SAFE_CLOSESOCKET(fd) do { if ((fd) >= 0) { closesocket(fd); (fd) = -1; } } while (0)
#endif

/* ======================== sockaddr_u ==================================== */

typedef union {
    struct sockaddr     sa;
    struct sockaddr_in  sin;
    struct sockaddr_in6 sin6;
#ifdef ENABLE_UDS
    struct sockaddr_un  sun;
#endif
} sockaddr_u;

/* Literal dotted-quad IPv4 address? */
static inline bool is_ipv4(const char* host) {
    struct in_addr a;
    return host != NULL && inet_pton(AF_INET, host, &a) == 1;
}

/* Literal IPv6 address? */
static inline bool is_ipv6(const char* host) {
    struct in6_addr a;
    return host != NULL && inet_pton(AF_INET6, host, &a) == 1;
}

static inline bool is_ipaddr(const char* host) {
    return is_ipv4(host) || is_ipv6(host);
}

/*
 * Resolve host (literal IP or name) into addr.  Name resolution blocks and
 * prefers an IPv4 result.  For IPv4 literals only the family and address
 * are written (the port is left alone); otherwise the whole socket address
 * is replaced and the port becomes 0.
 * Returns 0 or a (nonzero) getaddrinfo error code.
 */
static inline int ResolveAddr(const char* host, sockaddr_u* addr) {
    struct addrinfo* list = NULL;
    struct addrinfo* pick;
    int rc;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &addr->sin.sin_addr) == 1) {
        addr->sa.sa_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6) == 1) {
        /* same result getaddrinfo would give, without depending on the
         * host having a non-loopback IPv6 address (AI_ADDRCONFIG) */
        memset(&addr->sin6, 0, sizeof(addr->sin6));
        addr->sin6.sin6_family = AF_INET6;
        addr->sin6.sin6_addr = v6;
        return 0;
    }
    rc = getaddrinfo(host, NULL, NULL, &list);
    if (rc != 0 || list == NULL) {
        if (list) freeaddrinfo(list);
        return rc != 0 ? rc : EAI_NONAME;
    }
    pick = list;
    while (pick && pick->ai_family != AF_INET) pick = pick->ai_next;
    if (pick == NULL) pick = list;
    if (pick->ai_addr == NULL || pick->ai_addrlen == 0 ||
        pick->ai_addrlen > (socklen_t)sizeof(*addr)) {
        freeaddrinfo(list);
        return EAI_FAIL;
    }
    memcpy(addr, pick->ai_addr, pick->ai_addrlen);
    freeaddrinfo(list);
    return 0;
}

/* Numeric address text into ip[len]; returns ip. */
static inline const char* sockaddr_ip(sockaddr_u* addr, char* ip, int len) {
    if (addr->sa.sa_family == AF_INET) {
        return inet_ntop(AF_INET, &addr->sin.sin_addr, ip, (socklen_t)len);
    }
    if (addr->sa.sa_family == AF_INET6) {
        return inet_ntop(AF_INET6, &addr->sin6.sin6_addr, ip, (socklen_t)len);
    }
    return ip;
}

/* Port in host byte order (0 for non-IP families). */
static inline uint16_t sockaddr_port(sockaddr_u* addr) {
    if (addr->sa.sa_family == AF_INET) return ntohs(addr->sin.sin_port);
    if (addr->sa.sa_family == AF_INET6) return ntohs(addr->sin6.sin6_port);
    return 0;
}

/* NULL or "" means INADDR_ANY; otherwise like ResolveAddr. */
static inline int sockaddr_set_ip(sockaddr_u* addr, const char* host) {
    if (host == NULL || *host == '\0') {
        addr->sin.sin_family = AF_INET;
        addr->sin.sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    return ResolveAddr(host, addr);
}

static inline void sockaddr_set_port(sockaddr_u* addr, int port) {
    if (addr->sa.sa_family == AF_INET) {
        addr->sin.sin_port = htons((uint16_t)port);
    } else if (addr->sa.sa_family == AF_INET6) {
        addr->sin6.sin6_port = htons((uint16_t)port);
    }
}

#ifdef ENABLE_UDS
#define SOCKADDR_STRLEN     sizeof(((struct sockaddr_un*)(NULL))->sun_path)
static inline void sockaddr_set_path(sockaddr_u* addr, const char* path) {
    addr->sa.sa_family = AF_UNIX;
    size_t n = strlen(path);
    if (n >= sizeof(addr->sun.sun_path)) n = sizeof(addr->sun.sun_path) - 1;
    memcpy(addr->sun.sun_path, path, n);
    addr->sun.sun_path[n] = '\0';
}
#else
/* Enough for "ipv4:port" and "[ipv6]:port". */
#define SOCKADDR_STRLEN     64
#endif

/* host + port; with ENABLE_UDS a negative port means host is a socket path. */
static inline int sockaddr_set_ipport(sockaddr_u* addr, const char* host, int port) {
    int rc;
#ifdef ENABLE_UDS
    if (port < 0) {
        sockaddr_set_path(addr, host);
        return 0;
    }
#endif
    rc = sockaddr_set_ip(addr, host);
    if (rc != 0) return rc;
    sockaddr_set_port(addr, port);
    return 0;
}

/* The length to pass to bind/connect for this address. */
static inline socklen_t sockaddr_len(sockaddr_u* addr) {
    switch (addr->sa.sa_family) {
    case AF_INET:  return (socklen_t)sizeof(struct sockaddr_in);
    case AF_INET6: return (socklen_t)sizeof(struct sockaddr_in6);
#ifdef ENABLE_UDS
    case AF_UNIX:  return (socklen_t)sizeof(struct sockaddr_un);
#endif
    default:       return (socklen_t)sizeof(sockaddr_u);
    }
}

/* "a.b.c.d:port", "[v6]:port" (or the socket path) into buf[len]; returns
 * buf.  buf is left untouched for other address families. */
static inline const char* sockaddr_str(sockaddr_u* addr, char* buf, int len) {
    char ip[INET6_ADDRSTRLEN + 1];
    memset(ip, 0, sizeof(ip));
    if (len <= 0) return buf;
    if (addr->sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &addr->sin.sin_addr, ip, (socklen_t)sizeof(ip));
        snprintf(buf, (size_t)len, "%s:%u", ip, (unsigned)ntohs(addr->sin.sin_port));
    } else if (addr->sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &addr->sin6.sin6_addr, ip, (socklen_t)sizeof(ip));
        snprintf(buf, (size_t)len, "[%s]:%u", ip, (unsigned)ntohs(addr->sin6.sin6_port));
    }
#ifdef ENABLE_UDS
    else if (addr->sa.sa_family == AF_UNIX) {
        snprintf(buf, (size_t)len, "%s", addr->sun.sun_path);
    }
#endif
    return buf;
}

/* sockaddr_str + puts */
static inline void sockaddr_print(sockaddr_u* addr) {
    char text[SOCKADDR_STRLEN];
    memset(text, 0, sizeof(text));
    sockaddr_str(addr, text, (int)sizeof(text));
    puts(text);
}

/* The STR form needs `buf` to be an array (its sizeof is used). */
#define SOCKADDR_LEN(addr)      sockaddr_len((sockaddr_u*)(addr))
#define SOCKADDR_STR(addr, buf) sockaddr_str((sockaddr_u*)(addr), buf, sizeof(buf))
#define SOCKADDR_PRINT(addr)    sockaddr_print((sockaddr_u*)(addr))

/* ======================== socket options ================================ */

static inline int tcp_nodelay(int sockfd, int on DEFAULT(1)) {
    return setsockopt(sockfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* TCP_CORK on Linux. */
static inline int tcp_nopush(int sockfd, int on DEFAULT(1)) {
#if defined(TCP_NOPUSH)
    return setsockopt(sockfd, IPPROTO_TCP, TCP_NOPUSH, &on, sizeof(on));
#elif defined(TCP_CORK)
    return setsockopt(sockfd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
#else
    (void)sockfd;
    (void)on;
    return 0;
#endif
}

/* SO_KEEPALIVE plus the idle time (seconds) before the first probe.
 * Returns errno if SO_KEEPALIVE cannot be set. */
static inline int tcp_keepalive(int sockfd, int on DEFAULT(1), int delay DEFAULT(60)) {
    if (setsockopt(sockfd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0) {
        return socket_errno();
    }
#if defined(TCP_KEEPIDLE)
    return setsockopt(sockfd, IPPROTO_TCP, TCP_KEEPIDLE, &delay, sizeof(delay));
#elif defined(TCP_KEEPALIVE)
    return setsockopt(sockfd, IPPROTO_TCP, TCP_KEEPALIVE, &delay, sizeof(delay));
#else
    (void)delay;
    return 0;
#endif
}

static inline int udp_broadcast(int sockfd, int on DEFAULT(1)) {
    return setsockopt(sockfd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
}

static inline int ip_v6only(int sockfd, int on DEFAULT(1)) {
#ifdef IPV6_V6ONLY
    return setsockopt(sockfd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
#else
    (void)sockfd;
    (void)on;
    return 0;
#endif
}

static inline int hvh_set_timeval_opt(int sockfd, int opt, int timeout_ms) {
    struct timeval tv;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    return setsockopt(sockfd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* send timeout in ms */
static inline int so_sndtimeo(int sockfd, int timeout) {
    return hvh_set_timeval_opt(sockfd, SO_SNDTIMEO, timeout);
}

/* recv timeout in ms */
static inline int so_rcvtimeo(int sockfd, int timeout) {
    return hvh_set_timeval_opt(sockfd, SO_RCVTIMEO, timeout);
}

static inline int so_sndbuf(int sockfd, int len) {
    return setsockopt(sockfd, SOL_SOCKET, SO_SNDBUF, &len, sizeof(len));
}

static inline int so_rcvbuf(int sockfd, int len) {
    return setsockopt(sockfd, SOL_SOCKET, SO_RCVBUF, &len, sizeof(len));
}

/* Allows binding a port whose previous connections are in TIME_WAIT. */
static inline int so_reuseaddr(int sockfd, int on DEFAULT(1)) {
    return setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
}

/* Allows several sockets to bind the same port (kernel load balancing). */
static inline int so_reuseport(int sockfd, int on DEFAULT(1)) {
#ifdef SO_REUSEPORT
    return setsockopt(sockfd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
#else
    (void)sockfd;
    (void)on;
    return 0;
#endif
}

/* timeout >= 0: close() lingers up to `timeout` seconds (0 = reset the
 * connection at once); timeout < 0: default close behaviour. */
static inline int so_linger(int sockfd, int timeout DEFAULT(1)) {
    struct linger lg;
    lg.l_onoff = timeout >= 0 ? 1 : 0;
    lg.l_linger = timeout >= 0 ? timeout : 0;
    return setsockopt(sockfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* ======================== Bind / Listen / Connect ======================= */

/* Close fd (if any) and return -errno, preserving errno across close(). */
static inline int hvh_socket_fail(int fd) {
    int err = socket_errno();
    if (fd >= 0) closesocket(fd);
    errno = err;
    return err > 0 ? -err : -1;
}

/* socket -> SO_REUSEADDR (and dual-stack for IPv6) -> bind */
static inline int hvh_bind_addr(sockaddr_u* local, int type) {
    int fd = socket(local->sa.sa_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        return hvh_socket_fail(-1);
    }
    so_reuseaddr(fd, 1);
    if (local->sa.sa_family == AF_INET6) {
        ip_v6only(fd, 0);
    }
    if (bind(fd, &local->sa, sockaddr_len(local)) < 0) {
        perror("bind");
        return hvh_socket_fail(fd);
    }
    return fd;
}

/* socket -> (nonblocking) -> connect.  A nonblocking connect that is still
 * in progress counts as success. */
static inline int hvh_connect_addr(sockaddr_u* peer, int nonblock) {
    int fd = socket(peer->sa.sa_family, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("socket");
        return hvh_socket_fail(-1);
    }
    if (nonblock) {
        nonblocking(fd);
    }
    if (connect(fd, &peer->sa, sockaddr_len(peer)) < 0 && errno != EINPROGRESS) {
        return hvh_socket_fail(fd);
    }
    return fd;
}

static inline int hvh_listen_fd(int fd) {
    if (fd < 0) return fd;
    if (listen(fd, SOMAXCONN) < 0) {
        perror("listen");
        return hvh_socket_fail(fd);
    }
    return fd;
}

/* Wait until a nonblocking connect completes, then make fd blocking. */
static inline int hvh_wait_connected(int fd, int ms) {
    struct pollfd pfd;
    int err = 0;
    int rc;
    socklen_t errlen = (socklen_t)sizeof(err);
    pfd.fd = fd;
    pfd.events = POLLOUT;
    pfd.revents = 0;
    do {
        rc = poll(&pfd, 1, ms);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        perror("poll");
        return hvh_socket_fail(fd);
    }
    if (rc == 0) {
        errno = ETIMEDOUT;
        return hvh_socket_fail(fd);
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0 || err != 0) {
        if (err != 0) errno = err;
        return hvh_socket_fail(fd);
    }
    blocking(fd);
    return fd;
}

/* Socket of `type` (SOCK_STREAM / SOCK_DGRAM) bound to host:port. */
static inline int Bind(int port, const char* host DEFAULT(ANYADDR), int type DEFAULT(SOCK_STREAM)) {
    sockaddr_u local;
    int rc;
    memset(&local, 0, sizeof(local));
    rc = sockaddr_set_ipport(&local, host, port);
    if (rc != 0) return rc < 0 ? rc : -rc;
    return hvh_bind_addr(&local, type);
}

/* Listening TCP socket on host:port (backlog SOMAXCONN).  Port 0 picks a
 * free port; use getsockname() to learn it. */
static inline int Listen(int port, const char* host DEFAULT(ANYADDR)) {
    int fd = Bind(port, host, SOCK_STREAM);
    if (fd < 0) return fd;
    return hvh_listen_fd(fd);
}

/* TCP connection to host:port (blocking unless nonblock). */
static inline int Connect(const char* host, int port, int nonblock DEFAULT(0)) {
    sockaddr_u peer;
    int rc;
    memset(&peer, 0, sizeof(peer));
    rc = sockaddr_set_ipport(&peer, host, port);
    if (rc != 0) return rc < 0 ? rc : -rc;
    return hvh_connect_addr(&peer, nonblock);
}

static inline int ConnectNonblock(const char* host, int port) {
    return Connect(host, port, 1);
}

#define DEFAULT_CONNECT_TIMEOUT 10000 /* ms */

/* Connect with a deadline of `ms`; the returned socket is blocking. */
static inline int ConnectTimeout(const char* host, int port, int ms DEFAULT(DEFAULT_CONNECT_TIMEOUT)) {
    int fd = Connect(host, port, 1);
    if (fd < 0) return fd;
    return hvh_wait_connected(fd, ms);
}

#ifdef ENABLE_UDS
static inline int BindUnix(const char* path, int type DEFAULT(SOCK_STREAM)) {
    sockaddr_u local;
    memset(&local, 0, sizeof(local));
    sockaddr_set_path(&local, path);
    return hvh_bind_addr(&local, type);
}

static inline int ListenUnix(const char* path) {
    return hvh_listen_fd(BindUnix(path, SOCK_STREAM));
}

static inline int ConnectUnix(const char* path, int nonblock DEFAULT(0)) {
    sockaddr_u peer;
    memset(&peer, 0, sizeof(peer));
    sockaddr_set_path(&peer, path);
    return hvh_connect_addr(&peer, nonblock);
}

static inline int ConnectUnixNonblock(const char* path) {
    return ConnectUnix(path, 1);
}

static inline int ConnectUnixTimeout(const char* path, int ms DEFAULT(DEFAULT_CONNECT_TIMEOUT)) {
    int fd = ConnectUnix(path, 1);
    if (fd < 0) return fd;
    return hvh_wait_connected(fd, ms);
}
#endif

/* A connected pair of stream sockets (AF_UNIX socketpair on Linux; the
 * family argument is ignored).  Returns 0 or -1. */
static inline int Socketpair(int family, int type, int protocol, int sv[2]) {
    (void)family;
    return socketpair(AF_UNIX, type, protocol, sv) == 0 ? 0 : -1;
}

END_EXTERN_C

#endif /* HV_SOCKET_H_ */
