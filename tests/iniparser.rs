//! Checks for the header-only `include/hv/iniparser.h` (libhv's `IniParser`).
//!
//! The header is compiled on its own and included twice, in both include styles, with
//! `-std=c++11 -Wall -Wextra -Werror`. Then a C++ program (two translation units, to catch
//! duplicate symbols) loads an httpd.conf-like file from a scratch directory, queries it,
//! edits it, saves it and reloads it, and prints `key=value` lines that are asserted here.
//! Only std and the shared helpers are used; the system `c++` does the compiling and nothing is
//! linked but libstdc++ (and the sanitizer runtimes in the sanitizer pass).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const CXX_FLAGS: &[&str] = &["-std=c++11", "-Wall", "-Wextra", "-Werror"];

fn include_dir() -> PathBuf {
    Path::new(MANIFEST_DIR).join("include")
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hvrs-iniparser-{}-{}", std::process::id(), name));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n--- command ---\n{:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status,
            cmd,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

#[test]
fn header_compiles_alone_and_twice_in_both_include_styles() {
    let dir = scratch("syntax");
    let once = dir.join("once.cpp");
    fs::write(
        &once,
        "#include \"hv/iniparser.h\"\nint once_main() { IniParser p; return p.Get<int>(\"a\"); }\n",
    )
    .unwrap();
    let twice = dir.join("twice.cpp");
    fs::write(
        &twice,
        "#include \"iniparser.h\"\n#include \"iniparser.h\"\n\
         int twice_main() { IniParser p; p.Set<bool>(\"b\", true); return p.Get<bool>(\"b\") ? 0 : 1; }\n",
    )
    .unwrap();
    let twice_installed = dir.join("twice_installed.cpp");
    fs::write(
        &twice_installed,
        "#include \"hv/iniparser.h\"\n#include \"hv/iniparser.h\"\ntypedef int hvrs_twice;\n",
    )
    .unwrap();
    // Each file is checked with only the include directory its style needs.
    for (file, inc) in [
        (&once, include_dir()),
        (&twice_installed, include_dir()),
        (&twice, include_dir().join("hv")),
    ] {
        let mut cmd = Command::new("c++");
        cmd.args(CXX_FLAGS)
            .arg("-fsyntax-only")
            .arg("-I")
            .arg(&inc)
            .arg(file);
        run(&mut cmd, &format!("c++ syntax check of {}", file.display()));
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn program_loads_queries_edits_and_saves_an_httpd_conf() {
    let dir = scratch("prog");
    fs::write(dir.join("httpd.conf"), HTTPD_CONF).unwrap();
    let prog = dir.join("prog.cpp");
    let other = dir.join("other_tu.cpp");
    fs::write(&prog, PROGRAM).unwrap();
    fs::write(&other, OTHER_TU).unwrap();
    let exe = dir.join("prog");
    let mut cmd = Command::new("c++");
    cmd.args(CXX_FLAGS)
        .args(common::sanitize_flags())
        .arg("-I")
        .arg(include_dir())
        .arg(&prog)
        .arg(&other)
        .arg("-o")
        .arg(&exe);
    run(&mut cmd, "building the IniParser program");
    let out = run(
        common::sanitizer_env(&mut Command::new(&exe))
            .arg(&dir)
            .current_dir(&dir),
        "running the IniParser program",
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    for want in [
        // GetValue: trimmed values, trailing comments removed, commented-out keys absent
        "loglevel=INFO",
        "log_filesize=64M",
        "keepalive_timeout=75000",
        "title=[Hello  World]",
        "error_page=[]",
        "missing=[]",
        "trust_proxies=*httpbin.org;*postman-echo.com",
        "reverse=/httpbin/ > http://httpbin.org/",
        // Get<int> / Get<bool> / Get<float>
        "http_port=8080",
        "worker_connections=1024",
        "keepalive_timeout_int=75000",
        "proxy_connect_timeout=10000",
        "missing_int=-1",
        "not_a_number=0",
        "cors=1",
        "access_log=0",
        "daemon=1",
        "forward_proxy=1",
        "enabled_yes=1",
        "loglevel_bool=0",
        "missing_bool_default=1",
        "ratio=0.75",
        // GetSections / GetKeys
        "sections=proxy,empty",
        "root_keys=loglevel,log_filesize,worker_processes,worker_connections,http_port,\
         document_root,home_page,keepalive_timeout,access_log,cors,daemon,enabled,ratio,title",
        "proxy_keys=proxy_connect_timeout,forward_proxy,trust_proxies,/httpbin/",
        "empty_keys=",
        "nosuch_keys=",
        // edits, Save, reload
        "saved http_port=9090",
        "saved worker_connections=2048",
        "saved cors=0",
        "saved proxy_read_timeout=60000",
        "saved added.name=new value",
        "saved ratio=0.500000",
        "saved sections=proxy,empty,added",
        "reload=0",
        "saveas_same=1",
        "mem_dump=# head\\n\\na = 1\\t# c\\n[s]\\nb = two words\\n# tail\\n",
        "open_missing=1030",
        "INI OK",
    ] {
        assert!(
            lines.contains(&want),
            "missing line {want:?} in program output:\n{stdout}"
        );
    }
    // Save() kept the comments and the file's layout.
    let saved = fs::read_to_string(dir.join("httpd.conf")).unwrap();
    assert!(
        saved.starts_with("# httpd.conf-like test file\n"),
        "{saved}"
    );
    assert!(
        saved.contains("\n# http server\nhttp_port = 9090\n"),
        "{saved}"
    );
    assert!(
        saved.contains("keepalive_timeout = 75000\t# ms\n"),
        "{saved}"
    );
    assert!(saved.contains("#error_page = error.html\n"), "{saved}");
    assert!(
        saved.contains("\n[proxy]\nproxy_connect_timeout = 10000\t# ms\n"),
        "{saved}"
    );
    assert!(saved.ends_with("\n[added]\nname = new value"), "{saved}");
    let copy = fs::read_to_string(dir.join("copy.conf")).unwrap();
    assert_eq!(copy, saved, "SaveAs writes the same text as Save");
    assert!(
        !dir.join("never.conf").exists(),
        "an empty document is not saved"
    );
    let _ = fs::remove_dir_all(&dir);
}

const HTTPD_CONF: &str = "# httpd.conf-like test file
# [root]

loglevel = INFO
log_filesize = 64M
worker_processes = auto

   # indented comment
worker_connections = 1024

# http server
http_port = 8080
document_root = html
home_page = index.html
keepalive_timeout = 75000 # ms
access_log = off
cors = true
daemon = 1
enabled = YES
ratio = 0.75
title =   Hello  World   
#error_page = error.html
no delimiter here is skipped
[unterminated section is skipped

[proxy]
proxy_connect_timeout   = 10000 # ms
forward_proxy = on
trust_proxies = *httpbin.org;*postman-echo.com
/httpbin/ => http://httpbin.org/

[ empty ]
# end of file
";

const OTHER_TU: &str = r##"#include "hv/iniparser.h"

/* A second translation unit using the same specializations: no duplicate symbols. */
int other_tu_port(const char* text) {
    IniParser ini;
    ini.LoadFromMem(text);
    ini.Set<int>("port", ini.Get<int>("port") + 1);
    return ini.Get<int>("port", "", -1);
}
"##;

const PROGRAM: &str = r##"#include "hv/iniparser.h"

#include <stdio.h>
#include <string>

int other_tu_port(const char* text);

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); ++failures; } } while (0)

static std::string join(const std::list<std::string>& items) {
    std::string out;
    for (std::list<std::string>::const_iterator it = items.begin(); it != items.end(); ++it) {
        if (!out.empty()) out += ',';
        out += *it;
    }
    return out;
}

/* Control characters shown as \n, \t, \r so each result stays on one line. */
static std::string escaped(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n') out += "\\n";
        else if (s[i] == '\t') out += "\\t";
        else if (s[i] == '\r') out += "\\r";
        else out += s[i];
    }
    return out;
}

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : ".";
    std::string conf = dir + "/httpd.conf";

    IniParser ini;
    CHECK(std::string(DEFAULT_INI_COMMENT) == "#" && std::string(DEFAULT_INI_DELIM) == "=");
    CHECK(ini._comment == DEFAULT_INI_COMMENT && ini._delim == DEFAULT_INI_DELIM);
    CHECK(ini.GetValue("loglevel").empty() && ini.GetSections().empty() && ini.DumpString().empty());
    CHECK(ini.LoadFromFile(conf.c_str()) == 0);
    CHECK(ini._filepath == conf);

    printf("loglevel=%s\n", ini.GetValue("loglevel").c_str());
    printf("log_filesize=%s\n", ini.GetValue("log_filesize").c_str());
    printf("keepalive_timeout=%s\n", ini.GetValue("keepalive_timeout").c_str());
    printf("title=[%s]\n", ini.GetValue("title").c_str());
    printf("error_page=[%s]\n", ini.GetValue("error_page").c_str());
    printf("missing=[%s]\n", ini.GetValue("missing").c_str());
    printf("trust_proxies=%s\n", ini.GetValue("trust_proxies", "proxy").c_str());
    printf("reverse=/httpbin/ %s\n", ini.GetValue("/httpbin/", "proxy").c_str());
    CHECK(ini.GetValue("trust_proxies").empty());          /* top level only */
    CHECK(ini.GetValue("loglevel", "proxy").empty());
    CHECK(ini.GetValue("loglevel", "nosuch").empty());

    printf("http_port=%d\n", ini.Get<int>("http_port"));
    printf("worker_connections=%d\n", ini.Get<int>("worker_connections", "", 0));
    printf("keepalive_timeout_int=%d\n", ini.Get<int>("keepalive_timeout"));
    printf("proxy_connect_timeout=%d\n", ini.Get<int>("proxy_connect_timeout", "proxy"));
    printf("missing_int=%d\n", ini.Get<int>("missing", "", -1));
    printf("not_a_number=%d\n", ini.Get<int>("loglevel", "", -1));
    printf("cors=%d\n", (int)ini.Get<bool>("cors"));
    printf("access_log=%d\n", (int)ini.Get<bool>("access_log", "", true));
    printf("daemon=%d\n", (int)ini.Get<bool>("daemon"));
    printf("forward_proxy=%d\n", (int)ini.Get<bool>("forward_proxy", "proxy"));
    printf("enabled_yes=%d\n", (int)ini.Get<bool>("enabled"));
    printf("loglevel_bool=%d\n", (int)ini.Get<bool>("loglevel", "", true));
    printf("missing_bool_default=%d\n", (int)ini.Get<bool>("missing", "", true));
    printf("ratio=%g\n", (double)ini.Get<float>("ratio"));
    CHECK(ini.Get<float>("missing", "", 2.5f) == 2.5f);

    printf("sections=%s\n", join(ini.GetSections()).c_str());
    printf("root_keys=%s\n", join(ini.GetKeys()).c_str());
    printf("proxy_keys=%s\n", join(ini.GetKeys("proxy")).c_str());
    printf("empty_keys=%s\n", join(ini.GetKeys("empty")).c_str());
    printf("nosuch_keys=%s\n", join(ini.GetKeys("nosuch")).c_str());

    /* A copy is an independent document. */
    {
        IniParser copy(ini);
        copy.SetValue("loglevel", "DEBUG");
        CHECK(copy.GetValue("loglevel") == "DEBUG" && ini.GetValue("loglevel") == "INFO");
        IniParser assigned;
        assigned = copy;
        CHECK(assigned.GetValue("loglevel") == "DEBUG" && assigned.DumpString() == copy.DumpString());
    }

    /* Edit, Save, load again. */
    ini.SetValue("http_port", "9090");
    ini.Set<int>("worker_connections", 2048);
    ini.Set<bool>("cors", false);
    ini.SetValue("proxy_read_timeout", "60000", "proxy");
    ini.SetValue("name", "new value", "added");
    ini.Set<float>("ratio", 0.5f);
    CHECK(ini.Save() == 0);

    IniParser saved;
    CHECK(saved.LoadFromFile(conf.c_str()) == 0);
    printf("saved http_port=%d\n", saved.Get<int>("http_port"));
    printf("saved worker_connections=%s\n", saved.GetValue("worker_connections").c_str());
    printf("saved cors=%d\n", (int)saved.Get<bool>("cors", "", true));
    printf("saved proxy_read_timeout=%s\n", saved.GetValue("proxy_read_timeout", "proxy").c_str());
    printf("saved added.name=%s\n", saved.GetValue("name", "added").c_str());
    printf("saved ratio=%s\n", saved.GetValue("ratio").c_str());
    printf("saved sections=%s\n", join(saved.GetSections()).c_str());
    CHECK(saved.DumpString() == ini.DumpString());
    CHECK(saved.Get<int>("keepalive_timeout") == 75000);

    /* Reload re-reads _filepath (here after the file changed on disk). */
    ini.SetValue("loglevel", "WARN");
    printf("reload=%d\n", ini.Reload());
    CHECK(ini.GetValue("loglevel") == "INFO");

    std::string copy_path = dir + "/copy.conf";
    CHECK(saved.SaveAs(copy_path.c_str()) == 0);
    IniParser again;
    CHECK(again.LoadFromFile(copy_path.c_str()) == 0);
    printf("saveas_same=%d\n", (int)(again.DumpString() == saved.DumpString()));

    /* LoadFromMem: the dump keeps comments, blank lines and trailing comments. */
    IniParser mem;
    CHECK(mem.LoadFromMem("# head\n\na=1 # c\n[s]\nb = two words\n# tail\n") == 0);
    printf("mem_dump=%s\n", escaped(mem.DumpString()).c_str());
    CHECK(mem.GetValue("a") == "1" && mem.GetValue("b", "s") == "two words");
    CHECK(mem._filepath.empty());

    /* CRLF lines, a UTF-8 BOM, other comment and delimiter characters. */
    CHECK(mem.LoadFromMem("\xEF\xBB\xBFk = v\r\n[S]\r\nx=1\r\n") == 0);
    CHECK(mem.GetKeys().size() == 1);   /* the BOM is only skipped by LoadFromFile */
    std::string bom_path = dir + "/bom.conf";
    {
        FILE* fp = fopen(bom_path.c_str(), "wb");
        CHECK(fp != NULL);
        if (fp) {
            fputs("\xEF\xBB\xBFk = v\r\n[S]\r\nx=1\r\n", fp);
            fclose(fp);
        }
    }
    CHECK(mem.LoadFromFile(bom_path.c_str()) == 0);
    CHECK(mem.GetValue("k") == "v" && mem.Get<int>("x", "S") == 1 && join(mem.GetSections()) == "S");
    IniParser custom;
    custom._comment = ";#";
    custom._delim = ":";
    CHECK(custom.LoadFromMem("a: 1 ; note\nb = 2\n# c\nc:x:y\n") == 0);
    CHECK(custom.GetValue("a") == "1" && custom.GetValue("c") == "x:y" && custom.GetValue("b").empty());
    CHECK(custom.DumpString() == "a : 1\t; note\n# c\nc : x:y");

    /* SetValue on an empty parser creates the document. */
    IniParser fresh;
    fresh.SetValue("a", "1");
    fresh.Set<int>("n", -5, "sec");
    CHECK(fresh.DumpString() == "a = 1\n[sec]\nn = -5");
    CHECK(fresh.Save() != 0);   /* no file path yet */

    /* Failures and Unload. */
    std::string missing = dir + "/no/such/file.conf";
    printf("open_missing=%d\n", mem.LoadFromFile(missing.c_str()));
    CHECK(mem._filepath == missing && mem.GetValue("k") == "v");   /* document kept */
    CHECK(mem.Unload() == 0);
    CHECK(mem.GetValue("k").empty() && mem.GetSections().empty() && mem.GetKeys().empty());
    std::string never = dir + "/never.conf";
    CHECK(mem.SaveAs(never.c_str()) == 0);   /* nothing to write */
    CHECK(mem.LoadFromFile(NULL) == ERR_NULL_POINTER && mem.SaveAs(NULL) == ERR_NULL_POINTER);

    CHECK(other_tu_port("port = 41\n") == 42);

    if (failures == 0) printf("INI OK\n");
    return failures == 0 ? 0 : 1;
}
"##;
