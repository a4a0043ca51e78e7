//! A client request body read from a file as the connection takes it (libhv's
//! `uploadLargeFile`), so an upload of any size holds one piece in memory. Pieces are read
//! when the connection asks for more (after it took the last one), and the bytes handed over
//! so far are reported with each.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

use crate::error::{Error, Result};

/// Pieces read per frame (libhv's sender uses 40 KiB).
const PIECE: usize = 64 << 10;

/// `(sent, total)` as each piece is handed to the connection.
pub type ProgressSink = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Where an upload's body comes from.
#[derive(Clone)]
pub struct FileSource {
    pub path: PathBuf,
    pub progress: Option<ProgressSink>,
}

impl FileSource {
    /// Opens the file and measures it (its size becomes the Content-Length).
    pub(crate) async fn open(&self) -> Result<FileBody> {
        let context = || format!("upload {}", self.path.display());
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| Error::io(context(), e))?;
        let total = file
            .metadata()
            .await
            .map_err(|e| Error::io(context(), e))?
            .len();
        Ok(FileBody {
            file,
            total,
            sent: 0,
            progress: self.progress.clone(),
            buf: None,
        })
    }
}

pub(crate) struct FileBody {
    file: tokio::fs::File,
    total: u64,
    sent: u64,
    progress: Option<ProgressSink>,
    buf: Option<BytesMut>,
}

impl FileBody {
    pub(crate) fn len(&self) -> u64 {
        self.total
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if this.sent >= this.total {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.total - this.sent).map_or(PIECE, |left| left.min(PIECE));
        // A read that is not ready yet keeps its buffer for the next poll.
        let mut buf = this.buf.take().unwrap_or_else(|| BytesMut::zeroed(want));
        let mut read = ReadBuf::new(&mut buf);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Pending => {
                this.buf = Some(buf);
                Poll::Pending
            }
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file shrank during the upload",
                    ))));
                }
                buf.truncate(n);
                this.sent += n as u64;
                if let Some(progress) = &this.progress {
                    progress(this.sent, this.total);
                }
                Poll::Ready(Some(Ok(Frame::data(buf.freeze()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.total
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.total - self.sent)
    }
}
