//! Static-file path resolution (`http::static_files`): whatever the request target, a file
//! served or a directory listed is inside the real directory of its location, both as
//! `resolve` finds it and as `serve` answers (a file opened beneath its directory first).
//!
//! The tree (made once, under the temporary directory): `root/` served at `/`, `other/` at
//! `/b/`, and `outside/` served at neither, with symlinks out of both roots.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hv::http::message::{Request, Response};
use hv::http::static_files::{Resolved, StaticFiles};
use hyper::body::Bytes;

/// What every file outside the roots holds (and none inside).
const OUTSIDE: &[u8] = b"outside";

struct Tree {
    root: PathBuf,
    other: PathBuf,
    /// Listings off and on, each with two home pages.
    configs: Vec<StaticFiles>,
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("hv-fuzz-static-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (root, other, outside) = (base.join("root"), base.join("other"), base.join("outside"));
        for dir in [root.join("sub/deeper"), other.clone(), outside.clone()] {
            std::fs::create_dir_all(dir).expect("make the tree");
        }
        for file in [
            root.join("index.html"),
            root.join("a.txt"),
            root.join("sp ace.txt"),
            root.join("\u{fc}.txt"),
            root.join("sub/index.html"),
            root.join("sub/deeper/b.txt"),
            other.join("c.txt"),
        ] {
            std::fs::write(file, "x").expect("write the tree");
        }
        for file in [outside.join("secret"), outside.join("index.html")] {
            std::fs::write(file, OUTSIDE).expect("write the tree");
        }
        let link = |to: &Path, at: PathBuf| std::os::unix::fs::symlink(to, at).expect("symlink");
        link(&outside, root.join("out"));
        link(&outside.join("secret"), root.join("secret"));
        link(Path::new(".."), root.join("sub/up"));
        link(Path::new("../outside"), root.join("rel_out"));
        link(&root, other.join("to_root"));
        link(&root.join("a.txt"), other.join("a_link"));
        let mut configs = Vec::new();
        for index_of in ["", "/"] {
            for home_page in ["index.html", "a.txt"] {
                let mut files = StaticFiles::default();
                files.add("/", &root);
                files.add("/b", &other);
                files.index_of = index_of.into();
                files.home_page = home_page.into();
                configs.push(files);
            }
        }
        Tree {
            root: root.canonicalize().expect("the root"),
            other: other.canonicalize().expect("the other root"),
            configs,
        }
    })
}

pub fn static_path(data: &[u8]) {
    let Some((&which, target)) = data.split_first() else {
        return;
    };
    let tree = tree();
    let target = String::from_utf8_lossy(target);
    let files = &tree.configs[usize::from(which) % tree.configs.len()];
    served_inside(files, &target);
    let resolved = files.resolve(&target);
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(&target).collect();
    let root = if decoded.starts_with(b"/b/") {
        &tree.other
    } else {
        &tree.root
    };
    let real = match &resolved {
        Ok(Resolved::File(p)) => p,
        Ok(Resolved::Listing(p, _)) => {
            assert!(
                !files.index_of.is_empty(),
                "{target:?}: listed with listings off"
            );
            p
        }
        Err(status) => {
            assert!([400, 404].contains(status), "{target:?}: {status}");
            return;
        }
    };
    let canonical = real
        .canonicalize()
        .unwrap_or_else(|e| panic!("{target:?}: {real:?} resolved but is gone: {e}"));
    assert!(
        canonical.starts_with(root),
        "{target:?} escaped {root:?}: {resolved:?}"
    );
    assert_eq!(&canonical, real, "{target:?}: not a real path");
}

fn served_inside(files: &StaticFiles, target: &str) {
    let req = Request {
        method: hyper::Method::GET,
        version: hyper::Version::HTTP_11,
        url: format!("http://x{target}"),
        target_start: "http://x".len(),
        scheme: "http",
        headers: hyper::HeaderMap::new(),
        body: Bytes::new(),
        client_addr: ([127, 0, 0, 1], 1).into(),
        params: Vec::new(),
        attachment: None,
        client_cert: None,
    };
    let mut resp = Response::default();
    let status = files.serve(&req, &mut resp);
    assert!(
        resp.body != OUTSIDE,
        "{target:?}: served a file from outside the roots ({status})"
    );
}
