#ifndef HTTPD_ROUTER_H_
#define HTTPD_ROUTER_H_

#include "HttpService.h"

// The API of the example httpd, registered on a service (a separate translation unit, as a
// libhv application is usually split).
class Router {
public:
    static void Register(hv::HttpService& router);
};

#endif // HTTPD_ROUTER_H_
