//! Input shared by the data readers ([`super::idx`], [`super::digits_file`]): raw or
//! gzip-compressed bytes read with a cap on how much is decompressed ([`Input`]), gzip
//! sniffing and writing, naming a file of the wrong format from its first bytes, and the
//! checks and limits both formats apply (label range, [`MAX_IMAGES`]).
//!
//! Every error is a [`DataError::Invalid`] that names the input and says what is wrong.

use std::io::{ErrorKind, Read, Write};

use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::DataError;

/// Largest image (or label) count accepted from a header. MNIST has 70,000 in all.
pub const MAX_IMAGES: usize = 10_000_000;

/// Whether `bytes` start with gzip's magic `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// `bytes` as one gzip stream, best compression.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Checks that every label is a digit, naming the first one that is not.
pub(crate) fn check_labels(name: &str, labels: &[u8]) -> Result<(), DataError> {
    if let Some(i) = labels.iter().position(|&l| l > 9) {
        let bad = labels.iter().filter(|&&l| l > 9).count();
        let more = if bad > 1 {
            format!(" ({bad} labels in all are out of range)")
        } else {
            String::new()
        };
        return Err(DataError::invalid(
            name,
            format!(
                "label {} at index {i} is not a digit 0-9{more}; the file is damaged or not an MNIST labels file",
                labels[i]
            ),
        ));
    }
    Ok(())
}

/// Bytes as `00 00 08 03`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names a well-known format from a file's first bytes (at least 4), if it is one
/// that people give by mistake.
pub(crate) fn foreign_format(head: &[u8]) -> Option<&'static str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (
            &[0x1f, 0x8b],
            "the data is gzip-compressed twice (decompress it once first)",
        ),
        (b"TWDI", "this is a TwinNet digits file"),
        (&[0x00, 0x00, 0x08], "this is an MNIST idx file"),
        (
            b"PK\x03\x04",
            "this is a zip archive (extract the file inside first)",
        ),
        (
            b"BZh",
            "this is bzip2-compressed (only gzip is supported: decompress it first)",
        ),
        (
            &[0xfd, b'7', b'z', b'X'],
            "this is xz-compressed (only gzip is supported: decompress it first)",
        ),
        (
            &[0x28, 0xb5, 0x2f, 0xfd],
            "this is zstd-compressed (only gzip is supported: decompress it first)",
        ),
        (b"\x89PNG", "this is a PNG image"),
        (
            b"<",
            "this looks like an HTML or XML page (a failed download?)",
        ),
        (b"{", "this looks like JSON"),
        (b"[", "this looks like JSON"),
    ];
    KNOWN
        .iter()
        .find(|(prefix, _)| head.starts_with(prefix))
        .map(|(_, what)| *what)
}

/// Raw or gzip-compressed input, read with a cap on how much is decompressed.
pub(crate) struct Input<'a> {
    name: &'a str,
    reader: Reader<'a>,
    /// (Decompressed) bytes read so far.
    pos: u64,
}

