//! Checks for the header-only HTTP message headers in `include/hv/`: `httpdef.h`,
//! `http_content.h`, `json.hpp`, `HttpMessage.h`, `hthreadpool.h` and `hasync.h`.
//!
//! Every header is compiled on its own and included twice (`httpdef.h` as C99 too), with
//! `-std=c++11 -Wall -Wextra -Werror`. Then a C++ program made of two translation units exercises
//! them without the Rust library (they are pure C++): the status / method / content-type tables,
//! query strings, cookies, JSON / urlencoded / multipart bodies through `Set`, `Get<T>` and
//! `GetString`, `FillContentType` / `FillContentLength` / `DumpHeaders`, `ParseUrl` and `Path()`,
//! ranges, `Redirect`, `File` / `SaveFile`, and `hv::async`. Its `key=value` output (CR, LF and
//! backslash escaped) is compared with the expected values below.
//! Only std and the shared helpers are used; the system `cc` and `c++` do the compiling.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The headers this file covers.
const NEW_HEADERS: &[&str] = &[
    "httpdef.h",
    "http_content.h",
    "json.hpp",
    "HttpMessage.h",
    "hthreadpool.h",
    "hasync.h",
];

const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror"];
const CXX_FLAGS: &[&str] = &["-std=c++11", "-Wall", "-Wextra", "-Werror"];

fn include_dir() -> PathBuf {
    Path::new(MANIFEST_DIR).join("include")
}

fn include_hv_dir() -> PathBuf {
    include_dir().join("hv")
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("hvrs-http-message-{}-{}", std::process::id(), name));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn describe_failure(what: &str, cmd: &str, out: &Output) -> String {
    format!(
        "{what} failed ({}):\n--- command ---\n{cmd}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn spawn(cmd: &mut Command, what: &str) -> (Child, String) {
    let text = format!("{cmd:?}");
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()));
    (child, text)
}

fn finish(child: Child, cmd: &str, what: &str) -> Output {
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        panic!("{}", describe_failure(what, cmd, &out));
    }
    out
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let (child, text) = spawn(cmd, what);
    finish(child, &text, what)
}

fn compiler(c: bool) -> Command {
    let mut cmd = Command::new(if c { "cc" } else { "c++" });
    cmd.args(if c { C_FLAGS } else { CXX_FLAGS })
        .arg("-I")
        .arg(include_hv_dir())
        .arg("-I")
        .arg(include_dir());
    cmd
}

/// One translation unit per header that includes it once through the installed layout
/// ("hv/x.h", with -I include) and one that includes it twice through the flat layout ("x.h",
/// with -I include/hv), each compiled with -fsyntax-only. `defines` go in front of the includes.
/// The compiler processes run concurrently.
fn syntax_check(c: bool, headers: &[&str], defines: &str, tag: &str, dir: &Path) {
    let ext = if c { "c" } else { "cpp" };
    let mut jobs = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let once = dir.join(format!("{tag}_once_{i}.{ext}"));
        fs::write(
            &once,
            format!("{defines}#include \"hv/{h}\"\ntypedef int hvrs_once_{i};\n"),
        )
        .unwrap();
        let twice = dir.join(format!("{tag}_twice_{i}.{ext}"));
        fs::write(
            &twice,
            format!("{defines}#include \"{h}\"\n#include \"{h}\"\ntypedef int hvrs_twice_{i};\n"),
        )
        .unwrap();
        let what = format!("syntax check of {h} ({tag})");
        let mut cmd = compiler(c);
        cmd.arg("-fsyntax-only").arg(&once).arg(&twice);
        let (child, text) = spawn(&mut cmd, &what);
        jobs.push((child, text, what));
    }
    for (child, text, what) in jobs {
        finish(child, &text, &what);
    }
}

