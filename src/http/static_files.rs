//! Static files (libhv's `Static()`, `document_root`, `home_page`, `index_of`): safe path
//! resolution, ETag / Last-Modified with 304, byte ranges with 206 / 416. A small answer is read
//! at once on the loop thread (from the page cache, as nginx reads it); a larger one is streamed
//! from disk so it never sits in memory.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use hyper::header::{
    HeaderValue, ACCEPT_RANGES, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, RANGE,
};

use super::message::{Request, Response};

/// Answers up to this size are read into the body at once: a streamed body costs a round trip
/// through tokio's blocking pool for every chunk.
const READ_AT_ONCE: u64 = 64 << 10;

/// An open file and the part of it to send.
#[derive(Debug)]
pub struct FileBody {
    pub file: File,
    pub len: u64,
}

#[derive(Debug, Clone)]
pub struct StaticFiles {
    /// (location ending in `/`, directory, the directory's real path when it existed as it was
    /// added), longest-first so the most specific location wins.
    dirs: Vec<(String, PathBuf, Option<PathBuf>)>,
    pub home_page: String,
    /// Directory listings for paths under this prefix (empty: none).
    pub index_of: String,
}

impl Default for StaticFiles {
    fn default() -> Self {
        StaticFiles {
            dirs: Vec::new(),
            home_page: "index.html".into(),
            index_of: String::new(),
        }
    }
}

impl StaticFiles {
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// Serves `dir` under `location` (libhv's `Static`).
    pub fn add(&mut self, location: &str, dir: &Path) {
        let mut location = location.to_owned();
        if !location.ends_with('/') {
            location.push('/');
        }
        self.dirs.retain(|(l, _, _)| *l != location);
        self.dirs
            .push((location, dir.to_path_buf(), dir.canonicalize().ok()));
        self.dirs.sort_by(|a, b| b.0.cmp(&a.0));
    }

    /// Answers a GET or HEAD from the directories; returns the status. A file is opened with
    /// the kernel keeping it beneath its directory (`open_beneath`); where that cannot decide,
    /// its real path does (`confine`).
    pub fn serve(&self, req: &Request, resp: &mut Response) -> i32 {
        let located = match self.locate(req.target()) {
            Ok(located) => located,
            Err(status) => return status,
        };
        if !located.listing {
            match open_beneath(located.dir, &located.rel) {
                Beneath::Opened(file) => return serve_file(file, &located.rel, req, resp),
                Beneath::Missing => return 404,
                Beneath::Undecided => {}
            }
        }
        match confine(&located) {
            Ok(Resolved::File(real)) => match open_file(&real) {
                Ok(file) => serve_file(file, &located.rel, req, resp),
                Err(_) => 404,
            },
            Ok(Resolved::Listing(dir, path)) => list_directory(&dir, &path, resp),
            Err(status) => status,
        }
    }

    /// Where a request target leads: a file or directory whose real path (symlinks followed)
    /// is inside the real path of the directory serving its location, or the status to answer.
    /// Public for the fuzz targets only.
    #[doc(hidden)]
    pub fn resolve(&self, target: &str) -> Result<Resolved, i32> {
        confine(&self.locate(target)?)
    }

    /// The directory serving a request target and the path under it, symlinks not yet looked
    /// at.
    fn locate(&self, target: &str) -> Result<Located<'_>, i32> {
        let raw = target.split(['?', '#']).next().unwrap_or("");
        let decoded: Vec<u8> = percent_encoding::percent_decode_str(raw).collect();
        let Ok(path) = String::from_utf8(decoded) else {
            return Err(400);
        };
        if !path.starts_with('/')
            || path.contains(['\0', '\\'])
            || path.split('/').any(|s| s == "..")
        {
            return Err(400);
        }
        let Some((location, dir, real_dir)) = self
            .dirs
            .iter()
            .find(|(l, _, _)| path.starts_with(l.as_str()))
        else {
            return Err(404);
        };
        let mut rel = PathBuf::new();
        for part in Path::new(&path[location.len()..]).components() {
            match part {
                Component::Normal(p) => rel.push(p),
                Component::CurDir => {}
                _ => return Err(400),
            }
        }
        let listing =
            path.ends_with('/') && !self.index_of.is_empty() && path.starts_with(&self.index_of);
        if path.ends_with('/') && !listing {
            rel.push(&self.home_page);
        }
        Ok(Located {
            dir,
            real_dir: real_dir.as_deref(),
            rel,
            listing,
            path,
        })
    }
}

