/*
 * A configurable HTTP server in the style of libhv's examples/httpd: command line parsed with
 * hmain, settings read with IniParser, routes registered by Router::Register.
 *
 *   httpd -c httpd.conf      serves until stdin closes; SIGUSR1 reloads httpd.conf
 */
#include "hv.h"
#include "hmain.h"
#include "iniparser.h"
#include "HttpServer.h"

#include "router.h"

static hv::HttpServer  g_http_server;
static hv::HttpService g_http_service;

static const option_t long_options[] = {
    {'h', "help",     NO_ARGUMENT,       "Print this information"},
    {'c', "confile",  REQUIRED_ARGUMENT, "Set configure file"},
    {'p', "port",     REQUIRED_ARGUMENT, "Set listen port"},
};

static int parse_confile(const char* confile) {
    IniParser ini;
    int ret = ini.LoadFromFile(confile);
    if (ret != 0) {
        printf("Load confile [%s] failed: %d\n", confile, ret);
        return ret;
    }
    std::string str = ini.GetValue("loglevel");
    if (!str.empty()) hlog_set_level_by_str(str.c_str());
    g_http_server.worker_threads = ini.Get<int>("worker_threads", "", 1);
    g_http_server.worker_connections = ini.Get<int>("worker_connections", "", 1024);
    g_http_server.port = ini.Get<int>("http_port");
    g_http_server.https_port = ini.Get<int>("https_port");
    if (g_http_server.https_port > 0) {
        hssl_ctx_opt_t param;
        memset(&param, 0, sizeof(param));
        std::string crt = ini.GetValue("ssl_certificate");
        std::string key = ini.GetValue("ssl_privatekey");
        param.crt_file = crt.c_str();
        param.key_file = key.c_str();
        param.endpoint = HSSL_SERVER;
        if (g_http_server.newSslCtx(&param) != 0) return -20;
    }
    str = ini.GetValue("document_root");
    if (!str.empty()) g_http_service.document_root = str;
    str = ini.GetValue("index_of");
    if (!str.empty()) g_http_service.index_of = str;
    g_http_service.keepalive_timeout = ini.Get<int>("keepalive_timeout", "", 75000);
    g_http_service.enable_access_log = ini.Get<bool>("access_log", "", true);
    if (ini.Get<bool>("cors")) g_http_service.AllowCORS();
    // [proxy] section: "location => url" lines
    for (auto& key : ini.GetKeys("proxy")) {
        if (key.size() && key[0] == '/') {
            std::string url = hv::ltrim(ini.GetValue(key, "proxy"), "> ");
            g_http_service.Proxy(key.c_str(), url.c_str());
        }
    }
    return 0;
}

static std::string g_confile;

/* As libhv's httpd: SIGUSR1 (hmain's SIGNAL_RELOAD) reads the configuration again. */
static void on_reload(void* userdata) {
    (void)userdata;
    hlogi("reload confile [%s]", g_confile.c_str());
    int ret = parse_confile(g_confile.c_str());
    printf("reloaded %d\n", ret);
    fflush(stdout);
}

int main(int argc, char** argv) {
    main_ctx_init(argc, argv);
    int ret = parse_opt_long(argc, argv, long_options, ARRAY_SIZE(long_options));
    if (ret != 0 || get_arg("h")) {
        char detail[4096] = {0};
        dump_opt_long(long_options, ARRAY_SIZE(long_options), detail, sizeof(detail));
        printf("Usage: %s [options]\n%s", g_main_ctx.program_name, detail);
        return ret;
    }
    const char* confile = get_arg("c");
    if (confile && parse_confile(confile) != 0) return -10;
    if (confile) g_confile = confile;
    signal_init(on_reload);
    const char* port = get_arg("p");
    if (port) g_http_server.port = atoi(port);

    Router::Register(g_http_service);
    g_http_server.registerHttpService(&g_http_service);
    if (g_http_server.start() != 0) return -30;
    printf("httpd listening on port %d\n", g_http_server.port);
    fflush(stdout);
    while (getchar() != EOF);
    g_http_server.stop();
    return 0;
}