/// Compiles each source (concurrently), links them with -pthread, runs the program with `dir`
/// as its argument and returns its stdout.
fn build_and_run(dir: &Path, sources: &[(&str, &str)]) -> String {
    let mut jobs = Vec::new();
    let mut objects = Vec::new();
    for (name, text) in sources {
        let src = dir.join(name);
        fs::write(&src, text).unwrap();
        let obj = dir.join(format!("{name}.o"));
        let what = format!("compiling {name}");
        let mut cmd = compiler(false);
        cmd.args(common::sanitize_flags())
            .arg("-c")
            .arg(&src)
            .arg("-o")
            .arg(&obj);
        let (child, cmdline) = spawn(&mut cmd, &what);
        jobs.push((child, cmdline, what));
        objects.push(obj);
    }
    for (child, cmdline, what) in jobs {
        finish(child, &cmdline, &what);
    }
    let exe = dir.join("prog");
    run(
        Command::new("c++")
            .args(common::sanitize_flags())
            .args(&objects)
            .arg("-o")
            .arg(&exe)
            .arg("-pthread"),
        "linking the test program",
    );
    let out = run(
        common::sanitizer_env(&mut Command::new(&exe))
            .arg(dir)
            .current_dir(dir),
        "running the test program",
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `key=value` lines -> map; the program ends with a line `END`.
fn parse_output(out: &str) -> BTreeMap<String, String> {
    assert!(
        out.lines().any(|l| l == "END"),
        "the program did not finish:\n{out}"
    );
    let mut map = BTreeMap::new();
    for line in out.lines() {
        if let Some((k, v)) = line.split_once('=') {
            map.insert(k.to_string(), v.to_string());
        }
    }
    map
}

fn check_expected(out: &str, expected: &[(&str, &str)]) {
    let got = parse_output(out);
    let mut problems = Vec::new();
    for (key, want) in expected {
        match got.get(*key) {
            None => problems.push(format!("{key}: missing")),
            Some(v) if v != want => problems.push(format!("{key}:\n   got  {v}\n   want {want}")),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}\n--- full output ---\n{out}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn httpdef_h_compiles_as_c99() {
    let dir = scratch("c99");
    syntax_check(true, &["httpdef.h"], "", "c99", &dir);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn new_headers_compile_as_cxx11() {
    let dir = scratch("cxx11");
    syntax_check(false, NEW_HEADERS, "", "cxx", &dir);
    syntax_check(
        false,
        &["http_content.h", "HttpMessage.h"],
        "#define WITHOUT_HTTP_CONTENT\n",
        "nocontent",
        &dir,
    );
    let _ = fs::remove_dir_all(&dir);
}

/// HttpMessage.h is plain C++ data: nothing of the C ABI (hvrs.h) or of the logger comes in.
#[test]
fn http_message_h_does_not_pull_in_the_c_abi() {
    let dir = scratch("deps");
    let src = dir.join("deps.cpp");
    fs::write(&src, "#include \"HttpMessage.h\"\n#include \"hasync.h\"\n").unwrap();
    let out = run(compiler(false).arg("-M").arg(&src), "listing the includes");
    let deps = String::from_utf8_lossy(&out.stdout);
    for forbidden in ["hvrs.h", "hlog.h", "hloop.h"] {
        assert!(
            !deps.contains(forbidden),
            "HttpMessage.h / hasync.h include {forbidden}:\n{deps}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn cxx_program_exercises_http_messages() {
    let dir = scratch("prog");
    let sources = [("prog.cpp", CXX_PROGRAM), ("other_tu.cpp", CXX_OTHER_TU)];
    let out = build_and_run(&dir, &sources);
    check_expected(&out, EXPECTED);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn without_http_content_keeps_the_plain_message() {
    let dir = scratch("nocontent-prog");
    let out = build_and_run(&dir, &[("nocontent.cpp", NO_CONTENT_PROGRAM)]);
    check_expected(
        &out,
        &[
            (
                "dump",
                r#"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nDate: x\r\n\r\nok"#,
            ),
            ("param.b", "1"),
            ("path", "/a b"),
            ("parse.json", "0"),
            ("infer.none", ""),
        ],
    );
    let _ = fs::remove_dir_all(&dir);
}

const NO_CONTENT_PROGRAM: &str = r###"#define WITHOUT_HTTP_CONTENT
#include "HttpMessage.h"

#include <stdio.h>

static std::string esc(const std::string& s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') o += "\\r";
        else if (s[i] == '\n') o += "\\n";
        else o += s[i];
    }
    return o;
}

int main() {
    HttpResponse r;
    r.String("ok");
    snprintf(HttpMessage::s_date, sizeof(HttpMessage::s_date), "x");
    printf("dump=%s\n", esc(r.Dump(true, true)).c_str());
    HttpRequest q;
    q.url = "/a%20b?b=1";
    q.ParseUrl();
    printf("param.b=%s\n", q.GetParam("b").c_str());
    printf("path=%s\n", q.Path().c_str());
    HttpRequest p;
    p.headers["Content-Type"] = "application/json";
    p.body = "{}";
    printf("parse.json=%d\n", p.ParseBody());
    /* without structured content, a bare body does not imply text/plain */
    HttpRequest n;
    n.headers.clear();
    n.body = "x";
    n.FillContentType();
    printf("infer.none=%s\n", n.GetHeader("Content-Type").c_str());
    printf("END\n");
    return 0;
}
"###;

const CXX_OTHER_TU: &str = r###"#include "hv/HttpMessage.h"
#include "hv/hasync.h"
#include "hv/http_content.h"
#include "hv/httpdef.h"

void* other_no_cookie() { return &NoCookie; }
void* other_default_headers() { return &DefaultHeaders; }
char* other_s_date() { return HttpMessage::s_date; }
void* other_pool() { return hv::GlobalThreadPool::instance(); }
int other_async() { return hv::async([](int x) { return x + 1; }, 10).get(); }
"###;

const CXX_PROGRAM: &str = r###"#include "HttpMessage.h"
#include "hasync.h"
#include "hthreadpool.h"
#include "json.hpp"
#include "http_content.h"
#include "httpdef.h"

#include <stdio.h>
#include <unistd.h>
#include <atomic>
#include <string>

/* defined in other_tu.cpp, which includes the headers as "hv/X.h" */
void* other_no_cookie();
void* other_default_headers();
char* other_s_date();
void* other_pool();
int other_async();

static std::string esc(const std::string& s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') o += "\\r";
        else if (s[i] == '\n') o += "\\n";
        else if (s[i] == '\\') o += "\\\\";
        else o += s[i];
    }
    return o;
}
static void out(const char* key, const std::string& v) { printf("%s=%s\n", key, esc(v).c_str()); }
static void out(const char* key, long long v) { printf("%s=%lld\n", key, v); }

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    std::string scratch(argv[1]);
    // ---- httpdef tables
    out("status.404", http_status_str(HTTP_STATUS_NOT_FOUND));
    out("status.203", http_status_str(HTTP_STATUS_NON_AUTHORITATIVE_INFORMATION));
    out("status.418", http_status_str((http_status)418));
    out("status.custom", HTTP_CUSTOM_STATUS);
    out("status.enum", http_status_enum("Gateway Timeout"));
    out("method.0", http_method_str(HTTP_DELETE));
    out("method.24", http_method_str(HTTP_MSEARCH));
    out("method.enum.PATCH", http_method_enum("PATCH"));
    out("method.enum.get", http_method_enum("get"));
    out("method.custom", HTTP_CUSTOM_METHOD);
    out("ct.json", APPLICATION_JSON);
    out("ct.urlencoded", X_WWW_FORM_URLENCODED);
    out("ct.multipart", MULTIPART_FORM_DATA);
    out("ct.grpc", APPLICATION_GRPC);
    out("ct.octet", APPLICATION_OCTET_STREAM);
    out("ct.undefined", CONTENT_TYPE_UNDEFINED);
    out("ct.str.json", http_content_type_str(APPLICATION_JSON));
    out("ct.str.bmp", http_content_type_str(IMAGE_BMP));
    out("ct.enum.charset", http_content_type_enum("application/json; charset=utf-8"));
    out("ct.enum.empty", http_content_type_enum(""));
    out("ct.enum.unknown", http_content_type_enum("foo/bar"));
    out("ct.suffix", http_content_type_suffix(TEXT_MARKDOWN));
    out("ct.by_suffix", http_content_type_str_by_suffix("png"));
    out("ct.by_suffix.none", http_content_type_str_by_suffix("jpeg"));
    out("ct.enum_by_suffix", http_content_type_enum_by_suffix("mp4"));
    out("hp", (long long)HP_HEADERS_COMPLETE * 1000 + HP_BODY * 100 + HP_MESSAGE_COMPLETE * 10 + (HP_ERROR - 11));

    int n_status = 0, ok_status = 0;
#define XX(code, name, reason) ++n_status; ok_status += (http_status_enum(#reason) == HTTP_STATUS_##name && strcmp(http_status_str(HTTP_STATUS_##name), #reason) == 0 && HTTP_STATUS_##name == code);
    HTTP_STATUS_MAP(XX)
#undef XX
    out("table.status", (long long)n_status * 1000 + ok_status);
    int n_method = 0, ok_method = 0;
#define XX(num, name, token) ++n_method; ok_method += (http_method_enum(#token) == HTTP_##name && HTTP_##name == num && strcmp(http_method_str(HTTP_##name), #token) == 0);
    HTTP_METHOD_MAP(XX)
#undef XX
    out("table.method", (long long)n_method * 1000 + ok_method);
    int n_ct = 0, ok_ct = 0;
#define XX(name, mime, suffix) ++n_ct; ok_ct += (http_content_type_enum(#mime) == name && http_content_type_enum_by_suffix(#suffix) == name && strcmp(http_content_type_str_by_suffix(#suffix), #mime) == 0 && strcmp(http_content_type_suffix(name), #suffix) == 0);
    HTTP_CONTENT_TYPE_MAP(XX)
#undef XX
    out("table.content_type", (long long)n_ct * 1000 + ok_ct);
    out("ct.woff2", http_content_type_enum("font/woff2"));
    out("ct.values", (long long)TEXT_PLAIN * 1000000 + TEXT_HTML * 1000 + APPLICATION_JAVASCRIPT);
    out("ct.values2", (long long)IMAGE_JPEG * 1000000 + VIDEO_ASF * 1000 + AUDIO_OPUS);
    out("ct.values3", (long long)FONT_WOFF2 * 1000000 + APPLICATION_PPTX * 1000 + TEXT_EVENT_STREAM);

    // ---- query params
    hv::QueryParams qp;
    int rc = hv::parse_query_params("/path?env=1&a=x%20y+z&=skip&flag&b=c=d", qp);
    out("qp.rc", rc);
    for (auto& kv : qp) printf("qp[%s]=%s\n", kv.first.c_str(), kv.second.c_str());
    hv::QueryParams q2; q2["k y"] = "v&1"; q2["a"] = "b";
    out("qp.dump", hv::dump_query_params(q2));
    hv::QueryParams q3;
    out("qp.empty.rc", hv::parse_query_params("", q3));

    // ---- cookies
    HttpCookie c;
    bool ok = c.parse("sid=abc; Path=/; Max-Age=10; HttpOnly");
    out("cookie.ok", ok);
    out("cookie.name", c.name);
    out("cookie.value", c.value);
    out("cookie.path", c.path);
    out("cookie.max_age", c.max_age);
    out("cookie.httponly", c.httponly);
    out("cookie.dump", c.dump());
    HttpCookie c2;
    c2.parse("a=1; b=2; Domain=example.com; Secure; SameSite=Lax; Priority=High; Expires=Wed, 21 Oct 2015 07:28:00 GMT");
    out("cookie2.dump", c2.dump());

    // ---- Json
    HttpResponse resp;
    hv::StringList paths; paths.push_back("/ping"); paths.push_back("/echo");
    out("json.rc", resp.Json(paths));
    out("json.body", resp.body);
    out("json.type", resp.content_type);
    http_headers hdrs; hdrs["Content-Type"] = "text/plain"; hdrs["accept"] = "*/*";
    hv::Json j;
    j["headers"] = hdrs;
    j["args"] = qp;
    j["str"] = std::string("s");
    out("json.maps", j.dump());
    out("json.dump2", j.dump(2).size() > j.dump().size());

    // ---- Set / Get with JSON body
    HttpResponse r1;
    r1.Set("dropped", 1);
    out("set.none.headers", (long long)r1.headers.size());
    r1.content_type = APPLICATION_JSON;
    r1.Set("int", 123);
    r1.Set("float", 3.14f);
    r1.Set("bool", true);
    r1.Set("str", "hello");
    r1.Set("ull", (unsigned long long)1234567890123ULL);
    r1.Set("s", std::string("x"));
    out("set.json", r1.json.dump());
    out("get.int", r1.Get<int>("int"));
    out("get.int64", (long long)r1.Get<int64_t>("ull"));
    out("get.bool", r1.Get<bool>("bool"));
    out("get.float", hv::to_string(r1.Get<float>("float")));
    out("get.double.def", hv::to_string(r1.Get<double>("missing", 2.5)));
    out("get.string.int", r1.GetString("int"));
    out("get.string.bool", r1.GetString("bool"));
    out("get.string.def", r1.GetString("missing", "dflt"));
    out("get.noinsert", r1.json.contains("missing"));

    HttpRequest jreq;
    jreq.headers["Content-Type"] = "application/json";
    jreq.body = "{\"bool\":true,\"int\":123,\"float\":3.14,\"string\":\"hello\",\"big\":1e300,\"nstr\":\"42\"}";
    out("req.json.int", jreq.Get<int>("int"));
    out("req.json.float", hv::to_string(jreq.Get<float>("float")));
    out("req.json.string", jreq.GetString("string"));
    out("req.json.bool", jreq.GetBool("bool"));
    out("req.json.big", (long long)jreq.GetInt("big"));
    out("req.json.nstr", (long long)jreq.GetInt("nstr"));
    out("req.json.type", jreq.ContentType());
    out("req.getjson", jreq.GetJson()["string"].get<std::string>());

    // ---- urlencoded
    HttpRequest ureq;
    ureq.headers["Content-Type"] = "application/x-www-form-urlencoded";
    ureq.body = "user=admin&pswd=123456&n=7&f=1.5&yes=on";
    out("url.user", ureq.GetString("user"));
    out("url.n", ureq.Get<int>("n"));
    out("url.f", hv::to_string(ureq.Get<double>("f")));
    out("url.yes", ureq.Get<bool>("yes"));
    out("url.kv", ureq.GetUrlEncoded("pswd"));
    HttpResponse uresp;
    uresp.content_type = APPLICATION_URLENCODED;
    uresp.kv = ureq.GetUrlEncoded();
    uresp.SetUrlEncoded("int", 123);
    uresp.Set("float", 3.14);
    uresp.Set("string", "hello");
    uresp.DumpBody();
    out("url.dump", uresp.body);

    // ---- multipart
    HttpResponse mresp;
    mresp.content_type = MULTIPART_FORM_DATA;
    mresp.Set("name", "bob");
    mresp.SetFormData("age", 42);
    mresp.DumpBody();
    out("mp.ct", mresp.headers["Content-Type"]);
    out("mp.body", mresp.body);
    HttpRequest mreq;
    mreq.headers["Content-Type"] = "multipart/form-data; boundary=\"XyZ\"";
    mreq.body = "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n"
                "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../a.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n"
                "--XyZ\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"/etc/hostname\"\r\n\r\n\r\n"
                "--XyZ--\r\n";
    out("mp.parse", mreq.ParseBody());
    out("mp.user", mreq.GetString("user"));
    out("mp.file", mreq.GetFormData("file"));
    out("mp.filename", mreq.form["file"].filename);
    out("mp.n", mreq.Get<int>("nope", -1));
    const char* dir = argv[1];
    out("mp.save", mreq.SaveFormFile("file", dir));
    std::string saved = std::string(dir) + "/a.txt";
    HttpResponse fr;
    out("mp.saved.read", fr.File(saved.c_str()));
    out("mp.saved.body", fr.body);
    out("mp.saved.type", fr.content_type);
    out("mp.save.empty", mreq.SaveFormFile("empty", dir));
    out("mp.save.missing", mreq.SaveFormFile("missing", dir));
    HttpResponse echo;
    echo.content_type = MULTIPART_FORM_DATA;
    echo.form = mreq.GetForm();
    echo.DumpBody();
    out("mp.echo.nofile", echo.form["empty"].content.empty());
    hv::MultiPart bad;
    out("mp.bad", hv::parse_multipart("garbage", bad, "XyZ"));

    // ---- FillContentType / FillContentLength / DumpHeaders
    HttpResponse h;
    h.String("pong");
    h.headers["x-lower"] = "1";
    h.headers["X-LOWER"] = "two\r\nInjected: yes";
    h.headers["content-type"] = "text/plain";
    HttpCookie sc; sc.parse("sid=abc; Path=/; Max-Age=10; HttpOnly");
    h.AddCookie(sc);
    h.headers["Server"] = "libhv/1.3.3";
    std::string hs;
    h.DumpHeaders(hs);
    out("dump.headers", hs);
    HttpResponse ji; ji.json["a"] = 1;
    std::string jis; ji.DumpHeaders(jis);
    out("infer.json", jis);
    out("infer.json.body", ji.body);
    HttpRequest ti; ti.headers.clear(); ti.body = "x";
    std::string tis; ti.DumpHeaders(tis);
    out("infer.text", tis);
    HttpResponse un; un.SetContentType("foo/bar"); un.body = "z";
    std::string uns; un.DumpHeaders(uns);
    out("infer.undefined", uns);
    HttpResponse n204; n204.status_code = HTTP_STATUS_NO_CONTENT;
    std::string s204; n204.DumpHeaders(s204);
    out("dump.204", s204);
    HttpResponse n200;
    std::string s200; n200.DumpHeaders(s200);
    out("dump.200.empty", s200);
    HttpRequest rq0; rq0.headers.clear();
    std::string srq; rq0.DumpHeaders(srq);
    out("dump.req.empty", srq);
    HttpResponse full; full.String("hi"); full.headers["Date"] = "x";
    HttpMessage::s_date[0] = 0;
    std::string fd = full.Dump(true, true);
    out("dump.full.prefix", fd.substr(0, 17));
    out("dump.full.suffix", fd.substr(fd.size() - 8));
    out("dump.full.date", full.headers["Date"].size() == 29 && full.headers["Date"].substr(25) == " GMT");
    snprintf(HttpMessage::s_date, sizeof(HttpMessage::s_date), "%s", "Sun, 06 Nov 1994 08:49:37 GMT");
    full.Dump(true, false);
    out("dump.s_date", full.headers["Date"]);
    HttpResponse unk; unk.status_code = (http_status)299;
    out("dump.299", unk.Dump(false, false));
    HttpResponse d; char raw[] = "0123456789";
    out("data.rc", d.Data(raw, 10));
    std::string db; d.DumpBody(db);
    out("data.body", db);
    out("data.len", (long long)d.ContentLength());
    out("data.type", http_content_type_str(d.ContentType()));

    // ---- ParseUrl / Path / query merge
    HttpRequest u;
    u.url = "/get?env=1&a=x%20y+z";
    u.headers["Host"] = "127.0.0.1:18080";
    u.query_params["id"] = "7";
    u.ParseUrl();
    out("url.url", u.url);
    out("url.path", u.path);
    out("url.Path", u.Path());
    out("url.host", u.host);
    out("url.port", u.port);
    out("url.scheme", u.scheme);
    for (auto& kv : u.query_params) printf("url.q[%s]=%s\n", kv.first.c_str(), kv.second.c_str());
    HttpRequest u2;
    u2.url = "https://example.com:8443/a%20b/c+d?y=%41#frag";
    u2.ParseUrl();
    out("url2.host", u2.host);
    out("url2.port", u2.port);
    out("url2.scheme", u2.scheme);
    out("url2.Host", u2.GetHeader("Host"));
    out("url2.FullPath", u2.FullPath());
    out("url2.Path", u2.Path());
    out("url2.y", u2.GetParam("y"));
    out("url2.def", u2.GetParam("zz", "dv"));
    out("url2.https", u2.IsHttps());
    HttpRequest u3;
    u3.SetMethod("POST");
    u3.SetUrl("http://[::1]:8080/x?k=v");
    u3.body = "abc";
    std::string dump3 = u3.Dump(true, true);
    out("url3.dump", dump3);
    HttpRequest ka; ka.http_minor = 0;
    out("keepalive.10", ka.IsKeepAlive());
    ka.headers["connection"] = "Keep-Alive";
    out("keepalive.10ka", ka.IsKeepAlive());
    ka.headers["Connection"] = "close";
    out("keepalive.close", ka.IsKeepAlive());
    HttpRequest au; au.SetBasicAuth("user", "pass");
    out("auth.basic", au.GetHeader("authorization"));

    // ---- Range
    HttpRequest rg;
    long from = -1, to = -1;
    out("range.none", rg.GetRange(from, to));
    out("range.none.vals", from * 10 + to);
    rg.SetRange(100, 199);
    out("range.hdr", rg.GetHeader("Range"));
    out("range.get", rg.GetRange(from, to));
    out("range.from", from); out("range.to", to);
    rg.SetRange(500);
    rg.GetRange(from, to);
    out("range.open.to", to);
    rg.headers["Range"] = "bytes=100-";
    rg.GetRange(from, to);
    out("range.open2", from * 1000 + to);
    HttpResponse cr;
    cr.SetRange(0, 9, 100);
    long t = 0;
    out("crange.hdr", cr.GetHeader("Content-Range"));
    out("crange.get", cr.GetRange(from, to, t));
    out("crange.vals", from * 10000 + to * 1000 + t);

    // ---- Redirect
    HttpResponse rd;
    out("redirect.rc", rd.Redirect("/ping"));
    out("redirect.loc", rd.GetHeader("Location"));
    out("redirect.status", rd.status_code);
    out("redirect.301", rd.Redirect("https://x/", HTTP_STATUS_MOVED_PERMANENTLY));
    out("redirect.is", HTTP_STATUS_IS_REDIRECT(rd.status_code));

    // ---- File / SaveFile
    std::string fpath = std::string(dir) + "/data.json";
    HttpRequest sv; sv.body = "{\"k\":1}";
    out("savefile.rc", sv.SaveFile(fpath.c_str()));
    HttpResponse fl;
    out("file.rc", fl.File(fpath.c_str()));
    out("file.body", fl.body);
    out("file.type", http_content_type_str(fl.content_type));
    out("file.missing", fl.File("/nonexistent/file.txt"));
    out("file.dir", fl.File(dir));
    out("savefile.bad", sv.SaveFile("/nonexistent/dir/x"));
    unlink(fpath.c_str()); unlink(saved.c_str());

    // ---- cookies on messages
    HttpRequest ck;
    HttpCookie cc; cc.parse("a=1; b=2");
    ck.cookies.push_back(cc);
    out("getcookie.b", ck.GetCookie("b").value);
    out("getcookie.none", ck.GetCookie("zz").name.empty());
    out("nocookie.same", &ck.GetCookie("zz") == &NoCookie);
    out("globals", DefaultHeaders.empty() && NoBody.empty());

    // ---- async
    std::atomic<int> counter(0);
    std::future<int> f = hv::async([&counter](int a, int b) { ++counter; return a + b; }, 40, 2);
    out("async.result", f.get());
    std::vector<std::future<void>> fs;
    for (int i = 0; i < 20; ++i) fs.push_back(hv::async([&counter]() { ++counter; }));
    for (auto& x : fs) x.get();
    out("async.counter", counter.load());
    out("async.started", hv::GlobalThreadPool::instance()->isStarted());
    out("odr.pool", other_pool() == (void*)hv::GlobalThreadPool::instance());
    out("odr.async", other_async());
    out("odr.nocookie", other_no_cookie() == (void*)&NoCookie);
    out("odr.defaultheaders", other_default_headers() == (void*)&DefaultHeaders);
    out("odr.s_date", other_s_date() == HttpMessage::s_date);
    hv::async::cleanup();
    hv::async::startup(2, 4);
    out("async.restart.threads", hv::GlobalThreadPool::instance()->currentThreadNum());
    out("async.again", hv::async([]() { return 7; }).get());
    hv::async::cleanup();
    HThreadPool pool(1, 3, 50);
    std::vector<std::future<int>> pf;
    for (int i = 0; i < 6; ++i) pf.push_back(pool.commit([](int x) { usleep(20000); return x * x; }, i));
    int sum = 0; for (auto& x : pf) sum += x.get();
    out("pool.sum", sum);
    out("pool.max", pool.currentThreadNum() <= 3);
    pool.wait();
    for (int i = 0; i < 200 && pool.currentThreadNum() > 1; ++i) usleep(10000);
    out("pool.shrunk", pool.currentThreadNum());
    out("pool.stop", pool.stop());
    out("pool.stop2", pool.stop());
    printf("END\n");
    return 0;
}
"###;

/// What CXX_PROGRAM prints, key by key.
const EXPECTED: &[(&str, &str)] = &[
    ("status.404", r#"Not Found"#),
    ("status.203", r#"Non-Authoritative Information"#),
    ("status.418", r#"<unknown>"#),
    ("status.custom", r#"512"#),
    ("status.enum", r#"504"#),
    ("method.0", r#"DELETE"#),
    ("method.24", r#"M-SEARCH"#),
    ("method.enum.PATCH", r#"28"#),
    ("method.enum.get", r#"34"#),
    ("method.custom", r#"34"#),
    ("ct.json", r#"202"#),
    ("ct.urlencoded", r#"204"#),
    ("ct.multipart", r#"301"#),
    ("ct.grpc", r#"212"#),
    ("ct.octet", r#"205"#),
    ("ct.undefined", r#"1000"#),
    ("ct.str.json", r#"application/json"#),
    ("ct.str.bmp", r#"image/x-ms-bmp"#),
    ("ct.enum.charset", r#"202"#),
    ("ct.enum.empty", r#"0"#),
    ("ct.enum.unknown", r#"1000"#),
    ("ct.suffix", r#"md"#),
    ("ct.by_suffix", r#"image/png"#),
    ("ct.by_suffix.none", r#""#),
    ("ct.enum_by_suffix", r#"501"#),
    ("hp", r#"6900"#),
    ("table.status", r#"59059"#),
    ("table.method", r#"34034"#),
    ("table.content_type", r#"62062"#),
    ("ct.woff2", r#"704"#),
    ("ct.values", r#"101102201"#),
    ("ct.values2", r#"401512606"#),
    ("ct.values3", r#"704225106"#),
    ("qp.rc", r#"0"#),
    ("qp[a]", r#"x y z"#),
    ("qp[b]", r#"c=d"#),
    ("qp[env]", r#"1"#),
    ("qp[flag]", r#""#),
    ("qp.dump", r#"a=b&k%20y=v%261"#),
    ("qp.empty.rc", r#"-1"#),
    ("cookie.ok", r#"1"#),
    ("cookie.name", r#"sid"#),
    ("cookie.value", r#"abc"#),
    ("cookie.path", r#"/"#),
    ("cookie.max_age", r#"10"#),
    ("cookie.httponly", r#"1"#),
    ("cookie.dump", r#"sid=abc; Path=/; Max-Age=10; HttpOnly"#),
    (
        "cookie2.dump",
        r#"a=1; b=2; Domain=example.com; Expires=Wed, 21 Oct 2015 07:28:00 GMT; SameSite=Lax; Priority=High; Secure"#,
    ),
    ("json.rc", r#"200"#),
    ("json.body", r#"[\n  "/ping",\n  "/echo"\n]"#),
    ("json.type", r#"202"#),
    (
        "json.maps",
        r#"{"args":{"a":"x y z","b":"c=d","env":"1","flag":""},"headers":{"Content-Type":"text/plain","accept":"*/*"},"str":"s"}"#,
    ),
    ("json.dump2", r#"1"#),
    ("set.none.headers", r#"0"#),
    (
        "set.json",
        r#"{"bool":true,"float":3.140000104904175,"int":123,"s":"x","str":"hello","ull":1234567890123}"#,
    ),
    ("get.int", r#"123"#),
    ("get.int64", r#"1234567890123"#),
    ("get.bool", r#"1"#),
    ("get.float", r#"3.14"#),
    ("get.double.def", r#"2.5"#),
    ("get.string.int", r#"123"#),
    ("get.string.bool", r#"true"#),
    ("get.string.def", r#"dflt"#),
    ("get.noinsert", r#"0"#),
    ("req.json.int", r#"123"#),
    ("req.json.float", r#"3.14"#),
    ("req.json.string", r#"hello"#),
    ("req.json.bool", r#"1"#),
    ("req.json.big", r#"9223372036854775807"#),
    ("req.json.nstr", r#"42"#),
    ("req.json.type", r#"202"#),
    ("req.getjson", r#"hello"#),
    ("url.user", r#"admin"#),
    ("url.n", r#"7"#),
    ("url.f", r#"1.5"#),
    ("url.yes", r#"1"#),
    ("url.kv", r#"123456"#),
    (
        "url.dump",
        r#"f=1.5&float=3.14&int=123&n=7&pswd=123456&string=hello&user=admin&yes=on"#,
    ),
    (
        "mp.ct",
        r#"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"#,
    ),
    (
        "mp.body",
        r#"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name="age"\r\n\r\n42\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name="name"\r\n\r\nbob\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n"#,
    ),
    ("mp.parse", r#"0"#),
    ("mp.user", r#"alice"#),
    ("mp.file", r#"line1\r\nline2"#),
    ("mp.filename", r#"../../a.txt"#),
    ("mp.n", r#"-1"#),
    ("mp.save", r#"200"#),
    ("mp.saved.read", r#"200"#),
    ("mp.saved.body", r#"line1\r\nline2"#),
    ("mp.saved.type", r#"101"#),
    ("mp.save.empty", r#"400"#),
    ("mp.save.missing", r#"400"#),
    ("mp.echo.nofile", r#"1"#),
    ("mp.bad", r#"-1"#),
    (
        "dump.headers",
        r#"Content-Length: 4\r\ncontent-type: text/plain\r\nServer: libhv/1.3.3\r\nx-lower: two\\r\\nInjected: yes\r\nSet-Cookie: sid=abc; Path=/; Max-Age=10; HttpOnly\r\n"#,
    ),
    (
        "infer.json",
        r#"Content-Length: 12\r\nContent-Type: application/json\r\n"#,
    ),
    ("infer.json.body", r#"{\n  "a": 1\n}"#),
    (
        "infer.text",
        r#"Content-Length: 1\r\nContent-Type: text/plain\r\n"#,
    ),
    ("infer.undefined", r#"Content-Length: 1\r\n"#),
    ("dump.204", r#""#),
    ("dump.200.empty", r#"Content-Length: 0\r\n"#),
    ("dump.req.empty", r#""#),
    ("dump.full.prefix", r#"HTTP/1.1 200 OK\r\n"#),
    ("dump.full.suffix", r#"MT\r\n\r\nhi"#),
    ("dump.full.date", r#"1"#),
    ("dump.s_date", r#"Sun, 06 Nov 1994 08:49:37 GMT"#),
    ("dump.299", r#"HTTP/1.1 299 <unknown>\r\n\r\n"#),
    ("data.rc", r#"200"#),
    ("data.body", r#"0123456789"#),
    ("data.len", r#"10"#),
    ("data.type", r#"application/octet-stream"#),
    ("url.url", r#"http://127.0.0.1:18080/get?env=1&a=x%20y+z"#),
    ("url.path", r#"/get?env=1&a=x%20y+z"#),
    ("url.Path", r#"/get"#),
    ("url.host", r#"127.0.0.1"#),
    ("url.port", r#"18080"#),
    ("url.scheme", r#"http"#),
    ("url.q[a]", r#"x y z"#),
    ("url.q[env]", r#"1"#),
    ("url.q[id]", r#"7"#),
    ("url2.host", r#"example.com"#),
    ("url2.port", r#"8443"#),
    ("url2.scheme", r#"https"#),
    ("url2.Host", r#"example.com:8443"#),
    ("url2.FullPath", r#"/a%20b/c+d?y=%41#frag"#),
    ("url2.Path", r#"/a b/c d"#),
    ("url2.y", r#"A#frag"#),
    ("url2.def", r#"dv"#),
    ("url2.https", r#"1"#),
    (
        "url3.dump",
        r#"POST /x?k=v HTTP/1.1\r\nAccept: */*\r\nContent-Length: 3\r\nContent-Type: text/plain\r\nHost: [::1]:8080\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/63.0.3239.132 Safari/537.36\r\n\r\nabc"#,
    ),
    ("keepalive.10", r#"0"#),
    ("keepalive.10ka", r#"1"#),
    ("keepalive.close", r#"0"#),
    ("auth.basic", r#"Basic dXNlcjpwYXNz"#),
    ("range.none", r#"0"#),
    ("range.none.vals", r#"0"#),
    ("range.hdr", r#"bytes=100-199"#),
    ("range.get", r#"1"#),
    ("range.from", r#"100"#),
    ("range.to", r#"199"#),
    ("range.open.to", r#"-1"#),
    ("range.open2", r#"100000"#),
    ("crange.hdr", r#"bytes 0-9/100"#),
    ("crange.get", r#"1"#),
    ("crange.vals", r#"9100"#),
    ("redirect.rc", r#"302"#),
    ("redirect.loc", r#"/ping"#),
    ("redirect.status", r#"302"#),
    ("redirect.301", r#"301"#),
    ("redirect.is", r#"1"#),
    ("savefile.rc", r#"200"#),
    ("file.rc", r#"200"#),
    ("file.body", r#"{"k":1}"#),
    ("file.type", r#"application/json"#),
    ("file.missing", r#"404"#),
    ("file.dir", r#"404"#),
    ("savefile.bad", r#"404"#),
    ("getcookie.b", r#"2"#),
    ("getcookie.none", r#"1"#),
    ("nocookie.same", r#"1"#),
    ("globals", r#"1"#),
    ("async.result", r#"42"#),
    ("async.counter", r#"21"#),
    ("async.started", r#"1"#),
    ("odr.pool", r#"1"#),
    ("odr.async", r#"11"#),
    ("odr.nocookie", r#"1"#),
    ("odr.defaultheaders", r#"1"#),
    ("odr.s_date", r#"1"#),
    ("async.restart.threads", r#"2"#),
    ("async.again", r#"7"#),
    ("pool.sum", r#"55"#),
    ("pool.max", r#"1"#),
    ("pool.shrunk", r#"1"#),
    ("pool.stop", r#"0"#),
    ("pool.stop2", r#"-1"#),
];