/// A request target on a served directory (`StaticFiles::locate`).
struct Located<'a> {
    dir: &'a Path,
    /// The directory's real path when it existed as it was added.
    real_dir: Option<&'a Path>,
    /// Relative, of normal components only.
    rel: PathBuf,
    listing: bool,
    /// The decoded URL path.
    path: String,
}

/// Symlinks may point anywhere: the real file (or listed directory) must stay inside the real
/// directory.
fn confine(located: &Located<'_>) -> Result<Resolved, i32> {
    let root = match located.real_dir {
        Some(real) => Ok(std::borrow::Cow::Borrowed(real)),
        None => located.dir.canonicalize().map(std::borrow::Cow::Owned),
    };
    let (Ok(real), Ok(root)) = (located.dir.join(&located.rel).canonicalize(), root) else {
        return Err(404);
    };
    if !real.starts_with(root.as_ref()) {
        return Err(404);
    }
    Ok(if located.listing {
        Resolved::Listing(real, located.path.clone())
    } else {
        Resolved::File(real)
    })
}

enum Beneath {
    Opened(File),
    /// Nothing to serve there: no such file, not readable, the directory gone.
    Missing,
    /// A symlink on the way leaves the directory (an absolute one always does, wherever it
    /// points), or the kernel has no `openat2`: the real path decides.
    Undecided,
}

/// Opens `rel` under `dir` in one step, the kernel keeping every component beneath `dir`
/// (`openat2` with `RESOLVE_BENEATH`, Linux 5.6+). Nothing can swap a symlink in between a
/// check and the open, and it spares the `readlink` of every component that the real path
/// costs.
fn open_beneath(dir: &Path, rel: &Path) -> Beneath {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::ffi::OsStrExt;
    use std::sync::atomic::{AtomicBool, Ordering};

    static UNAVAILABLE: AtomicBool = AtomicBool::new(false);
    if UNAVAILABLE.load(Ordering::Relaxed) {
        return Beneath::Undecided;
    }
    let Ok(root) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(dir)
    else {
        return Beneath::Missing;
    };
    let Ok(name) = std::ffi::CString::new(rel.as_os_str().as_bytes()) else {
        return Beneath::Missing;
    };
    // The kernel's `struct open_how` (libc's cannot be built outside libc).
    #[repr(C)]
    struct OpenHow {
        flags: u64,
        mode: u64,
        resolve: u64,
    }
    let how = OpenHow {
        // Non-blocking, so that opening a FIFO someone left in the tree does not wait for a
        // writer (`serve_file` refuses it; a regular file reads the same either way).
        flags: (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
    };
    // SAFETY: `root` is an open descriptor and `name` a NUL-terminated string, both alive for
    // the call; `how` has `struct open_how`'s layout and the size passed is its size.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            root.as_raw_fd(),
            name.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if let Ok(fd) = i32::try_from(fd) {
        if fd >= 0 {
            // SAFETY: the kernel has just returned this descriptor, which nothing else owns.
            return Beneath::Opened(unsafe { File::from_raw_fd(fd) });
        }
    }
    match std::io::Error::last_os_error().raw_os_error() {
        // No openat2 in this kernel, or a seccomp filter (an older container runtime's)
        // refusing it.
        Some(libc::ENOSYS | libc::EPERM) => {
            UNAVAILABLE.store(true, Ordering::Relaxed);
            Beneath::Undecided
        }
        Some(libc::EXDEV | libc::ELOOP) => Beneath::Undecided,
        _ => Beneath::Missing,
    }
}

fn open_file(path: &Path) -> std::io::Result<File> {
    // Non-blocking, as in `open_beneath`.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// What a request target resolves to (see `StaticFiles::resolve`).
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file to serve, by its real path.
    File(PathBuf),
    /// A directory to list, by its real path, with the decoded URL path the listing shows.
    Listing(PathBuf, String),
}

fn mime_of(path: &Path) -> String {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html") | Some("htm") => "text/html; charset=utf-8".into(),
        Some("txt") => "text/plain; charset=utf-8".into(),
        _ => mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned(),
    }
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes: `Some(Ok((from, to)))`
/// (inclusive), `Some(Err(()))` when unsatisfiable, `None` when absent or not a byte range.
fn parse_range(header: Option<&HeaderValue>, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header?.to_str().ok()?.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || size == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let from: u64 = a.parse().ok()?;
        let to = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(size.saturating_sub(1))
        };
        if from >= size || from > to {
            return Some(Err(()));
        }
        (from, to)
    };
    Some(Ok(range))
}

