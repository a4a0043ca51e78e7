#ifndef HV_IFCONFIG_H_
#define HV_IFCONFIG_H_

/*
 * ifconfig.h (C++) - the machine's IPv4 network interfaces.
 * Header-only (Linux, getifaddrs): libhv compiles ifconfig() into the library.
 *
 *   std::vector<ifconfig_t> ifcs;
 *   if (ifconfig(ifcs) == 0) for (auto& i : ifcs) printf("%s %s %s\n", i.name, i.ip, i.mac);
 *
 * As in libhv, interfaces without a usable address (0.0.0.0), the loopback
 * address 127.0.0.1 and interfaces whose hardware address is all zeros are
 * left out, so the list names the interfaces that reach other machines.
 * Returns 0, or -10 when the interfaces cannot be read.
 */

#include <stdio.h>
#include <string.h>

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <vector>

#include "hexport.h"

typedef struct ifconfig_s {
    char name[128];
    char ip[16];
    char mask[16];
    char broadcast[16];
    char mac[20];
} ifconfig_t;

namespace hv {
namespace hvh_detail {

inline void ipv4_text(const struct sockaddr* sa, char out[16]) {
    strcpy(out, "0.0.0.0");
    if (sa && sa->sa_family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof(sin));
        inet_ntop(AF_INET, &sin.sin_addr, out, 16);
    }
}

} // namespace hvh_detail
} // namespace hv

inline int ifconfig(std::vector<ifconfig_t>& ifcs) {
    struct ifaddrs* list = NULL;
    if (getifaddrs(&list) != 0) return -10;
    ifcs.clear();
    for (struct ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
        ifconfig_t ifc;
        memset(&ifc, 0, sizeof(ifc));
        snprintf(ifc.name, sizeof(ifc.name), "%s", a->ifa_name);
        hv::hvh_detail::ipv4_text(a->ifa_addr, ifc.ip);
        hv::hvh_detail::ipv4_text(a->ifa_netmask, ifc.mask);
        hv::hvh_detail::ipv4_text((a->ifa_flags & IFF_BROADCAST) ? a->ifa_broadaddr : NULL,
                                  ifc.broadcast);
        unsigned char hw[6] = {0, 0, 0, 0, 0, 0};
        for (struct ifaddrs* p = list; p; p = p->ifa_next) {
            if (p->ifa_addr && p->ifa_addr->sa_family == AF_PACKET &&
                strcmp(p->ifa_name, a->ifa_name) == 0) {
                struct sockaddr_ll ll;
                memcpy(&ll, p->ifa_addr, sizeof(ll));
                if (ll.sll_halen >= 6) memcpy(hw, ll.sll_addr, 6);
                break;
            }
        }
        snprintf(ifc.mac, sizeof(ifc.mac), "%02x:%02x:%02x:%02x:%02x:%02x",
                 hw[0], hw[1], hw[2], hw[3], hw[4], hw[5]);
        if (strcmp(ifc.ip, "0.0.0.0") == 0 || strcmp(ifc.ip, "127.0.0.1") == 0 ||
            strcmp(ifc.mac, "00:00:00:00:00:00") == 0) {
            continue;
        }
        ifcs.push_back(ifc);
    }
    freeifaddrs(list);
    return 0;
}

#endif // HV_IFCONFIG_H_
