//! The standard MNIST idx files, raw or gzip-compressed, read from bytes with every field checked.
//!
//! Layout (every integer a big-endian `u32`):
//!
//! | file | bytes |
//! | --- | --- |
//! | images (`*-images-idx3-ubyte`) | magic `00 00 08 03`, count, rows (28), cols (28), then `count × 28 × 28` pixel bytes (row-major, image after image, 0 = background, 255 = ink) |
//! | labels (`*-labels-idx1-ubyte`) | magic `00 00 08 01`, count, then `count` label bytes, each 0..=9 |
//!
//! Input that starts with gzip's magic `1f 8b` is decompressed first (the `.gz` files as
//! published). Decompression is capped (by the reader shared with [`super::digits_file`],
//! in `data/input.rs`): the header is decompressed and checked on its own,
//! counts above [`MAX_IMAGES`] are refused, and never more than the size the header implies
//! plus one byte (to see trailing data) is decompressed. A gzip bomb or a header claiming
//! gigabytes is therefore an error, not an allocation; memory grows only with data that is
//! really there and that the header accounts for.
//!
//! No filesystem here: the CLI reads files and hands the bytes over (it looks for each of
//! [`candidates`]); the same code runs in WebAssembly. Every error is a
//! [`DataError::Invalid`] that names the input and says what is wrong.

use super::input::{check_labels, foreign_format, hex, Input};
use super::{DataError, DigitSet, PIXELS28, SIDE28};

// Part of this module's interface (tests and the fuzz targets make gzip idx files with
// them), defined with the input code that both data formats share.
pub use super::input::{gzip, is_gzip, MAX_IMAGES};

/// Base name of the MNIST training images (60,000).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// Base name of the MNIST training labels.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// Base name of the MNIST test images (10,000).
pub const T10K_IMAGES: &str = "t10k-images-idx3-ubyte";
/// Base name of the MNIST test labels.
pub const T10K_LABELS: &str = "t10k-labels-idx1-ubyte";

/// Magic number of an idx images file: unsigned bytes (`08`), 3 dimensions (`03`).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an idx labels file: unsigned bytes (`08`), 1 dimension (`01`).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Bytes of an images header: magic, count, rows, cols.
const IMAGES_HEADER: usize = 16;
/// Bytes of a labels header: magic, count.
const LABELS_HEADER: usize = 8;

/// The two names the CLI looks for: `base` itself and `base.gz`.
pub fn candidates(base: &str) -> [String; 2] {
    [base.to_string(), format!("{base}.gz")]
}

/// Reads an idx images file (raw or gzip): the number of images and their
/// `count × 784` pixel bytes. Images must be 28×28.
pub fn read_images(name: &str, bytes: &[u8]) -> Result<(usize, Vec<u8>), DataError> {
    let mut input = Input::new(name, bytes);
    let count = images_header(&mut input)?;
    let pixels = input.read_body(
        count as u64 * PIXELS28 as u64,
        &format!("{count} images of {SIDE28}×{SIDE28}"),
    )?;
    Ok((count as usize, pixels))
}

/// Reads an idx labels file (raw or gzip): one label 0..=9 per image.
pub fn read_labels(name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let mut input = Input::new(name, bytes);
    let count = labels_header(&mut input)?;
    let labels = input.read_body(count as u64, &format!("{count} labels"))?;
    check_labels(name, &labels)?;
    Ok(labels)
}

/// The most bytes an idx images file starting with `head` can have: what its header
/// implies (plus gzip's overhead if it is compressed). `head` is the file's first bytes
/// (64 KiB is plenty; the header alone for a raw file), checked as [`read_images`]
/// checks them. A reader uses it to refuse a padded or endless input before reading it.
pub fn images_file_bound(name: &str, head: &[u8]) -> Result<u64, DataError> {
    let mut input = Input::new(name, head);
    let count = images_header(&mut input)?;
    Ok(input.file_bound(IMAGES_HEADER as u64 + count as u64 * PIXELS28 as u64))
}