/// Answers with `file`, typed by `name` (the requested one, as libhv does, not a symlink's
/// target).
fn serve_file(mut file: File, name: &Path, req: &Request, resp: &mut Response) -> i32 {
    let Ok(meta) = file.metadata() else {
        return 404;
    };
    if !meta.is_file() {
        return 404;
    }
    let size = meta.len();
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let secs = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let etag = format!("\"{secs:x}-{size:x}\"");
    let last_modified = httpdate::fmt_http_date(modified);
    let set = |resp: &mut Response, name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.insert_header(name, v);
        }
    };
    set(resp, ETAG, &etag);
    set(resp, LAST_MODIFIED, &last_modified);
    set(resp, ACCEPT_RANGES, "bytes");
    let header = |name| {
        req.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if header(IF_NONE_MATCH) == Some(etag.as_str())
        || header(IF_MODIFIED_SINCE) == Some(last_modified.as_str())
    {
        return 304;
    }
    set(resp, CONTENT_TYPE, &mime_of(name));
    let (status, from, len) = match parse_range(req.headers.get(RANGE), size) {
        None => (200, 0, size),
        Some(Err(())) => {
            set(resp, CONTENT_RANGE, &format!("bytes */{size}"));
            resp.remove_header(&CONTENT_TYPE);
            return 416;
        }
        Some(Ok((from, to))) => {
            set(resp, CONTENT_RANGE, &format!("bytes {from}-{to}/{size}"));
            (206, from, to - from + 1)
        }
    };
    if from > 0 && file.seek(SeekFrom::Start(from)).is_err() {
        return 500;
    }
    resp.body.clear();
    if len <= READ_AT_ONCE {
        resp.body.reserve_exact(len as usize);
        return match (&mut file).take(len).read_to_end(&mut resp.body) {
            Ok(n) if n as u64 == len => status,
            _ => 500,
        };
    }
    resp.file = Some(FileBody { file, len });
    status
}

