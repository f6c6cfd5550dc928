//! Reading the CLI's input files with a bound fixed before anything is allocated: a file's
//! first bytes say how big it may be (its header, through the core's `*_bound` functions, or
//! a fixed limit), a regular file larger than that is refused from its size alone, and any
//! other input (a pipe, a device such as `/dev/zero`) is read through a limit, never to its end.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// How much of a file is read before its bound is known: more than any header, enough
/// for a gzip header with a long file name and the first deflate block.
const HEAD_BYTES: u64 = 64 * 1024;

/// Reads `path` whole, at most as many bytes as `bound` allows: `bound` gets the file's
/// first bytes (up to 64 KiB) and returns the most bytes such a file may have, or the
/// error that its header already shows.
pub fn read_bounded<E>(path: &Path, bound: impl FnOnce(&[u8]) -> Result<u64, E>) -> Result<Vec<u8>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("cannot read {shown}"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {shown}"))?;
    if meta.is_dir() {
        bail!("{shown} is a directory, not a file");
    }
    let mut reader = file;
    let mut bytes = Vec::new();
    (&mut reader)
        .take(HEAD_BYTES)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {shown}"))?;
    let max = bound(&bytes)?;
    let too_big = |size: String| {
        anyhow::anyhow!(
            "{shown}: {size}, more than the {max} bytes such a file can have: the file is \
             damaged, padded or not what it seems"
        )
    };
    if meta.is_file() && meta.len() > max {
        return Err(too_big(format!("the file has {} bytes", meta.len())));
    }
    let have = bytes.len() as u64;
    if have > max {
        return Err(too_big(format!("it has at least {have} bytes")));
    }
    // One byte past the bound tells an input that goes on from one that ends there.
    reader
        .take(max - have + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {shown}"))?;
    if bytes.len() as u64 > max {
        return Err(too_big(format!("it has more than {max} bytes")));
    }
    Ok(bytes)
}

/// Reads `path` whole if it has at most `max` bytes.
pub fn read_at_most(path: &Path, max: u64) -> Result<Vec<u8>> {
    read_bounded(path, |_| Ok::<_, std::convert::Infallible>(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("twinnet-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn reads_a_file_within_its_bound() {
        let path = temp("ok", &[7u8; 100_000]);
        assert_eq!(read_at_most(&path, 100_000).unwrap().len(), 100_000);
    }

    #[test]
    fn a_regular_file_over_its_bound_is_refused_by_its_size() {
        // A sparse 3 GiB file: refused from its length, never read.
        let path = temp("sparse", b"");
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(3 << 30)
            .unwrap();
        let e = format!("{:#}", read_at_most(&path, 16 << 20).unwrap_err());
        assert!(
            e.contains("the file has 3221225472 bytes, more than the 16777216"),
            "{e}"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn an_endless_input_is_read_only_to_its_bound() {
        if !Path::new("/dev/zero").exists() {
            return;
        }
        let e = format!(
            "{:#}",
            read_at_most(Path::new("/dev/zero"), 1 << 20).unwrap_err()
        );
        assert!(e.contains("more than 1048576 bytes"), "{e}");
    }

    #[test]
    fn the_header_error_comes_first() {
        let path = temp("bad", &[0u8; 10]);
        let e = read_bounded(&path, |_| Err(std::fmt::Error)).unwrap_err();
        assert!(e.downcast_ref::<std::fmt::Error>().is_some());
    }
}