/// [`images_file_bound`] for an idx labels file.
pub fn labels_file_bound(name: &str, head: &[u8]) -> Result<u64, DataError> {
    let mut input = Input::new(name, head);
    let count = labels_header(&mut input)?;
    Ok(input.file_bound(LABELS_HEADER as u64 + count as u64))
}

/// Reads and checks an images header; the image count.
fn images_header(input: &mut Input<'_>) -> Result<u32, DataError> {
    let mut head = [0u8; IMAGES_HEADER];
    input.read_magic(
        &mut head[..4],
        &IMAGES_MAGIC.to_be_bytes(),
        "an idx images file",
        IMAGES_HEADER,
        |h| idx_magic_problem(h, Kind::Images),
    )?;
    input.read_rest_of_header(&mut head, 4, "an idx images file")?;
    let count = be32(&head[4..8]);
    let rows = be32(&head[8..12]);
    let cols = be32(&head[12..16]);
    if rows as usize != SIDE28 || cols as usize != SIDE28 {
        return Err(input.err(format!(
            "images are {rows}×{cols} pixels; TwinNet needs MNIST's {SIDE28}×{SIDE28} images"
        )));
    }
    check_count(input, count, "images")?;
    Ok(count)
}

/// Reads and checks a labels header; the label count.
fn labels_header(input: &mut Input<'_>) -> Result<u32, DataError> {
    let mut head = [0u8; LABELS_HEADER];
    input.read_magic(
        &mut head[..4],
        &LABELS_MAGIC.to_be_bytes(),
        "an idx labels file",
        LABELS_HEADER,
        |h| idx_magic_problem(h, Kind::Labels),
    )?;
    input.read_rest_of_header(&mut head, 4, "an idx labels file")?;
    let count = be32(&head[4..8]);
    check_count(input, count, "labels")?;
    Ok(count)
}

/// What an idx file holds, from its header alone (checked as the readers check it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// This many 28×28 images.
    Images(u32),
    /// This many labels.
    Labels(u32),
}

/// Whether `bytes` (raw or gzip) are an idx images or labels file, and how many; an error
/// with the images reader's message if neither.
pub fn contents(name: &str, bytes: &[u8]) -> Result<Contents, DataError> {
    match images_header(&mut Input::new(name, bytes)) {
        Ok(count) => Ok(Contents::Images(count)),
        Err(as_images) => labels_header(&mut Input::new(name, bytes))
            .map(Contents::Labels)
            .map_err(|_| as_images),
    }
}

/// Reads a matching pair of idx files (raw or gzip) into a [`DigitSet`].
pub fn read_set(
    images_name: &str,
    images_bytes: &[u8],
    labels_name: &str,
    labels_bytes: &[u8],
) -> Result<DigitSet, DataError> {
    let (count, pixels) = read_images(images_name, images_bytes)?;
    let labels = read_labels(labels_name, labels_bytes)?;
    if labels.len() != count {
        return Err(DataError::invalid(
            labels_name,
            format!(
                "has {} labels but {images_name} has {count} images; the images and labels files \
                 must come from the same set (train with train, t10k with t10k)",
                labels.len()
            ),
        ));
    }
    DigitSet::new(pixels, labels).map_err(|e| DataError::invalid(images_name, e.to_string()))
}

/// A raw idx images file holding `count` 28×28 images.
///
/// # Panics
/// If `pixels.len() != count * 784` or `count` does not fit in a `u32` (a caller's bug, not bad input).
pub fn encode_images(pixels: &[u8], count: usize) -> Vec<u8> {
    assert_eq!(
        Some(pixels.len()),
        count.checked_mul(PIXELS28),
        "encode_images: {count} images need {count}×784 pixel bytes"
    );
    let count = u32::try_from(count).expect("encode_images: more than u32::MAX images");
    let mut out = Vec::with_capacity(IMAGES_HEADER + pixels.len());
    out.extend_from_slice(&IMAGES_MAGIC.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&(SIDE28 as u32).to_be_bytes());
    out.extend_from_slice(&(SIDE28 as u32).to_be_bytes());
    out.extend_from_slice(pixels);
    out
}