/// libhv's directory listing: a table of name, modification date (local time) and size, sorted
/// by name ignoring case, with `..` first and `.` left out. Names are escaped (and links
/// percent-encoded) so a file name cannot inject markup.
fn list_directory(dir: &Path, url_path: &str, resp: &mut Response) -> i32 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 404;
    };
    let mut items: Vec<(String, Option<std::fs::Metadata>)> = entries
        .filter_map(|e| e.ok())
        // DirEntry::metadata does not follow symlinks, as libhv's lstat does not.
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().ok(),
            )
        })
        .collect();
    items.sort_by_key(|(name, _)| name.to_lowercase());
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let title = esc(url_path);
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n  <title>Index of {title}</title>\n</head>\n<body>\n  <h1>Index of {title}</h1>\n  <hr>\n  <table border=\"0\">\n    <tr>\n      <th align=\"left\" width=\"30%\">Name</th>\n      <th align=\"left\" width=\"20%\">Date</th>\n      <th align=\"left\" width=\"20%\">Size</th>\n    </tr>\n"
    );
    html.push_str("    <tr>\n      <td><a href=\"../\">../</a></td>\n    </tr>\n");
    for (name, meta) in items {
        let is_dir = meta.as_ref().is_some_and(|m| m.is_dir());
        let slash = if is_dir { "/" } else { "" };
        let href = percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC);
        let shown = if name.chars().count() + slash.len() < 50 {
            esc(&name)
        } else {
            format!("{}...", esc(&name.chars().take(46).collect::<String>()))
        };
        let date = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .map_or_else(String::new, local_time);
        let size = match &meta {
            Some(m) if !is_dir => human_size(m.len()),
            _ => "-".to_owned(),
        };
        let _ = write!(
            html,
            "    <tr>\n      <td><a href=\"{href}{slash}\">{shown}{slash}</a></td>\n      <td>{date}</td>\n      <td>{size}</td>\n    </tr>\n"
        );
    }
    html.push_str("  </table>\n  <hr>\n</body>\n</html>\n");
    resp.body = html.into_bytes();
    if let Ok(v) = HeaderValue::from_str("text/html; charset=utf-8") {
        resp.insert_header(CONTENT_TYPE, v);
    }
    200
}