enum Reader<'a> {
    Raw(&'a [u8]),
    Gzip(MultiGzDecoder<&'a [u8]>),
}

impl<'a> Input<'a> {
    pub(crate) fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        let reader = if is_gzip(bytes) {
            Reader::Gzip(MultiGzDecoder::new(bytes))
        } else {
            Reader::Raw(bytes)
        };
        Self {
            name,
            reader,
            pos: 0,
        }
    }

    pub(crate) fn err(&self, problem: impl Into<String>) -> DataError {
        DataError::invalid(self.name, problem)
    }

    fn gz(&self) -> bool {
        matches!(self.reader, Reader::Gzip(_))
    }

    /// The most bytes a file whose (decompressed) content is `content_len` bytes can have:
    /// that length for raw input; for gzip, plus deflate's worst case on incompressible
    /// data (5 bytes per stored block of at most 64 KiB) and a generous allowance for the
    /// gzip header (file name, comment) and trailer.
    pub(crate) fn file_bound(&self, content_len: u64) -> u64 {
        if self.gz() {
            content_len + content_len / 1024 + 64 * 1024
        } else {
            content_len
        }
    }

    /// "the file has N bytes" / "the file decompresses to N bytes".
    fn size_words(&self, n: u64) -> String {
        if self.gz() {
            format!("the file decompresses to {n} bytes")
        } else {
            format!("the file has {n} bytes")
        }
    }

    /// One read, at most `buf.len()` bytes; 0 only at the end of the data.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        loop {
            let r = match &mut self.reader {
                Reader::Raw(rest) => rest.read(buf),
                Reader::Gzip(d) => d.read(buf),
            };
            match r {
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(self.err(format!(
                    "the gzip data is damaged or incomplete ({e}, after {} decompressed bytes); \
                         get the file again",
                    self.pos
                )))
                }
            }
        }
    }

    /// Fills `buf` as far as the data goes; returns how much it got.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        let mut got = 0;
        while got < buf.len() {
            let n = self.read_some(&mut buf[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        Ok(got)
    }

    /// The error for data that ends inside the header.
    fn too_short(&self, got: usize, what: &str, header_len: usize) -> DataError {
        if got == 0 {
            let empty = if self.gz() {
                "the file decompresses to nothing"
            } else {
                "the file is empty"
            };
            return self.err(format!("{empty}; expected {what}"));
        }
        self.err(format!(
            "too short to be {what}: {}, but the header alone is {header_len} bytes",
            self.size_words(got as u64)
        ))
    }

    /// Reads the magic into `buf` (its length is the magic's) and checks it against `magic`;
    /// `problem` describes a wrong magic. A file that ends inside the magic is checked as far as
    /// it goes, so a short wrong file is called wrong, not short.
    pub(crate) fn read_magic(
        &mut self,
        buf: &mut [u8],
        magic: &[u8],
        what: &str,
        header_len: usize,
        problem: impl FnOnce(&[u8]) -> String,
    ) -> Result<(), DataError> {
        let got = self.fill(buf)?;
        if buf[..got] != magic[..got] {
            if got >= 4 {
                return Err(self.err(problem(&buf[..got])));
            }
            return Err(self.err(format!(
                "not {what}: it starts with {}, expected the magic number {}",
                hex(&buf[..got]),
                hex(magic)
            )));
        }
        if got < buf.len() {
            return Err(self.too_short(got, what, header_len));
        }
        Ok(())
    }

    /// Fills `head[from..]`, the rest of a header of `head.len()` bytes.
    pub(crate) fn read_rest_of_header(
        &mut self,
        head: &mut [u8],
        from: usize,
        what: &str,
    ) -> Result<(), DataError> {
        let got = from + self.fill(&mut head[from..])?;
        if got < head.len() {
            return Err(self.too_short(got, what, head.len()));
        }
        Ok(())
    }

    /// Reads exactly `body_len` more bytes, and checks that the data ends there.
    /// `claim` says what the header promised (for the messages).
    ///
    /// Memory grows with the data actually read, never past `body_len`.
    pub(crate) fn read_body(&mut self, body_len: u64, claim: &str) -> Result<Vec<u8>, DataError> {
        let total = self.pos + body_len;
        let Ok(want) = usize::try_from(body_len) else {
            return Err(self.err(format!(
                "header says {claim} ({total} bytes), more than this platform can hold in memory"
            )));
        };
        let oom = |input: &Self| {
            input.err(format!(
                "header says {claim} ({total} bytes), and there is not enough memory to hold them"
            ))
        };
        if let Reader::Raw(rest) = &self.reader {
            let rest = *rest;
            let actual = self.pos + rest.len() as u64;
            if actual < total {
                return Err(self.err(format!(
                    "truncated: header says {claim} ({total} bytes) but the file has {actual} bytes"
                )));
            }
            if actual > total {
                return Err(self.err(format!(
                    "{} unexpected bytes at the end: header says {claim} ({total} bytes) but the file has {actual} bytes",
                    actual - total
                )));
            }
            let mut body = Vec::new();
            body.try_reserve_exact(want).map_err(|_| oom(self))?;
            body.extend_from_slice(rest);
            self.pos = actual;
            self.reader = Reader::Raw(&[]);
            return Ok(body);
        }
        // Gzip: grow geometrically, capped at `want`, so memory follows the real data.
        let mut body: Vec<u8> = Vec::new();
        let mut filled = 0;
        while filled < want {
            if filled == body.len() {
                let new_len = want.min((body.len() * 2).max(64 * 1024));
                body.try_reserve_exact(new_len - body.len())
                    .map_err(|_| oom(self))?;
                body.resize(new_len, 0);
            }
            let n = self.read_some(&mut body[filled..])?;
            if n == 0 {
                return Err(self.err(format!(
                    "truncated: header says {claim} ({total} bytes) but the file decompresses to only {} bytes",
                    self.pos
                )));
            }
            filled += n;
        }
        let mut one = [0u8; 1];
        if self.read_some(&mut one)? != 0 {
            return Err(self.err(format!(
                "unexpected data at the end: header says {claim} ({total} bytes) but the file \
                 decompresses to more than that (damaged compressed data, or data appended: \
                 get the file again)"
            )));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_sniffed_by_its_magic() {
        let data = b"\x00\x00\x08\x01 any bytes";
        assert!(is_gzip(&gzip(data)));
        assert!(!is_gzip(data));
        assert!(!is_gzip(&[0x1f]));
    }
}