/// A raw idx labels file. Labels are written as given (no range check), so tests can make bad files.
///
/// # Panics
/// If there are more than `u32::MAX` labels.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let count = u32::try_from(labels.len()).expect("encode_labels: more than u32::MAX labels");
    let mut out = Vec::with_capacity(LABELS_HEADER + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// Which idx file was expected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Images,
    Labels,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn check_count(input: &Input<'_>, count: u32, what: &str) -> Result<(), DataError> {
    if count as u64 > MAX_IMAGES as u64 {
        return Err(input.err(format!(
            "header claims {count} {what}; TwinNet refuses more than {MAX_IMAGES} (MNIST has 70000 \
             in all), so the file is damaged or not an MNIST file"
        )));
    }
    Ok(())
}

/// Why an idx file of the wrong kind was refused, from its first four bytes.
fn idx_magic_problem(head: &[u8], expected: Kind) -> String {
    let magic = be32(head);
    let (want, want_magic) = match expected {
        Kind::Images => ("images", IMAGES_MAGIC),
        Kind::Labels => ("labels", LABELS_MAGIC),
    };
    match (expected, magic) {
        (Kind::Images, LABELS_MAGIC) => {
            return "this is an idx labels file (magic 00 00 08 01), not an images file: \
                    were the images and labels files swapped?"
                .to_string()
        }
        (Kind::Labels, IMAGES_MAGIC) => {
            return "this is an idx images file (magic 00 00 08 03), not a labels file: \
                    were the images and labels files swapped?"
                .to_string()
        }
        _ => {}
    }
    if head[0] == 0 && head[1] == 0 {
        let ty = match head[2] {
            0x08 => "unsigned bytes".to_string(),
            0x09 => "signed bytes".to_string(),
            0x0b => "16-bit integers".to_string(),
            0x0c => "32-bit integers".to_string(),
            0x0d => "32-bit floats".to_string(),
            0x0e => "64-bit floats".to_string(),
            t => format!("unknown type 0x{t:02x}"),
        };
        return format!(
            "not an idx {want} file: its magic {} says {ty} in {} dimension(s), but an idx {want} file \
             holds unsigned bytes in {} dimension(s) (magic {})",
            hex(head),
            head[3],
            want_magic & 0xff,
            hex(&want_magic.to_be_bytes())
        );
    }
    if let Some(what) = foreign_format(head) {
        return format!("{what}, not an idx {want} file");
    }
    format!(
        "not an idx {want} file: it starts with {}, expected the magic number {}",
        hex(head),
        hex(&want_magic.to_be_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` images whose pixels vary, and labels cycling through the digits.
    fn sample(n: usize) -> (Vec<u8>, Vec<u8>) {
        let pixels = (0..n * PIXELS28).map(|i| (i * 7 % 256) as u8).collect();
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        (pixels, labels)
    }

    fn problem(r: Result<impl std::fmt::Debug, DataError>) -> String {
        match r {
            Err(DataError::Invalid { problem, .. }) => problem,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    fn images_header(count: u32, rows: u32, cols: u32) -> Vec<u8> {
        let mut h = IMAGES_MAGIC.to_be_bytes().to_vec();
        h.extend_from_slice(&count.to_be_bytes());
        h.extend_from_slice(&rows.to_be_bytes());
        h.extend_from_slice(&cols.to_be_bytes());
        h
    }

    #[test]
    fn names() {
        assert_eq!(
            candidates(TRAIN_IMAGES),
            [
                "train-images-idx3-ubyte".to_string(),
                "train-images-idx3-ubyte.gz".to_string()
            ]
        );
        assert_eq!(TRAIN_LABELS, "train-labels-idx1-ubyte");
        assert_eq!(T10K_IMAGES, "t10k-images-idx3-ubyte");
        assert_eq!(candidates(T10K_LABELS)[1], "t10k-labels-idx1-ubyte.gz");
    }

    #[test]
    fn round_trip_raw_and_gzip() {
        let (pixels, labels) = sample(13);
        let img = encode_images(&pixels, 13);
        let lab = encode_labels(&labels);
        assert_eq!(img.len(), 16 + 13 * 784);
        assert_eq!(
            &img[..16],
            &[0, 0, 8, 3, 0, 0, 0, 13, 0, 0, 0, 28, 0, 0, 0, 28]
        );
        assert_eq!(&lab[..8], &[0, 0, 8, 1, 0, 0, 0, 13]);
        for (i, l) in [
            (img.clone(), lab.clone()),
            (gzip(&img), gzip(&lab)),
            (gzip(&img), lab.clone()),
        ] {
            assert_eq!(read_images("i", &i).unwrap(), (13, pixels.clone()));
            assert_eq!(read_labels("l", &l).unwrap(), labels);
            let set = read_set("i", &i, "l", &l).unwrap();
            assert_eq!(set.len(), 13);
            assert_eq!(set.pixels(), &pixels[..]);
            assert_eq!(set.labels(), &labels[..]);
        }
        assert!(is_gzip(&gzip(&img)));
        assert!(!is_gzip(&img));
    }

    #[test]
    fn empty_set_is_fine() {
        let set = read_set("i", &encode_images(&[], 0), "l", &gzip(&encode_labels(&[]))).unwrap();
        assert!(set.is_empty());
    }

    #[test]
    fn large_gzip_round_trip() {
        // More than one 64 KiB growth step.
        let (pixels, labels) = sample(300);
        let set = read_set(
            "i",
            &gzip(&encode_images(&pixels, 300)),
            "l",
            &gzip(&encode_labels(&labels)),
        )
        .unwrap();
        assert_eq!(set.pixels(), &pixels[..]);
    }

    #[test]
    fn multi_member_gzip_is_one_stream() {
        let (pixels, _) = sample(3);
        let img = encode_images(&pixels, 3);
        let mut two = gzip(&img[..1000]);
        two.extend_from_slice(&gzip(&img[1000..]));
        assert_eq!(read_images("i", &two).unwrap(), (3, pixels));
    }

    #[test]
    fn the_message_from_the_brief() {
        let mut f = images_header(60000, 28, 28);
        f.resize(1000, 0);
        let e = read_images(TRAIN_IMAGES, &f).unwrap_err();
        assert_eq!(
            e.to_string(),
            "train-images-idx3-ubyte: truncated: header says 60000 images of 28×28 (47040016 bytes) \
             but the file has 1000 bytes"
        );
        let name = candidates(TRAIN_IMAGES)[1].clone();
        let e = read_images(&name, &gzip(&f)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "train-images-idx3-ubyte.gz: truncated: header says 60000 images of 28×28 (47040016 bytes) \
             but the file decompresses to only 1000 bytes"
        );
    }

    #[test]
    fn wrong_magic() {
        let p = problem(read_images("x", b"hello, world, this is text"));
        assert!(
            p.contains("not an idx images file: it starts with 68 65 6c 6c"),
            "{p}"
        );
        let p = problem(read_labels("x", &[0, 0, 0x0d, 2, 0, 0, 0, 1]));
        assert!(p.contains("32-bit floats in 2 dimension(s)"), "{p}");
        let p = problem(read_images("x", b"<!DOCTYPE html><html>"));
        assert!(p.contains("HTML"), "{p}");
        let p = problem(read_images("x", &gzip(&gzip(b"abc"))));
        assert!(p.contains("gzip-compressed twice"), "{p}");
        let p = problem(read_labels("x", b"TWDIGIT1\x01\0\0\0\x1c\x1c\0\0"));
        assert!(p.contains("TwinNet digits file"), "{p}");
        // Short and wrong: called wrong, not short.
        let p = problem(read_images("x", b"ab"));
        assert!(
            p.contains("starts with 61 62, expected the magic number 00 00 08 03"),
            "{p}"
        );
    }

    #[test]
    fn swapped_files() {
        let (pixels, labels) = sample(2);
        let img = encode_images(&pixels, 2);
        let lab = encode_labels(&labels);
        let p = problem(read_images("x", &lab));
        assert!(
            p.contains("this is an idx labels file") && p.contains("swapped"),
            "{p}"
        );
        let p = problem(read_labels("x", &gzip(&img)));
        assert!(
            p.contains("this is an idx images file") && p.contains("swapped"),
            "{p}"
        );
        let e = read_set("lab", &lab, "img", &img).unwrap_err();
        assert!(
            matches!(&e, DataError::Invalid { name, .. } if name == "lab"),
            "{e}"
        );
    }

    #[test]
    fn wrong_rows_cols() {
        for (r, c) in [(32, 32), (28, 27), (0, 28), (u32::MAX, 28)] {
            let mut f = images_header(1, r, c);
            f.resize(16 + 784, 0);
            let p = problem(read_images("x", &f));
            assert_eq!(
                p,
                format!("images are {r}×{c} pixels; TwinNet needs MNIST's 28×28 images")
            );
        }
    }

    #[test]
    fn truncated_and_short() {
        let (pixels, labels) = sample(2);
        let img = encode_images(&pixels, 2);
        let lab = encode_labels(&labels);
        let p = problem(read_images("x", &img[..img.len() - 1]));
        assert!(
            p.starts_with(
                "truncated: header says 2 images of 28×28 (1584 bytes) but the file has 1583 bytes"
            ),
            "{p}"
        );
        let p = problem(read_labels("x", &gzip(&lab[..9])));
        assert!(p.starts_with("truncated: header says 2 labels (10 bytes) but the file decompresses to only 9 bytes"), "{p}");
        let p = problem(read_images("x", &img[..10]));
        assert_eq!(p, "too short to be an idx images file: the file has 10 bytes, but the header alone is 16 bytes");
        let p = problem(read_images("x", &[]));
        assert_eq!(p, "the file is empty; expected an idx images file");
        let p = problem(read_labels("x", &gzip(&[])));
        assert_eq!(
            p,
            "the file decompresses to nothing; expected an idx labels file"
        );
        let p = problem(read_labels("x", &[0, 0, 8]));
        assert!(
            p.starts_with("too short to be an idx labels file: the file has 3 bytes"),
            "{p}"
        );
    }

    #[test]
    fn trailing_bytes() {
        let (pixels, labels) = sample(2);
        let mut img = encode_images(&pixels, 2);
        img.push(0);
        let p = problem(read_images("x", &img));
        assert_eq!(
            p,
            "1 unexpected bytes at the end: header says 2 images of 28×28 (1584 bytes) but the file has 1585 bytes"
        );
        let mut lab = encode_labels(&labels);
        lab.extend_from_slice(b"more");
        let p = problem(read_labels("x", &gzip(&lab)));
        assert!(
            p.starts_with("unexpected data at the end: header says 2 labels (10 bytes)"),
            "{p}"
        );
        // Garbage after the gzip stream itself.
        let mut g = gzip(&encode_labels(&labels));
        g.extend_from_slice(b"junk");
        let p = problem(read_labels("x", &g));
        assert!(p.contains("gzip data is damaged"), "{p}");
    }

    #[test]
    fn count_mismatch() {
        let (pixels, labels) = sample(3);
        let e = read_set(
            "imgs",
            &encode_images(&pixels, 3),
            "labs",
            &encode_labels(&labels[..2]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            DataError::invalid(
                "labs",
                "has 2 labels but imgs has 3 images; the images and labels files must come from the same set \
                 (train with train, t10k with t10k)"
            )
        );
    }

    #[test]
    fn label_out_of_range() {
        let p = problem(read_labels("x", &encode_labels(&[0, 9, 10, 3, 255])));
        assert!(
            p.starts_with(
                "label 10 at index 2 is not a digit 0-9 (2 labels in all are out of range)"
            ),
            "{p}"
        );
        let (pixels, _) = sample(1);
        let e = read_set(
            "i",
            &encode_images(&pixels, 1),
            "l",
            &gzip(&encode_labels(&[10])),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("l: label 10 at index 0 is not a digit 0-9;"),
            "{e}"
        );
    }

    #[test]
    fn corrupt_gzip() {
        let (pixels, _) = sample(5);
        let good = gzip(&encode_images(&pixels, 5));
        // A flipped bit in the compressed body, in the CRC, and a cut-off stream.
        let mut body = good.clone();
        body[good.len() / 2] ^= 0x55;
        let mut crc = good.clone();
        let n = crc.len();
        crc[n - 8] ^= 1;
        let cut = &good[..good.len() / 2];
        let mut header_only = good[..10].to_vec();
        header_only.truncate(5);
        for bad in [
            &body[..],
            &crc[..],
            cut,
            &header_only[..],
            &[0x1f, 0x8b][..],
        ] {
            let e = read_images("bad.gz", bad).unwrap_err();
            let s = e.to_string();
            assert!(s.starts_with("bad.gz: "), "{s}");
            assert!(
                s.contains("gzip data is damaged or incomplete") || s.contains("truncated"),
                "{s}"
            );
        }
        let p = problem(read_images("x", &crc));
        assert!(p.contains("checksum"), "{p}");
    }

    #[test]
    fn four_billion_images() {
        let f = images_header(u32::MAX, 28, 28);
        for bytes in [f.clone(), gzip(&f)] {
            let p = problem(read_images("x", &bytes));
            assert!(
                p.starts_with(
                    "header claims 4294967295 images; TwinNet refuses more than 10000000"
                ),
                "{p}"
            );
        }
        let mut l = LABELS_MAGIC.to_be_bytes().to_vec();
        l.extend_from_slice(&4_000_000_000u32.to_be_bytes());
        assert!(problem(read_labels("x", &gzip(&l))).starts_with("header claims 4000000000 labels"));
    }

    #[test]
    fn header_claiming_gigabytes_is_not_an_allocation() {
        // 9.9 million images (7.8 GB) claimed, a few bytes there: a quick "truncated".
        let mut f = images_header(9_900_000, 28, 28);
        f.extend_from_slice(&[1; 100]);
        let p = problem(read_images("x", &gzip(&f)));
        assert!(
            p.starts_with("truncated: header says 9900000 images of 28×28 (7761600016 bytes)"),
            "{p}"
        );
        assert!(p.ends_with("decompresses to only 116 bytes"), "{p}");
    }

    #[test]
    fn gzip_bomb() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        // One label claimed, 200 MB of zeros after it: stops at the first extra byte.
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&encode_labels(&[3])).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..200 {
            enc.write_all(&zeros).unwrap();
        }
        let bomb = enc.finish().unwrap();
        assert!(bomb.len() < 300_000, "{}", bomb.len());
        let p = problem(read_labels("bomb.gz", &bomb));
        assert!(
            p.starts_with("unexpected data at the end: header says 1 labels (9 bytes)"),
            "{p}"
        );
    }

    #[test]
    fn fuzz_like_inputs_never_panic() {
        let (pixels, labels) = sample(2);
        let seeds = [
            encode_images(&pixels, 2),
            encode_labels(&labels),
            gzip(&encode_images(&pixels, 2)),
        ];
        let mut x: u32 = 12345;
        for seed in &seeds {
            for _ in 0..300 {
                let mut b = seed.clone();
                for _ in 0..3 {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let i = (x >> 8) as usize % b.len();
                    b[i] = (x >> 24) as u8;
                }
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                b.truncate((x >> 4) as usize % (b.len() + 1));
                let _ = read_images("f", &b);
                let _ = read_labels("f", &b);
                let (a, c) = b.split_at(b.len() / 2);
                let _ = read_set("a", a, "c", c);
            }
        }
    }

    #[test]
    fn file_bounds_come_from_the_header() {
        let pixels = vec![9u8; 3 * PIXELS28];
        let raw = encode_images(&pixels, 3);
        let bound = images_file_bound("x", &raw[..IMAGES_HEADER]).unwrap();
        assert_eq!(bound, raw.len() as u64);
        let gz = gzip(&raw);
        let gz_bound = images_file_bound("x.gz", &gz).unwrap();
        assert!(
            gz_bound >= gz.len() as u64 && gz_bound > bound,
            "{gz_bound}"
        );
        let labels = encode_labels(&[1, 2, 3]);
        assert_eq!(
            labels_file_bound("y", &labels).unwrap(),
            labels.len() as u64
        );
        // The header's own checks answer first: a labels file is not an images file.
        let e = images_file_bound("y", &labels).unwrap_err().to_string();
        assert!(e.contains("swapped"), "{e}");
        let e = labels_file_bound("z", &[0u8; 64]).unwrap_err().to_string();
        assert!(e.contains("z"), "{e}");
    }
}