/// `YYYY-MM-DD HH:MM:SS` in the server's local time zone, as libhv's listing shows dates.
fn local_time(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    crate::log::local_time(secs).map_or_else(String::new, |text| {
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// Bytes below 1 KiB, then one decimal of K, M or G (libhv's listing sizes).
fn human_size(size: u64) -> String {
    if size < 1024 {
        return size.to_string();
    }
    let mut value = size as f64 / 1024.0;
    for unit in ["K", "M"] {
        if value < 1024.0 {
            return format!("{value:.1}{unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.1}G")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_clamp() {
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(parse_range(Some(&h("bytes=0-9")), 100), Some(Ok((0, 9))));
        assert_eq!(parse_range(Some(&h("bytes=90-")), 100), Some(Ok((90, 99))));
        assert_eq!(parse_range(Some(&h("bytes=-10")), 100), Some(Ok((90, 99))));
        assert_eq!(
            parse_range(Some(&h("bytes=50-1000")), 100),
            Some(Ok((50, 99)))
        );
        assert_eq!(parse_range(Some(&h("bytes=100-")), 100), Some(Err(())));
        assert_eq!(parse_range(Some(&h("bytes=5-2")), 100), Some(Err(())));
        assert_eq!(parse_range(Some(&h("items=0-1")), 100), None);
        assert_eq!(parse_range(None, 100), None);
    }

    fn get(path: &str) -> Request {
        Request {
            method: hyper::Method::GET,
            version: hyper::Version::HTTP_11,
            url: format!("http://x{path}"),
            target_start: "http://x".len(),
            scheme: "http",
            headers: hyper::HeaderMap::new(),
            body: bytes::Bytes::new(),
            client_addr: "127.0.0.1:1".parse().unwrap(),
            params: Vec::new(),
            attachment: None,
            client_cert: None,
        }
    }

    #[test]
    fn small_files_are_read_at_once_and_a_fifo_is_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("hv-static-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("small.txt"), "hello").unwrap();
        std::fs::write(dir.join("big.bin"), vec![7u8; READ_AT_ONCE as usize + 1]).unwrap();
        let fifo = std::ffi::CString::new(dir.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode; mkfifo touches nothing else.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let mut files = StaticFiles::default();
        files.add("/", &dir);
        let mut resp = Response::default();
        assert_eq!(files.serve(&get("/pipe"), &mut resp), 404);
        let mut resp = Response::default();
        assert_eq!(files.serve(&get("/small.txt"), &mut resp), 200);
        assert_eq!(resp.body, b"hello");
        assert!(resp.file.is_none());
        let mut resp = Response::default();
        assert_eq!(files.serve(&get("/big.bin"), &mut resp), 200);
        assert!(resp.body.is_empty());
        assert_eq!(resp.file.as_ref().map(|f| f.len), Some(READ_AT_ONCE + 1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `base/root/` with `a.txt` and `sub/`, and `base/outside/secret`: (base, root, outside).
    fn escape_tree(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("hv-static-{tag}-{}", std::process::id()));
        let (root, outside) = (base.join("root"), base.join("outside"));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), "s").unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        (base, root, outside)
    }

    /// A listing followed a symlinked directory out of the root (files were checked, listings
    /// were not): found while splitting `resolve` out for the static_path fuzz target, whose
    /// seed `listing_symlink_out` asks for it.
    #[test]
    fn neither_files_nor_listings_follow_symlinks_out_of_the_root() {
        let (base, root, outside) = escape_tree("escape");
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        let mut files = StaticFiles::default();
        files.add("/", &root);
        files.index_of = "/".into();
        let real = root.canonicalize().unwrap();
        assert_eq!(files.resolve("/out/"), Err(404));
        assert_eq!(files.resolve("/out/secret"), Err(404));
        assert_eq!(
            files.resolve("/a.txt"),
            Ok(Resolved::File(real.join("a.txt")))
        );
        assert_eq!(
            files.resolve("/sub/"),
            Ok(Resolved::Listing(real.join("sub"), "/sub/".into()))
        );
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// Inside links open beneath the directory in one call; a link that leaves it (every
    /// absolute one) is judged by its real path, so an absolute link back inside still serves.
    #[test]
    fn files_open_beneath_their_directory_and_leaving_links_are_judged_by_their_real_path() {
        let (base, root, outside) = escape_tree("beneath");
        std::fs::write(root.join("sub/data.bin"), "b").unwrap();
        let link = |target: &Path, name: &str| std::os::unix::fs::symlink(target, root.join(name));
        link(Path::new("sub/data.bin"), "inside.txt").unwrap();
        link(&root.join("a.txt"), "absolute_inside").unwrap();
        link(Path::new("../outside/secret"), "leaving").unwrap();
        link(&outside.join("secret"), "absolute_leaving").unwrap();
        let beneath = |rel: &str| open_beneath(&root, Path::new(rel));
        assert!(matches!(beneath("a.txt"), Beneath::Opened(_)));
        assert!(matches!(beneath("inside.txt"), Beneath::Opened(_)));
        assert!(matches!(beneath("missing"), Beneath::Missing));
        assert!(matches!(beneath("leaving"), Beneath::Undecided));
        assert!(matches!(beneath("absolute_inside"), Beneath::Undecided));

        let mut files = StaticFiles::default();
        files.add("/", &root);
        let serve = |path: &str| {
            let mut resp = Response::default();
            let status = files.serve(&get(path), &mut resp);
            let content_type = resp
                .headers
                .get(CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned());
            (status, resp.body, content_type)
        };
        // Typed by the name asked for, as libhv types it.
        let text = Some("text/plain; charset=utf-8".to_owned());
        assert_eq!(serve("/inside.txt"), (200, b"b".to_vec(), text.clone()));
        assert_eq!(
            serve("/absolute_inside"),
            (
                200,
                b"a".to_vec(),
                Some("application/octet-stream".to_owned())
            )
        );
        assert_eq!(serve("/leaving").0, 404);
        assert_eq!(serve("/absolute_leaving").0, 404);
        assert_eq!(serve("/missing").0, 404);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn listing_sizes_read_like_libhvs() {
        assert_eq!(human_size(1023), "1023");
        assert_eq!(human_size(1536), "1.5K");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0M");
        assert_eq!(human_size(3 << 30), "3.0G");
    }
}
